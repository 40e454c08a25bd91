// The job editor's form <-> the jobs and schedules services' inputs. Form posts are flat
// key/value strings: `dest.<field>`, `sync.<option>`, `sched-<row>-<field>`. Inputs are checked
// against the API's own schemas first, so the page shows the same words the API would.
import { Value } from "@sinclair/typebox/value";
import type { TSchema } from "@sinclair/typebox";
import { validationError } from "../../http/errors.ts";
import { JobBody } from "../../jobs/model.ts";
import type { JobInput } from "../../jobs/service.ts";
import { isDestinationType } from "../../providers/registry.ts";
import type { DestinationType, FieldSpec } from "../../providers/types.ts";
import { nextRuns } from "../../schedules/cron.ts";
import { ScheduleBody } from "../../schedules/model.ts";
import { definitionFromInput, type ScheduleInput } from "../../schedules/service.ts";
import type { ScheduleProps } from "../../../views/components/types.ts";
import type { JobFormValues, ScheduleRowState } from "../../../views/pages/job-editor.tsx";
import { DEFAULT_SYNC_OPTIONS } from "../../../views/pages/job-editor.tsx";
import { messageOf } from "./common.ts";

/** Throws the API's 400 for the first thing `schema` refuses in `value`. */
export function checkSchema(schema: TSchema, value: unknown, prefix = "") {
  const first = Value.Errors(schema, value).First();
  if (!first) return;
  throw validationError({ type: "body", valueError: first as never }, prefix);
}

function lines(v: string | undefined): string[] {
  return (v ?? "")
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** "" → null, a whole number → number, anything else stays text (the schema then names it). */
function intOrNull(v: string | undefined): number | string | null {
  if (v === undefined || v.trim() === "") return null;
  return /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v;
}

function bool(v: string | undefined, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  return v === "true" || v === "on";
}

/** A destination's fields read back from `dest.<name>` keys, typed as its FieldSpec says. */
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

export function readSchedule(form: Record<string, string>, key: string): ScheduleProps {
  const g = (f: string) => form[`sched-${key}-${f}`];
  const type = g("schedule_type");
  const id = intOrNull(g("id"));
  return {
    id: typeof id === "number" ? id : null,
    schedule_type: type === "weekly" || type === "monthly" || type === "custom" ? type : "daily",
    hour: intOrNull(g("hour")) as number | null,
    minute: intOrNull(g("minute")) as number | null,
    day_of_week: intOrNull(g("day_of_week")) as number | null,
    day_of_month: intOrNull(g("day_of_month")) as number | null,
    cron_expression: g("cron_expression")?.trim() || null,
    timezone: g("timezone")?.trim() || null,
    enabled: bool(g("enabled"), true),
    catch_up: bool(g("catch_up"), true),
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
  };
}

/** The row with its next five runs, or the schedules service's objection to it. */
export function previewRow(key: string, schedule: ScheduleProps, now = new Date()): ScheduleRowState {
  try {
    const input = scheduleInput(schedule);
    // Only the definition matters for the preview: whether the row is enabled does not.
    checkSchema(ScheduleBody, Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null)));
    const runs = nextRuns(definitionFromInput(input), 5, now).map((d) => d.toISOString());
    return { key, schedule, preview: runs };
  } catch (err) {
    return { key, schedule, preview: [], error: messageOf(err) };
  }
}

export function newRowKey(): string {
  return `n${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export interface ParsedJobForm {
  values: JobFormValues;
  input: JobInput;
  rows: ScheduleRowState[];
}

export function parseJobForm(form: Record<string, string>, fieldsOf: (type: DestinationType) => FieldSpec[]): ParsedJobForm {
  const type = form.destination_type ?? "";
  const config = isDestinationType(type) ? readConfig(fieldsOf(type), form, "dest.") : {};
  const credential = intOrNull(form.credential_id);
  const values: JobFormValues = {
    name: form.name ?? "",
    description: form.description ?? "",
    enabled: bool(form.enabled, true),
    source_dirs: lines(form.source_dirs),
    destination_type: type,
    destination_config: config,
    credential_id: typeof credential === "number" ? credential : null,
    sync_options: {
      delete_extraneous: bool(form["sync.delete_extraneous"], false),
      dry_run: bool(form["sync.dry_run"], false),
      exclude_patterns: lines(form["sync.exclude_patterns"]),
      bandwidth_limit_kbps: intOrNull(form["sync.bandwidth_limit_kbps"]) as number | null,
      verbosity: (form["sync.verbosity"] as JobFormValues["sync_options"]["verbosity"]) ?? DEFAULT_SYNC_OPTIONS.verbosity,
    },
  };
  const input = {
    name: values.name,
    description: values.description,
    enabled: values.enabled,
    source_dirs: values.source_dirs,
    destination_type: type as DestinationType,
    destination_config: config,
    sync_options: values.sync_options,
    credential_id: credential,
  } as JobInput;
  const rows = scheduleKeys(form).map((k) => previewRow(k, readSchedule(form, k)));
  return { values, input, rows };
}
