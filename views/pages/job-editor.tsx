// The job editor: one form for the job, its destination and its schedules. Posted form-encoded
// to a page route, which calls the jobs and schedules services and re-renders this form with
// the contract's error message when they refuse.

import type { JobChannelChoice } from "../../src/notifications/service.ts";
import { DestinationForm } from "../components/destination-form.tsx";
import { EncryptionSection } from "../components/encryption-section.tsx";
import { ErrorSummary, errorId, FieldError } from "../components/form-errors.tsx";
import { ErrorAlert, providerLabel } from "../components/format.tsx";
import { ScheduleRow } from "../components/schedule-row.tsx";
import type { CredentialProps, JobProps, ProviderProps, ScheduleProps, SyncOptionsProps } from "../components/types.ts";
import { Layout } from "../layout.tsx";

/** What the editor form holds: a job's editable fields (no id, times, runs or schedules). */
export type JobFormValues = Pick<JobProps, "name" | "description" | "enabled" | "source_dirs" | "destination_type" | "destination_config" | "sync_options" | "credential_id"> & {
  /** no_success notification threshold in hours; null = off. */
  alert_after_hours: number | null;
};

export interface ScheduleRowState {
  key: string;
  schedule: ScheduleProps;
  preview: string[];
  error?: string | null;
  /** A custom schedule's cron in words. */
  words?: string | null;
  /** The error only says what is still to fill in (shown as a prompt until a save). */
  incomplete?: boolean;
}

export interface JobEditorProps {
  username: string;
  theme?: "light" | "dark" | "system";
  /** Absent for a new job. */
  jobId?: number;
  values: JobFormValues;
  providers: ProviderProps[];
  credentials: CredentialProps[];
  schedules: ScheduleRowState[];
  serverTimezone: string;
  /** The IANA zones the schedule rows offer. */
  timezones?: string[];
  error?: string | null;
  /** The field the error names (ApiError.field), marked invalid. */
  errorField?: string | null;
  /** Every problem of a refused save, in words, by API field ("schedules.<row>" for a schedule row). */
  errors?: Record<string, string> | null;
  /** Rendered folder picker for the sources, when the component is available. */
  sourcesPicker?: JSX.Element;
  /** Folder picker and drive list for the destination's path and drive fields. */
  destinationWidgets?: Record<string, JSX.Element>;
  /** Notification channels this job can be told through (the Notifications page makes them). */
  notifyChannels?: JobChannelChoice[];
}

export const DEFAULT_SYNC_OPTIONS: SyncOptionsProps = {
  delete_extraneous: false,
  exclude_patterns: [],
  exclude_dirs: [],
  provider_options: null,
  space_check: "none",
  bandwidth_limit_kbps: null,
  dry_run: false,
  verbosity: "normal",
  // A new job keeps versions (the API's default for a job created without the field).
  keep_versions_days: 30,
};

function Check(props: { name: string; checked: boolean; label: string; hint?: string; invalid?: boolean }) {
  return (
    <div class="field">
      <input type="hidden" name={props.name} value="false" />
      <label class="check">
        <input type="checkbox" id={props.name} name={props.name} value="true" checked={props.checked} aria-invalid={props.invalid ? "true" : undefined} />
        <span safe>{props.label}</span>
      </label>
      {props.hint ? (
        <div class="hint" safe>
          {props.hint}
        </div>
      ) : (
        ""
      )}
    </div>
  );
}

/** Which sections hold an error (API field → section), so a refused form opens them. */
export function sectionOf(field: string): SectionKey {
  if (field === "source_dirs" || field.startsWith("source_dirs.")) return "sources";
  if (field === "destination_type" || field === "credential_id" || field.startsWith("destination_config")) return "destination";
  if (field.startsWith("sync_options")) return "options";
  if (field.startsWith("schedules.")) return "schedules";
  if (field === "alert_after_hours" || field.startsWith("notify")) return "notifications";
  return "general";
}

export type SectionKey = "general" | "sources" | "destination" | "options" | "schedules" | "notifications";

/**
 * One folding part of the editor: a card whose summary line says what is inside while folded.
 * Native <details>: works without script; public/js/forms.js opens the one holding an error.
 */
