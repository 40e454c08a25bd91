// Turns a schedule definition into a croner job description and answers "when next?".
// Knows nothing of the database or HTTP, so the editor preview, the API and the scheduler
// all compute run times the same way.
import { Cron, type CronOptions } from "croner";
import { invalidField } from "../http/errors.ts";

export type ScheduleType = "daily" | "weekly" | "monthly" | "custom";

export interface ScheduleDefinition {
  schedule_type: ScheduleType;
  hour: number | null;
  minute: number | null;
  day_of_week: number | null;
  day_of_month: number | null;
  cron_expression: string | null;
  timezone: string | null;
}

export const SCHEDULE_TYPES: ScheduleType[] = ["daily", "weekly", "monthly", "custom"];
export const MAX_CRON_LENGTH = 200;

/** True when the runtime's time-zone database knows `tz` (an IANA name such as Europe/Berlin). */
export function isValidTimezone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function requireInt(value: number | null, field: string, min: number, max: number): number {
  if (value === null || value === undefined) throw invalidField(field, "is required for this schedule_type");
  if (!Number.isInteger(value) || value < min || value > max) throw invalidField(field, `must be a whole number from ${min} to ${max}`);
  return value;
}

/**
 * The 5-field cron pattern of a definition. Validates the fields the type needs (400 naming the
 * field); fields a type does not use must be null so a stored schedule never says two things.
 */
export function cronPattern(def: ScheduleDefinition): string {
  const unused = (fields: (keyof ScheduleDefinition)[]) => {
    for (const f of fields) {
      if (def[f] !== null && def[f] !== undefined) throw invalidField(f, `is not used by a ${def.schedule_type} schedule; leave it out or null`);
    }
  };
  switch (def.schedule_type) {
    case "daily": {
      unused(["day_of_week", "day_of_month", "cron_expression"]);
      return `${requireInt(def.minute, "minute", 0, 59)} ${requireInt(def.hour, "hour", 0, 23)} * * *`;
    }
    case "weekly": {
      unused(["day_of_month", "cron_expression"]);
      const dow = requireInt(def.day_of_week, "day_of_week", 0, 6);
      return `${requireInt(def.minute, "minute", 0, 59)} ${requireInt(def.hour, "hour", 0, 23)} * * ${dow}`;
    }
    case "monthly": {
      unused(["day_of_week", "cron_expression"]);
      // Plain cron semantics: a month without that day (31 in April) has no run; docs/scheduling.md
      // points users at a custom "0 2 L * *" for "last day of every month".
      const dom = requireInt(def.day_of_month, "day_of_month", 1, 31);
      return `${requireInt(def.minute, "minute", 0, 59)} ${requireInt(def.hour, "hour", 0, 23)} ${dom} * *`;
    }
    case "custom": {
      unused(["hour", "minute", "day_of_week", "day_of_month"]);
      const expr = def.cron_expression?.trim();
      if (!expr) throw invalidField("cron_expression", "is required for a custom schedule");
      if (expr.length > MAX_CRON_LENGTH) throw invalidField("cron_expression", `must be at most ${MAX_CRON_LENGTH} characters`);
      const fields = expr.split(/\s+/).length;
      if (!expr.startsWith("@") && fields !== 5) {
        throw invalidField("cron_expression", `must have 5 fields (minute hour day-of-month month day-of-week), got ${fields}`);
      }
      return expr;
    }
    default: {
      const never: never = def.schedule_type;
      throw invalidField("schedule_type", `must be one of ${SCHEDULE_TYPES.join(", ")} (got ${JSON.stringify(never)})`);
    }
  }
}

/**
 * croner options for a definition. `mode: "5-part"` keeps cron at minute precision (a seconds
 * field would let a user schedule a backup every second). Day-of-month and day-of-week combine
 * with OR when both are restricted, like Vixie cron (`domAndDow: false`, croner's default).
 */
export function cronOptions(timezone: string | null): CronOptions {
  const opts: CronOptions = { mode: "5-part", domAndDow: false, paused: true };
  // Without a timezone croner works in the process's local time, i.e. the server's TZ.
  if (timezone) opts.timezone = timezone;
  return opts;
}

/** A paused croner job for the definition (never fires); throws a 400 for a bad definition. */
export function compile(def: ScheduleDefinition): Cron {
  if (def.timezone !== null && def.timezone !== undefined && !isValidTimezone(def.timezone)) {
    throw invalidField("timezone", `must be an IANA time zone name such as Europe/Berlin (got ${JSON.stringify(def.timezone)})`);
  }
  const pattern = cronPattern(def);
  let job: Cron;
  try {
    job = new Cron(pattern, cronOptions(def.timezone));
  } catch (err) {
    const detail = (err as Error).message.replace(/^CronPattern:\s*/, "");
    throw invalidField("cron_expression", `must be a 5-field cron expression (minute hour day-of-month month day-of-week): ${detail}`);
  }
  if (job.nextRun() === null) {
    job.stop();
    throw invalidField("cron_expression", "never matches a date (e.g. 30 February)");
  }
  return job;
}

/** The next `n` run times strictly after `from`. */
export function nextRuns(def: ScheduleDefinition, n: number, from: Date = new Date()): Date[] {
  const job = compile(def);
  try {
    return job.nextRuns(n, from);
  } finally {
    job.stop();
  }
}

export function nextRun(def: ScheduleDefinition, from: Date = new Date()): Date | null {
  return nextRuns(def, 1, from)[0] ?? null;
}

/** The latest run time at or before `at` (for catch-up), or null when there is none. */
export function previousRun(def: ScheduleDefinition, at: Date): Date | null {
  const job = compile(def);
  try {
    return job.previousRuns(1, at)[0] ?? null;
  } finally {
    job.stop();
  }
}
