// Schedules as the API shows them, and their validated create/update/delete. No HTTP types here;
// the scheduler is told about changes through the `onChange` hook the caller passes.
import { eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { jobs } from "../db/schema.ts";
import { notFound } from "../http/errors.ts";
import { compile, type ScheduleDefinition, type ScheduleType } from "./cron.ts";
import type { ScheduleAction, ScheduleView } from "./model.ts";
import type { ScheduleRow } from "./queries.ts";
import * as q from "./queries.ts";

export type { ScheduleView };

/** The zone croner uses when a schedule names none: the process's (TZ), as the runtime sees it. */
export function serverTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export interface ScheduleInput {
  schedule_type: ScheduleType;
  hour?: number | null;
  minute?: number | null;
  day_of_week?: number | null;
  day_of_month?: number | null;
  cron_expression?: string | null;
  timezone?: string | null;
  enabled?: boolean;
  catch_up?: boolean;
  /** What the schedule starts; default "backup" (kept when an update leaves it out). */
  action?: ScheduleAction;
}

export function definitionOf(row: ScheduleRow): ScheduleDefinition {
  return {
    schedule_type: row.scheduleType,
    hour: row.hour,
    minute: row.minute,
    day_of_week: row.dayOfWeek,
    day_of_month: row.dayOfMonth,
    cron_expression: row.cronExpression,
    timezone: row.timezone,
  };
}

function nextRunOf(row: ScheduleRow, jobEnabled: boolean, now: Date): string | null {
  if (!row.enabled || !jobEnabled) return null;
  try {
    const job = compile(definitionOf(row));
    const next = job.nextRun(now);
    job.stop();
    return next ? next.toISOString() : null;
  } catch {
    // A row that no longer compiles (e.g. a time zone dropped from the tz database) never fires.
    return null;
  }
}

export function toView(row: ScheduleRow, jobEnabled: boolean, now = new Date()): ScheduleView {
  return {
    id: row.id,
    job_id: row.jobId,
    enabled: row.enabled,
    ...definitionOf(row),
    catch_up: row.catchUp,
    action: row.action,
    next_run: nextRunOf(row, jobEnabled, now),
    created_at: row.createdAt,
  };
}

/** The schedules of each job (every id in `jobIds` gets an entry, possibly empty), ordered by id. */
export function schedulesOfJobs(db: Db, jobIds: number[]): Map<number, ScheduleView[]> {
  const out = new Map<number, ScheduleView[]>(jobIds.map((id) => [id, []]));
  if (jobIds.length === 0) return out;
  const enabled = new Map(
    db
      .select({ id: jobs.id, enabled: jobs.enabled })
      .from(jobs)
      .where(inArray(jobs.id, jobIds))
      .all()
      .map((j) => [j.id, j.enabled]),
  );
  const now = new Date();
  for (const row of q.schedulesForJobs(db, jobIds)) {
    out.get(row.jobId)?.push(toView(row, enabled.get(row.jobId) ?? false, now));
  }
  return out;
}

/** Normalises input into a validated definition (400 naming the field on anything wrong). */
export function definitionFromInput(input: ScheduleInput): ScheduleDefinition {
  const def: ScheduleDefinition = {
    schedule_type: input.schedule_type,
    hour: input.hour ?? null,
    minute: input.minute ?? null,
    day_of_week: input.day_of_week ?? null,
    day_of_month: input.day_of_month ?? null,
    cron_expression: input.cron_expression?.trim() || null,
    timezone: input.timezone?.trim() || null,
  };
  // Daily/weekly/monthly default to minute 0 when only the hour is given, as a form would send.
  if (def.schedule_type !== "custom" && def.minute === null && def.hour !== null) def.minute = 0;
  compile(def).stop();
  return def;
}

function columns(def: ScheduleDefinition) {
  return {
    scheduleType: def.schedule_type,
    hour: def.hour,
    minute: def.minute,
    dayOfWeek: def.day_of_week,
    dayOfMonth: def.day_of_month,
    cronExpression: def.cron_expression,
    timezone: def.timezone,
  };
}

function jobEnabled(db: Db, jobId: number): boolean {
  return db.select({ enabled: jobs.enabled }).from(jobs).where(eq(jobs.id, jobId)).get()?.enabled ?? false;
}

export function listSchedules(db: Db, jobId: number): ScheduleView[] {
  if (!q.jobExists(db, jobId)) throw notFound("Job not found");
  return schedulesOfJobs(db, [jobId]).get(jobId) ?? [];
}

export function getSchedule(db: Db, id: number): ScheduleView {
  const row = q.findSchedule(db, id);
  if (!row) throw notFound("Schedule not found");
  return toView(row, jobEnabled(db, row.jobId));
}

export function createSchedule(db: Db, jobId: number, input: ScheduleInput): ScheduleView {
  if (!q.jobExists(db, jobId)) throw notFound("Job not found");
  const def = definitionFromInput(input);
  const row = q.insertSchedule(db, { jobId, ...columns(def), enabled: input.enabled ?? true, catchUp: input.catch_up ?? true, action: input.action ?? "backup" });
  return toView(row, jobEnabled(db, jobId));
}

/** Replaces the definition ("same as create"); `enabled`, `catch_up` and `action` keep their value when left out. */
export function updateSchedule(db: Db, id: number, input: ScheduleInput): ScheduleView {
  const existing = q.findSchedule(db, id);
  if (!existing) throw notFound("Schedule not found");
  const def = definitionFromInput(input);
  const changedDefinition = JSON.stringify(columns(def)) !== JSON.stringify(columns(definitionOf(existing)));
  const row = q.updateSchedule(db, id, {
    ...columns(def),
    enabled: input.enabled ?? existing.enabled,
    catchUp: input.catch_up ?? existing.catchUp,
    action: input.action ?? existing.action,
    // A new definition must not catch up on times it never had: count from now.
    ...(changedDefinition ? { lastFiredAt: new Date().toISOString() } : {}),
  });
  if (!row) throw notFound("Schedule not found");
  return toView(row, jobEnabled(db, row.jobId));
}

/** Deletes the schedule; returns its job id (for re-arming). */
export function deleteSchedule(db: Db, id: number): number {
  const existing = q.findSchedule(db, id);
  if (!existing || !q.deleteSchedule(db, id)) throw notFound("Schedule not found");
  return existing.jobId;
}