function Section(props: { section: SectionKey; title: string; summary: string; open: boolean; children?: JSX.Element | JSX.Element[] }) {
  return (
    <details class="card editor-section" id={`section-${props.section}`} open={props.open}>
      <summary>
        <h2 safe>{props.title}</h2>
        <span class="section-summary muted small" safe>
          {props.summary}
        </span>
      </summary>
      <div class="section-body">{props.children as "safe"}</div>
    </details>
  );
}

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const two = (n: number | null | undefined) => String(n ?? 0).padStart(2, "0");

/** "Daily at 02:00", "Mondays at 03:30 (Europe/Paris)", "At 02:00, Monday to Friday". */
function scheduleSummary(r: ScheduleRowState): string {
  const s = r.schedule;
  const at = `${two(s.hour ?? 2)}:${two(s.minute ?? 0)}`;
  const what =
    s.schedule_type === "custom"
      ? (r.words ?? `cron ${s.cron_expression ?? ""}`)
      : s.schedule_type === "weekly"
        ? `${DAY_NAMES[s.day_of_week ?? 0]}s at ${at}`
        : s.schedule_type === "monthly"
          ? `Day ${s.day_of_month ?? 1} of each month at ${at}`
          : `Daily at ${at}`;
  return `${what}${s.timezone ? ` (${s.timezone})` : ""}${s.enabled === false ? ", off" : ""}`;
}

function summaries(props: JobEditorProps, providerName: string): Record<SectionKey, string> {
  const v = props.values;
  const o = v.sync_options;
  const dirs = v.source_dirs;
  const mainField = Object.entries(v.destination_config).find(([, x]) => typeof x === "string" && x !== "");
  const chosen = (props.notifyChannels ?? []).filter((c) => c.chosen || c.all);
  return {
    general: `${v.name || "Unnamed job"} · ${v.enabled ? "enabled" : "disabled"}`,
    sources: dirs.length === 0 ? "No folder chosen yet" : `${dirs.length} folder${dirs.length === 1 ? "" : "s"}: ${dirs.join(", ")}`,
    destination: `${providerName}${mainField ? ` · ${String(mainField[1])}` : ""}`,
    options: [
      o.delete_extraneous ? "deletes extra files" : "keeps extra files",
      o.dry_run ? "dry run" : null,
      o.exclude_patterns.length ? `${o.exclude_patterns.length} exclude pattern${o.exclude_patterns.length === 1 ? "" : "s"}` : null,
      o.exclude_dirs?.length ? `${o.exclude_dirs.length} excluded folder${o.exclude_dirs.length === 1 ? "" : "s"}` : null,
      o.space_check && o.space_check !== "none" ? `space check: ${o.space_check}` : null,
      o.keep_versions_days ? `old versions kept ${o.keep_versions_days} days` : null,
      o.bandwidth_limit_kbps ? `limit ${o.bandwidth_limit_kbps} KB/s` : null,
      `log ${o.verbosity}`,
    ]
      .filter(Boolean)
      .join(" · "),
    schedules: props.schedules.length === 0 ? "Runs only by hand" : props.schedules.map(scheduleSummary).join(" · "),
    notifications: [
      v.alert_after_hours ? `alert after ${v.alert_after_hours} h without success` : "no staleness alert",
      chosen.length ? `${chosen.length} channel${chosen.length === 1 ? "" : "s"}` : "no channel",
    ].join(" · "),
  };
}

/** The input id of an API field in this form (for the error summary's links); path fields are folder pickers. */
function inputOf(field: string, provider: ProviderProps): string | null {
  if (field === "source_dirs" || field.startsWith("source_dirs.")) return "picker-source_dirs-value";
  if (field.startsWith("destination_config.")) {
    const name = field.slice("destination_config.".length);
    const id = `dest.${name}`.replace(/[^a-zA-Z0-9_-]/g, "-");
    return provider.configFields.find((f) => f.name === name)?.type === "path" ? `picker-${id}-value` : id;
  }
  if (field.startsWith("sync_options.")) return `sync.${field.slice("sync_options.".length)}`;
  if (field.startsWith("schedules.")) return `schedule-${field.slice("schedules.".length)}`;
  if (field === "_form") return null;
  return field;
}

