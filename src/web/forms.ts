// Every form helper of the pages, in one place: reading a form-encoded body (the app's parser
// hands pages an object of strings), typing its values (lists, numbers, checkboxes, a
// destination's fields), checking them with the API's own schemas, the job editor's form
// encoding, and turning a service's refusal into words on the form.
//
// The job editor's posts are flat key/value strings: `dest.<field>`, `sync.<option>`,
// `sched-<row>-<field>`; lists are one per line in a textarea; checkboxes post a hidden `false`
// before the box, so unticking is seen.

import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { ScheduleProps } from "../../views/components/types.ts";
import type { JobFormValues } from "../../views/pages/job-editor.tsx";
import { DEFAULT_SYNC_OPTIONS } from "../../views/pages/job-editor.tsx";
import type { DestinationType, FieldSpec } from "../destinations/contract.ts";
import { isDestinationType } from "../destinations/registry.ts";
import { ApiError, invalidField, validationError } from "../http/errors.ts";
import type { JobInput } from "../jobs/service.ts";
import type { ScheduleInput } from "../schedules/service.ts";

// ---- Reading the body --------------------------------------------------------------------

/** Form bodies arrive as an object of strings (the app's parser); anything else reads as empty. */
export function formOf(body: unknown): Record<string, string> {
  if (!body || typeof body !== "object" || Array.isArray(body)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}

/** A string field of a form-encoded (or JSON) body, cut to `max` characters; "" when absent. */
export function formField(body: unknown, name: string, max = 1024): string {
  const v = body && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === "string" ? v.slice(0, max) : "";
}

// ---- Typing values -----------------------------------------------------------------------

/** The local/USB rsync switches of the job editor; null when none is ticked (or the form has none). */
function providerOptionsOf(form: Record<string, string>): JobFormValues["sync_options"]["provider_options"] {
  const o = { checksum_mode: form["sync.checksum_mode"] === "true", compress: form["sync.compress"] === "true", ignore_times: form["sync.ignore_times"] === "true" };
  return o.checksum_mode || o.compress || o.ignore_times ? o : null;
}

/** A textarea's lines, trimmed, blank ones dropped. */
export function lines(v: string | undefined): string[] {
  return (v ?? "")
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** "" → null, a whole number → number, anything else stays text (the schema then names it). */
export function intOrNull(v: string | undefined): number | string | null {
  if (v === undefined || v.trim() === "") return null;
  return /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v;
}

/** A checkbox (with its hidden `false`): ticked is "true" or "on"; absent is `dflt`. */
export function bool(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  return v === "true" || v === "on";
}

/** A destination's (or credential's) fields read back from `<prefix><name>` keys, typed as its FieldSpec says. */
export function readConfig(fields: FieldSpec[], form: Record<string, string>, prefix: string, opts: { dropBlankSecrets?: boolean } = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = form[`${prefix}${f.name}`];
    if (f.type === "boolean") {
      out[f.name] = bool(v, false);
      continue;
    }
    if (v === undefined || v.trim() === "") {
      if (opts.dropBlankSecrets && (f.secret || f.type === "password")) continue;
      out[f.name] = null;
      continue;
    }
    out[f.name] = f.type === "integer" ? intOrNull(v) : v;
  }
  return out;
}

// ---- Checking and reporting --------------------------------------------------------------

/** Throws the API's 400 for the first thing `schema` refuses in `value`. */
export function checkSchema(schema: TSchema, value: unknown, prefix = "") {
  const first = Value.Errors(schema, value).First();
  if (!first) return;
  throw validationError({ type: "body", valueError: first as never }, prefix);
}

/** The contract's message of an ApiError (what a user should read); anything else is rethrown (a 500). */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) {
    const jobs = (err.extra as { jobs?: unknown }).jobs;
    // A 409 "in use" names the jobs: show them, as the API reference's body does.
    if (Array.isArray(jobs) && jobs.length) return `${err.message}: ${jobs.map(String).join(", ")}`;
    return err.message;
  }
  throw err;
}

/** The field an ApiError names (for the form to mark), or null. */
export function fieldOf(err: unknown): string | null {
  return err instanceof ApiError ? (err.field ?? null) : null;
}

// ---- The job editor's form ---------------------------------------------------------------

/** The definition fields each schedule type uses (the rest are sent as null). */
export const SCHEDULE_FIELDS = {
  daily: ["hour", "minute"],
  weekly: ["day_of_week", "hour", "minute"],
  monthly: ["day_of_month", "hour", "minute"],
  custom: ["cron_expression"],
} as const;

