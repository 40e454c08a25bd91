// The job editor's routes: the page (new/edit), its save, and the fragments it asks for while
// the user types (destination form per type, schedule rows with their preview, connection test).
import { Elysia } from "elysia";
import { CredentialOptions, DestinationForm, TestResult } from "../../../views/components/destination-form.tsx";
import { RcloneConfigBox } from "../../../views/components/encryption-section.tsx";
import { ErrorAlert } from "../../../views/components/format.tsx";
import { NotFoundPage } from "../../../views/components/not-found.tsx";
import { CronWords, ScheduleRow } from "../../../views/components/schedule-row.tsx";
import type { ScheduleProps } from "../../../views/components/types.ts";
import { DEFAULT_SYNC_OPTIONS, JobEditorPage, type JobEditorProps, JobForm, type JobFormValues, type ScheduleRowState } from "../../../views/pages/job-editor.tsx";
import type { AppContext } from "../../context.ts";
import { listCredentials } from "../../credentials/service.ts";
import { destinationFor, isDestinationType } from "../../destinations/registry.ts";
import { ApiError, badRequest, invalidField } from "../../http/errors.ts";
import { JobBody } from "../../jobs/model.ts";
import * as jobs from "../../jobs/service.ts";
import * as notifications from "../../notifications/service.ts";
import { testDestination } from "../../providers/service.ts";
import { jobRcloneConfig } from "../../runs/rclone-config.ts";
import { nextRuns } from "../../schedules/cron.ts";
import { ScheduleBody } from "../../schedules/model.ts";
import * as schedules from "../../schedules/service.ts";
import type { Services } from "../../services.ts";
import { cronWords } from "../cron-words.ts";
import {
  checkSchema,
  type FieldErrors,
  fieldErrors,
  fieldOf,
  formOf,
  intOrNull,
  messageOf,
  missingRequired,
  parseJobForm,
  readSchedule,
  scheduleInput,
  schemaErrors,
  type Wording,
  withTypeDefaults,
} from "../forms.ts";
import { html, pageOrFragment, redirect } from "../html.ts";
import { pageAuth, type Viewer } from "../session.ts";
import { timeZones } from "../timezones.ts";
import { idParam, isNotFound, providers, rearm } from "./common.ts";
import { renderDriveSelect, renderFolderPicker } from "./drives.tsx";

const hide = { detail: { hide: true } };

/** How the editor words its fields' problems (the API keeps its field names and messages). */
function JOB_WORDING(type: string): Wording {
  const dest = isDestinationType(type) ? destinationFor(type) : null;
  const labels: Record<string, string> = {
    name: "Name",
    description: "Description",
    source_dirs: "Folders to back up",
    destination_type: "Destination type",
    credential_id: "Credential",
    alert_after_hours: "Alert after (hours)",
    "sync_options.exclude_patterns": "Exclude patterns",
    "sync_options.bandwidth_limit_kbps": "Bandwidth limit",
    "sync_options.exclude_dirs": "Excluded folders",
    "sync_options.space_check": "Free space check",
    "sync_options.keep_versions_days": "Keep old versions for (days)",
  };
  for (const f of dest?.configFields ?? []) labels[`destination_config.${f.name}`] = f.label;
  return {
    labels,
    whenMissing: {
      name: "Give the job a name",
      source_dirs: "Add at least one folder to back up",
      credential_id: dest ? `Choose a saved credential for ${dest.name} (or add one on the Credentials page)` : "Choose a saved credential",
      ...Object.fromEntries((dest?.configFields ?? []).map((f) => [`destination_config.${f.name}`, `Enter the ${f.label.toLowerCase()}`])),
    },
  };
}
const fieldsOf = (type: Parameters<typeof destinationFor>[0]) => destinationFor(type).configFields;