export function JobForm(props: JobEditorProps) {
  const v = props.values;
  const errors = props.errors ?? {};
  const invalid = props.errorField ?? null;
  const bad = (f: string) => (invalid === f || invalid?.startsWith(`${f}.`) || invalid?.startsWith(`${f}[`) || Object.keys(errors).some((k) => k === f || k.startsWith(`${f}.`)) ? "true" : undefined);
  const describe = (f: string) => (errors[f] ? errorId(f) : undefined);
  const destInvalid = invalid?.replace(/^destination_config\./, "") ?? null;
  const provider = props.providers.find((p) => p.type === v.destination_type) ?? props.providers[0]!;
  const action = props.jobId ? `/jobs/${props.jobId}/edit` : "/jobs/new";
  const words = summaries(props, provider.name);
  // A new job opens what it needs; an existing one shows its summary lines; errors open their sections.
  const withErrors = new Set<SectionKey>([...Object.keys(errors), ...(invalid ? [invalid] : [])].map(sectionOf));
  const open = (k: SectionKey) => withErrors.has(k) || (!props.jobId && (k === "general" || k === "sources" || k === "destination" || k === "schedules"));
  return (
    // novalidate: the server checks everything at once and says so beside each field (the browser's own bubbles name one at a time).
    <form id="job-form" class="stack" method="post" action={action} hx-post={action} hx-target="this" hx-swap="outerHTML" novalidate>
      <ErrorSummary errors={props.errors} inputOf={(f) => inputOf(f, provider)} />
      {Object.keys(errors).length === 0 ? <ErrorAlert message={props.error} /> : ""}
      <Section section="general" title="General" summary={words.general} open={open("general")}>
        <div class="field">
          <label for="name">Name</label>
          <input id="name" name="name" required maxlength="200" value={v.name} aria-invalid={bad("name")} aria-describedby={describe("name")} />
          <FieldError errors={errors} field="name" />
        </div>
        <div class="field">
          <label for="description">Description (optional)</label>
          <input id="description" name="description" maxlength="1000" value={v.description} aria-invalid={bad("description")} aria-describedby={describe("description")} />
          <FieldError errors={errors} field="description" />
        </div>
        <Check name="enabled" checked={v.enabled} label="Enabled (schedules run this job)" />
      </Section>

      <Section section="sources" title="Sources" summary={words.sources} open={open("sources")}>
        {props.sourcesPicker ? (
          (props.sourcesPicker as "safe")
        ) : (
          <div class="field">
            <label for="source_dirs">Folders to back up</label>
            <textarea id="source_dirs" name="source_dirs" rows="3" class="mono" placeholder="/home/me/documents" aria-invalid={bad("source_dirs")} aria-describedby={describe("source_dirs")} safe>
              {v.source_dirs.join("\n")}
            </textarea>
            <FieldError errors={errors} field="source_dirs" />
            <div class="hint">One absolute path per line. Each folder is copied into its own folder, named after it, at the destination.</div>
          </div>
        )}
      </Section>

      <Section section="destination" title="Destination" summary={words.destination} open={open("destination")}>
        <div class="field">
          <label for="destination_type">Type</label>
          <select
            id="destination_type"
            name="destination_type"
            hx-get="/jobs/editor/destination"
            hx-trigger="change"
            hx-target="#destination-form"
            hx-swap="outerHTML"
            hx-include="this"
            aria-invalid={bad("destination_type")}
          >
            {props.providers.map((p) => (
              <option value={p.type} selected={p.type === provider.type} safe>
                {providerLabel(p)}
              </option>
            ))}
          </select>
          <FieldError errors={errors} field="destination_type" />
        </div>
        <DestinationForm
          provider={provider}
          config={v.destination_config}
          credentials={props.credentials}
          credentialId={v.credential_id}
          invalid={destInvalid}
          widgets={props.destinationWidgets}
          errors={errors}
        />
      </Section>

      <Section section="options" title="Options" summary={words.options} open={open("options")}>
        <Check
          name="sync.delete_extraneous"
          checked={v.sync_options.delete_extraneous}
          label="Delete files at the destination that are gone from the source"
          hint="Refused at run time when a source folder is missing or empty."
        />
        <Check name="sync.dry_run" checked={v.sync_options.dry_run} label="Dry run (log what would change, change nothing)" />
        <div class="field">
          <label for="sync.exclude_patterns">Exclude patterns (optional)</label>
          <textarea
            id="sync.exclude_patterns"
            name="sync.exclude_patterns"
            rows="3"
            class="mono"
            placeholder="*.tmp"
            aria-invalid={bad("sync_options.exclude_patterns")}
            aria-describedby={describe("sync_options.exclude_patterns")}
            safe
          >
            {v.sync_options.exclude_patterns.join("\n")}
          </textarea>
          <FieldError errors={errors} field="sync_options.exclude_patterns" />
          <div class="hint">One pattern per line, as rsync understands them.</div>
        </div>
        <div class="field">
          <label for="sync.keep_versions_days">Keep old versions for (days)</label>
          <input
            id="sync.keep_versions_days"
            name="sync.keep_versions_days"
            type="number"
            min="1"
            max="3650"
            placeholder="off"
            value={v.sync_options.keep_versions_days == null ? "" : String(v.sync_options.keep_versions_days)}
            aria-invalid={bad("sync_options.keep_versions_days")}
            aria-describedby={errors["sync_options.keep_versions_days"] ? `${errorId("sync_options.keep_versions_days")} keep-versions-hint` : "keep-versions-hint"}
          />
          <FieldError errors={errors} field="sync_options.keep_versions_days" />
          <div class="hint" id="keep-versions-hint">
            Old copies of changed and deleted files are kept for this many days in .dynamight-versions at the destination; they use space on the destination. Empty: off (the destination is a plain
            mirror).
          </div>
        </div>
        <div class="field">
          <label for="sync.exclude_dirs">Excluded folders (optional)</label>
          <textarea
            id="sync.exclude_dirs"
            name="sync.exclude_dirs"
            rows="2"
            class="mono"
            placeholder="/home/me/Photos/cache"
            aria-invalid={bad("sync_options.exclude_dirs")}
            aria-describedby={describe("sync_options.exclude_dirs")}
            safe
          >
            {v.sync_options.exclude_dirs.join("\n")}
          </textarea>
          <FieldError errors={errors} field="sync_options.exclude_dirs" />
          <div class="hint">One absolute folder per line, each inside one of the source folders; it and everything in it is skipped.</div>
        </div>
        {provider.type === "local" ? (
          <fieldset class="plain" id="local-sync-options">
            <legend>rsync (local / USB)</legend>
            <Check name="sync.checksum_mode" checked={v.sync_options.provider_options?.checksum_mode === true} label="Compare files by checksum (slower; catches changes that keep size and time)" />
            <Check name="sync.compress" checked={v.sync_options.provider_options?.compress === true} label="Compress data in transfer" />
            <Check name="sync.ignore_times" checked={v.sync_options.provider_options?.ignore_times === true} label="Copy every file, even when size and time match" />
            <div class="field">
              <label for="sync.space_check">Free space check before a run</label>
              <select id="sync.space_check" name="sync.space_check" aria-invalid={bad("sync_options.space_check")}>
                {(
                  [
                    ["none", "Off"],
                    ["warn", "Warn when the estimate does not fit"],
                    ["fail", "Fail the run when the estimate does not fit"],
                  ] as const
                ).map(([x, label]) => (
                  <option value={x} selected={x === v.sync_options.space_check}>
                    {label}
                  </option>
                ))}
              </select>
              <FieldError errors={errors} field="sync_options.space_check" />
              <div class="hint">An rsync dry run estimates what would be copied (plus 10%) and compares it with the free space on the target.</div>
            </div>
          </fieldset>
        ) : (
          ""
        )}
        <div class="row form-row">
          <div class="field">
            <label for="sync.bandwidth_limit_kbps">Bandwidth limit in KB/s (optional)</label>
            <input
              id="sync.bandwidth_limit_kbps"
              name="sync.bandwidth_limit_kbps"
              type="number"
              min="1"
              value={v.sync_options.bandwidth_limit_kbps === null ? "" : String(v.sync_options.bandwidth_limit_kbps)}
              aria-invalid={bad("sync_options.bandwidth_limit_kbps")}
              aria-describedby={describe("sync_options.bandwidth_limit_kbps")}
            />
            <FieldError errors={errors} field="sync_options.bandwidth_limit_kbps" />
          </div>
          <div class="field">
            <label for="sync.verbosity">Log detail</label>
            <select id="sync.verbosity" name="sync.verbosity">
              {(["quiet", "normal", "verbose"] as const).map((x) => (
                <option value={x} selected={x === v.sync_options.verbosity}>
                  {x}
                </option>
              ))}
            </select>
          </div>
        </div>
      </Section>

      <EncryptionSection jobId={props.jobId} encryption={v.sync_options.encryption ?? null} credentials={props.credentials} destinationType={v.destination_type} invalid={invalid} />

      <Section section="schedules" title="Schedules" summary={words.schedules} open={open("schedules")}>
        <p class="muted small" safe>
          {`Times are in the server's time zone (${props.serverTimezone}) unless a schedule names another.`}
        </p>
        <div id="schedules" class="stack">
          {props.schedules.map((s) => (
            <>
              <ScheduleRow
                rowKey={s.key}
                schedule={s.schedule}
                preview={s.preview}
                error={s.error}
                incomplete={s.incomplete && !errors[`schedules.${s.key}`]}
                words={s.words}
                serverTimezone={props.serverTimezone}
                timezones={props.timezones}
              />
              <FieldError errors={errors} field={`schedules.${s.key}`} inputId={`schedule-${s.key}`} />
            </>
          ))}
        </div>
        <button type="button" class="btn add-schedule" hx-get="/jobs/editor/schedule-row" hx-target="#schedules" hx-swap="beforeend">
          Add schedule
        </button>
      </Section>

      <Section section="notifications" title="Notifications" summary={words.notifications} open={open("notifications")}>
        <div class="field">
          <label for="alert_after_hours">Alert when no successful run for N hours (optional)</label>
          <input
            id="alert_after_hours"
            name="alert_after_hours"
            type="number"
            min="1"
            max="8760"
            value={v.alert_after_hours === null || v.alert_after_hours === undefined ? "" : String(v.alert_after_hours)}
            aria-invalid={bad("alert_after_hours")}
            aria-describedby={describe("alert_after_hours")}
          />
          <FieldError errors={errors} field="alert_after_hours" />
          <div class="hint">Empty: off. Channels subscribed to "no_success" are told once per stale spell.</div>
        </div>
        <fieldset class="field plain">
          <legend>Notify through</legend>
          <input type="hidden" name="notify_present" value="1" />
          {(props.notifyChannels ?? []).length === 0 ? (
            <div class="hint">
              No notification channels yet: add one on the <a href="/notifications">Notifications</a> page.
            </div>
          ) : (
            (props.notifyChannels ?? []).map((c) => (
              <label class="check">
                <input type="checkbox" name={`notify.${c.id}`} value="true" checked={c.chosen} disabled={c.all} />
                <span safe>{`${c.name} (${c.type})${c.all ? ": every job" : ""}`}</span>
              </label>
            ))
          )}
        </fieldset>
      </Section>

      <div class="row form-actions">
        <button class="btn btn-primary" type="submit">
          {props.jobId ? "Save changes" : "Create job"}
        </button>
        <a class="btn" href={props.jobId ? `/jobs/${props.jobId}` : "/jobs"}>
          Cancel
        </a>
      </div>
    </form>
  );
}

export function JobEditorPage(props: JobEditorProps) {
  const title = props.jobId ? `Edit ${props.values.name}` : "New job";
  return (
    <Layout title={title} username={props.username} active="jobs" theme={props.theme}>
      <>
        <h1 safe>{title}</h1>
        <JobForm {...props} />
      </>
    </Layout>
  );
}