export function readSchedule(form: Record<string, string>, key: string): ScheduleProps {
  const g = (f: string) => form[`sched-${key}-${f}`];
  const raw = g("schedule_type");
  const type: ScheduleProps["schedule_type"] = raw === "weekly" || raw === "monthly" || raw === "custom" ? raw : "daily";
  const id = intOrNull(g("id"));
  // Only the fields the type uses: after the Repeat select changed, the row still posts the old
  // type's inputs, which the schedules service would refuse ("not used by a custom schedule").
  const uses = (f: string) => (SCHEDULE_FIELDS[type] as readonly string[]).includes(f);
  const field = (f: string) => (uses(f) ? (intOrNull(g(f)) as number | null) : null);
  return {
    id: typeof id === "number" ? id : null,
    schedule_type: type,
    hour: field("hour"),
    minute: field("minute"),
    day_of_week: field("day_of_week"),
    day_of_month: field("day_of_month"),
    cron_expression: uses("cron_expression") ? g("cron_expression")?.trim() || null : null,
    timezone: g("timezone")?.trim() || null,
    enabled: bool(g("enabled"), true),
    catch_up: bool(g("catch_up"), true),
    action: g("action") === "verify" ? "verify" : "backup",
  };
}

/**
 * After the type select changed, the fields the new type shows for the first time start from the
 * values their inputs display (Sunday, the 1st, 02:00), so the preview matches what the user sees.
 */
export function withTypeDefaults(s: ScheduleProps): ScheduleProps {
  if (s.schedule_type === "custom") return s;
  const out = { ...s, hour: s.hour ?? 2, minute: s.minute ?? 0 };
  if (s.schedule_type === "weekly") out.day_of_week = s.day_of_week ?? 0;
  if (s.schedule_type === "monthly") out.day_of_month = s.day_of_month ?? 1;
  return out;
}

/** Row keys in form order (every row posts its schedule_type). */
export function scheduleKeys(form: Record<string, string>): string[] {
  const keys: string[] = [];
  for (const k of Object.keys(form)) {
    const m = /^sched-([A-Za-z0-9_]+)-schedule_type$/.exec(k);
    if (m) keys.push(m[1]!);
  }
  return keys;
}

export function scheduleInput(s: ScheduleProps): ScheduleInput {
  return {
    schedule_type: s.schedule_type,
    hour: s.hour,
    minute: s.minute,
    day_of_week: s.day_of_week,
    day_of_month: s.day_of_month,
    cron_expression: s.cron_expression,
    timezone: s.timezone,
    enabled: s.enabled,
    catch_up: s.catch_up,
    action: s.action ?? "backup",
  };
}

export interface ParsedJobForm {
  /** What the form shows again after a refused save. */
  values: JobFormValues;
  /** What the jobs service takes. */
  input: JobInput;
  /** The schedule rows, in form order. */
  schedules: { key: string; schedule: ScheduleProps }[];
}

/** The Encryption section: no password chosen is off; the service checks the rest. */
function encryptionOf(form: Record<string, string>): JobFormValues["sync_options"]["encryption"] {
  const id = intOrNull(form["sync.encryption.password_credential_id"]);
  if (id === null) return null;
  return {
    password_credential_id: id as number,
    filename_encryption: form["sync.encryption.filename_encryption"] === "off" ? "off" : "standard",
    directory_name_encryption: bool(form["sync.encryption.directory_name_encryption"], true),
  };
}

export function parseJobForm(form: Record<string, string>, fieldsOf: (type: DestinationType) => FieldSpec[]): ParsedJobForm {
  const type = form.destination_type ?? "";
  const config = isDestinationType(type) ? readConfig(fieldsOf(type), form, "dest.") : {};
  const credential = intOrNull(form.credential_id);
  const alertAfter = intOrNull(form.alert_after_hours);
  const values: JobFormValues = {
    name: form.name ?? "",
    description: form.description ?? "",
    enabled: bool(form.enabled, true),
    source_dirs: lines(form.source_dirs),
    destination_type: type,
    destination_config: config,
    credential_id: typeof credential === "number" ? credential : null,
    alert_after_hours: typeof alertAfter === "number" ? alertAfter : null,
    sync_options: {
      delete_extraneous: bool(form["sync.delete_extraneous"], false),
      dry_run: bool(form["sync.dry_run"], false),
      exclude_patterns: lines(form["sync.exclude_patterns"]),
      bandwidth_limit_kbps: intOrNull(form["sync.bandwidth_limit_kbps"]) as number | null,
      verbosity: (form["sync.verbosity"] as JobFormValues["sync_options"]["verbosity"]) ?? DEFAULT_SYNC_OPTIONS.verbosity,
      exclude_dirs: lines(form["sync.exclude_dirs"]),
      provider_options: providerOptionsOf(form),
      space_check: (form["sync.space_check"] as JobFormValues["sync_options"]["space_check"]) ?? DEFAULT_SYNC_OPTIONS.space_check,
      // A non-number stays as typed so the jobs service refuses it naming the field.
      keep_versions_days: intOrNull(form["sync.keep_versions_days"]) as number | null,
      encryption: encryptionOf(form),
    },
  };
  const input = {
    name: values.name,
    description: values.description,
    enabled: values.enabled,
    source_dirs: values.source_dirs,
    destination_type: type as DestinationType,
    destination_config: config,
    // A form without the versions field (an older page) leaves the stored setting as it is.
    sync_options: form["sync.keep_versions_days"] === undefined ? { ...values.sync_options, keep_versions_days: undefined } : values.sync_options,
    credential_id: credential,
    // A form without the field (an older page) leaves the stored threshold as it is.
    ...(form.alert_after_hours === undefined ? {} : { alert_after_hours: alertAfter }),
  } as JobInput;
  const schedules = scheduleKeys(form).map((key) => ({ key, schedule: readSchedule(form, key) }));
  return { values, input, schedules };
}

