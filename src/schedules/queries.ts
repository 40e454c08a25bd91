// All SQL of the schedules feature.
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { jobs, schedules } from "../db/schema.ts";

export type ScheduleRow = typeof schedules.$inferSelect;
export type ScheduleInsert = typeof schedules.$inferInsert;

export function schedulesForJobs(db: Db, jobIds: number[]): ScheduleRow[] {
  if (jobIds.length === 0) return [];
  return db.select().from(schedules).where(inArray(schedules.jobId, jobIds)).orderBy(asc(schedules.jobId), asc(schedules.id)).all();
}

export function findSchedule(db: Db, id: number): ScheduleRow | undefined {
  return db.select().from(schedules).where(eq(schedules.id, id)).get();
}

export function insertSchedule(db: Db, values: ScheduleInsert): ScheduleRow {
  return db.insert(schedules).values(values).returning().get();
}

export function updateSchedule(db: Db, id: number, values: Partial<ScheduleInsert>): ScheduleRow | undefined {
  return db
    .update(schedules)
    .set({ ...values, updatedAt: new Date().toISOString() })
    .where(eq(schedules.id, id))
    .returning()
    .get();
}

export function deleteSchedule(db: Db, id: number): boolean {
  return db.delete(schedules).where(eq(schedules.id, id)).returning({ id: schedules.id }).all().length > 0;
}

export function setLastFired(db: Db, id: number, at: string) {
  db.update(schedules).set({ lastFiredAt: at }).where(eq(schedules.id, id)).run();
}

export function jobExists(db: Db, jobId: number): boolean {
  return db.select({ id: jobs.id }).from(jobs).where(eq(jobs.id, jobId)).get() !== undefined;
}

/** Enabled schedules of enabled jobs (optionally of one job): what the scheduler arms. */
export function armableSchedules(db: Db, jobId?: number): (ScheduleRow & { jobName: string })[] {
  const cond = and(eq(schedules.enabled, true), eq(jobs.enabled, true), jobId === undefined ? undefined : eq(schedules.jobId, jobId));
  return db
    .select({ s: schedules, jobName: jobs.name })
    .from(schedules)
    .innerJoin(jobs, eq(jobs.id, schedules.jobId))
    .where(cond)
    .orderBy(asc(schedules.id))
    .all()
    .map((r) => ({ ...r.s, jobName: r.jobName }));
}
