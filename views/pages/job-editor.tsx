// The job editor: one form for the job, its destination and its schedules. Posted form-encoded
// to a page route, which calls the jobs and schedules services and re-renders this form with
// the contract's error message when they refuse.

import type { JobChannelChoice } from "../../src/notifications/service.ts";
import { DestinationForm } from "../components/destination-form.tsx";
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
  bandwidth_limit_kbps: null,
  dry_run: false,
  verbosity: "normal",
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

export function JobForm(props: JobEditorProps) {
  const v = props.values;
  const invalid = props.errorField ?? null;
  const bad = (f: string) => (invalid === f || invalid?.startsWith(`${f}.`) || invalid?.startsWith(`${f}[`) ? "true" : undefined);
  const destInvalid = invalid?.replace(/^destination_config\./, "") ?? null;
  const provider = props.providers.find((p) => p.type === v.destination_type) ?? props.providers[0]!;
  const action = props.jobId ? `/jobs/${props.jobId}/edit` : "/jobs/new";
  return (
    <form id="job-form" class="stack" method="post" action={action} hx-post={action} hx-target="this" hx-swap="outerHTML">
      <ErrorAlert message={props.error} />
      <section class="card">
        <h2>General</h2>
        <div class="field">
          <label for="name">Name</label>
          <input id="name" name="name" required maxlength="200" value={v.name} aria-invalid={bad("name")} />
        </div>
        <div class="field">
          <label for="description">Description (optional)</label>
          <input id="description" name="description" maxlength="1000" value={v.description} aria-invalid={bad("description")} />
        </div>
        <Check name="enabled" checked={v.enabled} label="Enabled (schedules run this job)" />
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
          />
          <div class="hint">Empty: off. Channels subscribed to "no_success" are told once per stale spell.</div>
        </div>
        <fieldset class="field">
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
      </section>

      <section class="card">
        <h2>Sources</h2>
        {props.sourcesPicker ? (
          (props.sourcesPicker as "safe")
        ) : (
          <div class="field">
            <label for="source_dirs">Folders to back up</label>
            <textarea id="source_dirs" name="source_dirs" rows="3" class="mono" placeholder="/home/me/documents" aria-invalid={bad("source_dirs")} safe>
              {v.source_dirs.join("\n")}
            </textarea>
            <div class="hint">One absolute path per line. Each folder is copied into its own folder, named after it, at the destination.</div>
          </div>
        )}
      </section>

      <section class="card">
        <h2>Destination</h2>
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
        </div>
        <DestinationForm provider={provider} config={v.destination_config} credentials={props.credentials} credentialId={v.credential_id} invalid={destInvalid} widgets={props.destinationWidgets} />
      </section>

      <section class="card">
        <h2>Sync options</h2>
        <Check
          name="sync.delete_extraneous"
          checked={v.sync_options.delete_extraneous}
          label="Delete files at the destination that are gone from the source"
          hint="Refused at run time when a source folder is missing or empty."
        />
        <Check name="sync.dry_run" checked={v.sync_options.dry_run} label="Dry run (log what would change, change nothing)" />
        <div class="field">
          <label for="sync.exclude_patterns">Exclude patterns (optional)</label>
          <textarea id="sync.exclude_patterns" name="sync.exclude_patterns" rows="3" class="mono" placeholder="*.tmp" aria-invalid={bad("sync_options.exclude_patterns")} safe>
            {v.sync_options.exclude_patterns.join("\n")}
          </textarea>
          <div class="hint">One pattern per line, as rsync understands them.</div>
        </div>
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
            />
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
      </section>

      <section class="card">
        <h2>Schedules</h2>
        <p class="muted small" safe>
          {`Times are in the server's time zone (${props.serverTimezone}) unless a schedule names another.`}
        </p>
        <div id="schedules" class="stack">
          {props.schedules.map((s) => (
            <ScheduleRow
              rowKey={s.key}
              schedule={s.schedule}
              preview={s.preview}
              error={s.error}
              incomplete={s.incomplete}
              words={s.words}
              serverTimezone={props.serverTimezone}
              timezones={props.timezones}
            />
          ))}
        </div>
        <button type="button" class="btn add-schedule" hx-get="/jobs/editor/schedule-row" hx-target="#schedules" hx-swap="beforeend">
          Add schedule
        </button>
      </section>

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