// ---- Every error at once, in plain words ---------------------------------------------------
//
// A refused form shows each problem beside its field (views/components/form-errors.tsx), the
// first one focused by public/js/forms.js. The API keeps its field names and messages; pages
// translate them here: a page gives its fields' labels and, where the generic words are poor,
// its own sentence per field.

/** API field name → what to tell the user. Insertion order is the form's order. */
export type FieldErrors = Record<string, string>;

/** Every field the schema refuses (the first problem of each), as the API's ApiErrors. */
export function schemaErrors(schema: TSchema, value: unknown, prefix = ""): ApiError[] {
  const out = new Map<string, ApiError>();
  for (const ve of Value.Errors(schema, value)) {
    const err = validationError({ type: "body", valueError: ve as never }, prefix);
    // A list's items are reported on the list (source_dirs.2 → source_dirs).
    const field = (err.field ?? "").replace(/\.\d+$/, "");
    if (field && !out.has(field)) out.set(field, err);
  }
  return [...out.values()];
}

export interface Wording {
  /** API field → its label on the form ("Name", "Folders to back up"). */
  labels?: Record<string, string>;
  /** API field → the sentence when it is missing or empty ("Add at least one folder to back up"). */
  whenMissing?: Record<string, string>;
}

const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const upper = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** An API message about `field` in plain words: no quotes around field names, no "item(s)". */
export function plainWords(field: string, apiMessage: string, wording: Wording = {}): string {
  const label = wording.labels?.[field] ?? field.split(".").pop()!.replace(/_/g, " ");
  // "Field 'x.y' is required" / "Field 'x' must be …": the subject is the field.
  // "…, or null (off)" is the JSON's way of saying "leave it empty".
  const rest = apiMessage.replace(/^(Field|Query parameter|Path parameter) '[^']*' /, "").replace(/,? or null(?: \([^)]*\))?/, ", or leave it empty");
  const missing = /^is required$|^must be a string of at least 1 characters|^must be a list of at least 1 item\(s\)|^must be an integer|^must not be empty/.test(rest);
  if (missing && wording.whenMissing?.[field]) return wording.whenMissing[field]!;
  if (missing) return `Enter ${lower(label)}`;
  let m = /^must be a list of at least (\d+) item\(s\)/.exec(rest);
  if (m) return `Add at least ${m[1]} to ${lower(label)}`;
  m = /^must be a string of (?:at least \d+ characters, )?at most (\d+) characters/.exec(rest);
  if (m) return `${upper(label)} can be at most ${m[1]} characters long`;
  m = /^must be (a whole number|a number)(.*)$/.exec(rest);
  if (m) return `Enter ${m[1]}${m[2]}`;
  if (rest === apiMessage) return upper(apiMessage);
  return `${upper(label)} ${rest}`;
}

/** ApiErrors (schema and service) as plain words per API field; the first error of a field wins. */
export function fieldErrors(errors: unknown[], wording: Wording = {}): FieldErrors {
  const out: FieldErrors = {};
  for (const err of errors) {
    if (!(err instanceof ApiError)) throw err;
    // A list's item is reported on the list, with its line ("source_dirs.0" → source_dirs, line 1).
    const item = /^(.*)\.(\d+)$/.exec(err.field ?? "");
    const field = item ? item[1]! : (err.field ?? "_form");
    if (field in out) continue;
    if (field === "_form") out[field] = err.message;
    else if (item) {
      const label = wording.labels?.[field] ?? field;
      out[field] = `${upper(label)}, line ${Number(item[2]) + 1}: ${err.message.replace(/^(Field|Query parameter|Path parameter) '[^']*' /, "")}`;
    } else out[field] = plainWords(field, err.message, wording);
  }
  return out;
}

/** The required FieldSpec fields left blank (a destination's or credential's), as ApiErrors naming `<prefix><name>`. */
export function missingRequired(fields: FieldSpec[], values: Record<string, unknown>, prefix: string): ApiError[] {
  return fields
    .filter((f) => f.required && f.type !== "boolean" && (values[f.name] === null || values[f.name] === undefined || String(values[f.name]).trim() === ""))
    .map((f) => invalidField(`${prefix}${f.name}`, "is required"));
}