/** The row with its next five runs, or the schedules service's objection to it. */
function previewRow(key: string, schedule: ScheduleProps, now = new Date()): ScheduleRowState {
  // A custom row's cron in words, or why it cannot be read, in plain words (not the parser's).
  const cron = schedule.schedule_type === "custom" ? cronWords(schedule.cron_expression) : null;
  try {
    const input = scheduleInput(schedule);
    // Only the definition matters for the preview: whether the row is enabled does not.
    checkSchema(ScheduleBody, Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null)));
    const runs = nextRuns(schedules.definitionFromInput(input), 5, now).map((d) => d.toISOString());
    return { key, schedule, preview: runs, words: cron ? (cron.words ?? "A custom pattern (see the next runs below)") : null };
  } catch (err) {
    const message = messageOf(err);
    // Not typed yet (just switched to custom): a prompt, not an error; a save still refuses it.
    if (cron && !schedule.cron_expression) return { key, schedule, preview: [], error: cron.error, incomplete: true };
    if (cron) return { key, schedule, preview: [], error: cron.error ?? `This cron expression cannot be used: ${message}` };
    return { key, schedule, preview: [], error: message };
  }
}

function newRowKey(): string {
  return `n${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/**
 * "Test connection": the same check as POST /api/providers/test, with input errors shown as a
 * failed test instead of a 400 page.
 */
async function testConnection(ctx: AppContext, input: jobs.JobInput): Promise<{ success: boolean; message: string }> {
  // The editor offers only saved credentials: say what to do rather than name API fields.
  if (!input.credential_id && isDestinationType(input.destination_type)) {
    const dest = destinationFor(input.destination_type);
    if (dest.capabilities.requires_credentials) return { success: false, message: `Choose a saved credential to test ${dest.name}` };
  }
  try {
    const r = await testDestination(ctx, { ...input, credential_data: undefined });
    return { success: r.success, message: r.message };
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) return { success: false, message: err.message };
    throw err;
  }
}

/** A new job; `?type=` (the dashboard's first-step links) chooses its destination. */
function blankJob(type?: unknown): JobFormValues {
  return {
    name: "",
    description: "",
    enabled: true,
    source_dirs: [],
    destination_type: typeof type === "string" && isDestinationType(type) ? type : "local",
    destination_config: {},
    sync_options: { ...DEFAULT_SYNC_OPTIONS },
    credential_id: null,
    alert_after_hours: null,
  };
}

export function jobEditorPages(ctx: AppContext, services: Services) {
  const { db } = ctx;
  const { engine } = services;

  const editorProps = (
    page: Viewer,
    values: JobFormValues,
    rows: JobEditorProps["schedules"],
    jobId?: number,
    error?: string | null,
    errorField?: string | null,
    chosenChannels?: ReadonlySet<number>,
    errors?: FieldErrors,
  ): JobEditorProps => ({
    errors,
    username: page.user.username,
    theme: page.theme,
    jobId,
    values,
    providers: providers(),
    credentials: listCredentials(db),
    schedules: rows,
    serverTimezone: schedules.serverTimezone(),
    timezones: timeZones(),
    error,
    errorField,
    sourcesPicker: renderFolderPicker(ctx, { field: "source_dirs", multiple: true, value: values.source_dirs.join("\n"), dialog: "closed", errorText: errors?.source_dirs }),
    destinationWidgets: destinationWidgets(values.destination_type, values.destination_config, errors),
    notifyChannels: notifications.jobChannelChoices(db, jobId, chosenChannels),
  });

  /** The folder picker for path fields and the attached-drive list for drive fields. */
  const destinationWidgets = (type: string, config: Record<string, unknown>, errors?: FieldErrors): Record<string, JSX.Element> => {
    const provider = providers().find((p) => p.type === type);
    const widgets: Record<string, JSX.Element> = {};
    for (const f of provider?.configFields ?? []) {
      const value = config[f.name] === null || config[f.name] === undefined ? "" : String(config[f.name]);
      if (f.type === "path")
        widgets[f.name] = renderFolderPicker(ctx, {
          field: `dest.${f.name}`,
          multiple: false,
          value,
          label: f.label,
          hint: f.help,
          dialog: "closed",
          errorText: errors?.[`destination_config.${f.name}`],
        });
      // Kita renders a Promise<string> child once it settles: the drive list needs lsblk.
      if (f.type === "drive") widgets[f.name] = renderDriveSelect(`dest.${f.name}`, value || null).then(async (el) => await el);
    }
    return widgets;
  };

  /** Validates everything first (job and every schedule), so a refused save changes nothing. */
  const save = (parsed: { input: jobs.JobInput; rows: ScheduleRowState[] }, jobId?: number): number => {
    checkSchema(JobBody, parsed.input);
    jobs.validateJob(db, parsed.input, ctx.config);
    parsed.rows.forEach((r, i) => {
      if (r.error) throw badRequest(`Schedule ${i + 1}: ${r.error}`);
    });
    const view = jobId === undefined ? jobs.createJob(db, engine, parsed.input, ctx.config) : jobs.updateJob(db, engine, jobId, parsed.input, ctx.config);
    const kept = new Set<number>();
    const existing = new Set(view.schedules.map((s) => s.id));
    for (const r of parsed.rows) {
      const input = scheduleInput(r.schedule);
      if (r.schedule.id && existing.has(r.schedule.id)) {
        schedules.updateSchedule(db, r.schedule.id, input);
        kept.add(r.schedule.id);
      } else {
        schedules.createSchedule(db, view.id, input);
      }
    }
    for (const id of existing) if (!kept.has(id)) schedules.deleteSchedule(db, id);
    rearm(services, view.id);
    return view.id;
  };

  /**
   * Every problem of the form at once, in words, by API field: the schema's (all of them), the
   * destination's required fields, the credential, each schedule row, then the service's own
   * check (paths, guard rails) when the shape is right. Empty: the save may go ahead.
   */
  const formErrors = (parsed: { input: jobs.JobInput; rows: ScheduleRowState[] }): FieldErrors => {
    const input = parsed.input;
    const found: unknown[] = schemaErrors(JobBody, input);
    if (isDestinationType(input.destination_type)) {
      const dest = destinationFor(input.destination_type);
      found.push(...missingRequired(dest.configFields, input.destination_config as Record<string, unknown>, "destination_config."));
      if (dest.capabilities.requires_credentials && !input.credential_id) found.push(invalidField("credential_id", "is required"));
    }
    if (found.length === 0) {
      try {
        jobs.validateJob(db, input, ctx.config);
      } catch (err) {
        found.push(err);
      }
    }
    const errors = fieldErrors(found, JOB_WORDING(input.destination_type));
    parsed.rows.forEach((r, i) => {
      if (r.error) errors[`schedules.${r.key}`] = `Schedule ${i + 1}: ${r.error}`;
    });
    return errors;
  };

  const submit = async (page: Viewer, request: Request, body: unknown, rawId?: string) => {
    const jobId = rawId === undefined ? undefined : (idParam(rawId) ?? 0);
    const raw = formOf(body);
    const form = parseJobForm(raw, fieldsOf);
    const parsed = { ...form, rows: form.schedules.map((r) => previewRow(r.key, r.schedule)) };
    // The "Notify through" checkboxes (notify.<channel id>); a form without the fieldset changes none.
    const chosen = raw.notify_present ? new Set(Object.keys(raw).flatMap((k) => (k.startsWith("notify.") && raw[k] === "true" ? [Number(k.slice(7))] : []))) : undefined;
    const refused = (errors: FieldErrors, status: number) => {
      const props = editorProps(page, parsed.values, parsed.rows, jobId, null, null, chosen, errors);
      return pageOrFragment(request, { fragment: () => <JobForm {...props} />, page: () => <JobEditorPage {...props} /> }, { status });
    };
    const errors = formErrors(parsed);
    if (Object.keys(errors).length > 0) return refused(errors, 400);
    try {
      const id = save(parsed, jobId);
      if (chosen) notifications.setJobChannels(db, id, chosen);
      return redirect(`/jobs/${id}?saved=${jobId === undefined ? "created" : "updated"}`, request);
    } catch (err) {
      if (isNotFound(err) && jobId !== undefined) return redirect("/jobs", request);
      // What only the save itself finds (a name taken meanwhile, ...): the same words, beside its field.
      if (err instanceof ApiError && err.status < 500) return refused(fieldErrors([err], JOB_WORDING(parsed.input.destination_type)), err.status);
      const props = editorProps(page, parsed.values, parsed.rows, jobId, messageOf(err), fieldOf(err), chosen);
      // htmx swaps the form in place; a plain post (no JS) gets the whole page back.
      return pageOrFragment(request, { fragment: () => <JobForm {...props} />, page: () => <JobEditorPage {...props} /> }, { status: (err as ApiError).status ?? 400 });
    }
  };

  return new Elysia({ name: "web-job-editor" })
    .use(pageAuth(ctx))
    .get(
      "/jobs/new",
      ({ query, user, theme }) => {
        const rows = [previewRow(newRowKey(), { schedule_type: "daily", hour: 2, minute: 0, enabled: true, catch_up: true })];
        return html(<JobEditorPage {...editorProps({ user, theme }, blankJob(query.type), rows)} />);
      },
      { page: true, ...hide },
    )
    .post("/jobs/new", ({ request, body, user, theme }) => submit({ user, theme }, request, body), { page: true, ...hide })
    .get(
      "/jobs/:id/edit",
      ({ params, user, theme }) => {
        let job: jobs.JobView;
        try {
          job = jobs.getJob(db, engine, idParam(params.id) ?? 0);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          return html(<NotFoundPage username={user.username} theme={theme} message="This job does not exist (it may have been deleted)." />, { status: 404 });
        }
        const rows = job.schedules.map((s) => previewRow(`s${s.id}`, s));
        return html(<JobEditorPage {...editorProps({ user, theme }, job, rows, job.id)} />);
      },
      { page: true, ...hide },
    )
    .post("/jobs/:id/edit", ({ request, body, params, user, theme }) => submit({ user, theme }, request, body, params.id), { page: true, ...hide })
    .get(
      "/jobs/:id/rclone-config",
      ({ params }) => {
        // Fetched by the editor's "Show rclone config" button only: the text holds the obscured passwords.
        try {
          return html(<RcloneConfigBox text={jobRcloneConfig(db, ctx.secret, idParam(params.id) ?? 0).text} />);
        } catch (err) {
          return html(<ErrorAlert message={messageOf(err)} />, { status: (err as ApiError).status ?? 400 });
        }
      },
      { page: true, ...hide },
    )
    .get(
      "/jobs/editor/destination",
      ({ query }) => {
        const type = isDestinationType(query.destination_type) ? query.destination_type : "local";
        const provider = providers().find((p) => p.type === type)!;
        return html(<DestinationForm provider={provider} config={{}} credentials={listCredentials(db)} credentialId={null} widgets={destinationWidgets(type, {})} />);
      },
      { page: true, ...hide },
    )
    .get(
      "/jobs/editor/schedule-row",
      ({ query }) => {
        const form = query as Record<string, string>;
        const key = typeof form.key === "string" && /^[A-Za-z0-9_]{1,40}$/.test(form.key) ? form.key : null;
        const row = key ? previewRow(key, withTypeDefaults(readSchedule(form, key))) : previewRow(newRowKey(), { schedule_type: "daily", hour: 2, minute: 0, enabled: true, catch_up: true });
        return html(
          <ScheduleRow
            rowKey={row.key}
            schedule={row.schedule}
            preview={row.preview}
            error={row.error}
            incomplete={row.incomplete}
            words={row.words}
            serverTimezone={schedules.serverTimezone()}
            timezones={timeZones()}
          />,
        );
      },
      { page: true, ...hide },
    )
    .get(
      "/jobs/editor/cron-words",
      ({ query }) => {
        const form = query as Record<string, string>;
        const key = typeof form.key === "string" && /^[A-Za-z0-9_]{1,40}$/.test(form.key) ? form.key : "x";
        const row = previewRow(key, readSchedule({ ...form, [`sched-${key}-schedule_type`]: "custom" }, key));
        return html(<CronWords rowKey={key} words={row.words} error={row.error} incomplete={row.incomplete} />);
      },
      { page: true, ...hide },
    )
    .get(
      "/jobs/editor/credentials",
      ({ query }) => {
        const type = String(query.provider_type ?? "");
        const chosen = intOrNull(String(query.credential_id ?? ""));
        const usable = listCredentials(db).filter((c) => c.provider_type === type);
        return html(<CredentialOptions credentials={usable} credentialId={typeof chosen === "number" ? chosen : null} />);
      },
      { page: true, ...hide },
    )
    .get("/jobs/editor/nothing", () => html(""), { page: true, ...hide })
    .post(
      "/jobs/editor/test",
      async ({ body }) => {
        const parsed = parseJobForm(formOf(body), fieldsOf);
        const result = await testConnection(ctx, parsed.input).catch((err) => ({ success: false, message: messageOf(err) }));
        return html(<TestResult result={result} />);
      },
      { page: true, ...hide },
    );
}
