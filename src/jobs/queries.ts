// All SQL of jobs. Deleting a job deletes its schedules and runs (ON DELETE CASCADE).
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { preparedOnce } from "../db/prepared.ts";
import { credentials, jobs, runs } from "../db/schema.ts";

export type JobRow = typeof jobs.$inferSelect;
export type JobValues = Omit<typeof jobs.$inferInsert, "id" | "createdAt" | "updatedAt">;

/**
 * Jobs in id order from `offset`, at most `limit` (null: all), with the total count. One statement
 * read whole and sliced: an appliance has tens of jobs, and on SQLite a bound LIMIT/OFFSET made
 * this 9-11 µs against 1.7-2 µs without (measured on the data folder's database), plus a second
 * statement for the count; this is the hot path of GET /api/jobs (issue 17).
 */
const allStatement = preparedOnce((db) => db.select().from(jobs).orderBy(asc(jobs.id)).prepare());

export function allJobs(db: Db): JobRow[] {
  return allStatement(db).all();
}

export function pageJobs(db: Db, limit: number | null, offset: number): { rows: JobRow[]; total: number } {
  const all = allStatement(db).all();
  return { rows: all.slice(offset, limit === null ? undefined : offset + limit), total: all.length };
}

export function findJob(db: Db, id: number): JobRow | undefined {
  return db.select().from(jobs).where(eq(jobs.id, id)).get();
}

export function insertJob(db: Db, values: JobValues): number {
  return db.insert(jobs).values(values).returning({ id: jobs.id }).get().id;
}

export function updateJob(db: Db, id: number, values: JobValues) {
  db.update(jobs)
    .set({ ...values, updatedAt: new Date().toISOString() })
    .where(eq(jobs.id, id))
    .run();
}

export function deleteJob(db: Db, id: number) {
  db.delete(jobs).where(eq(jobs.id, id)).run();
}

export function credentialType(db: Db, id: number): string | undefined {
  return db.select({ t: credentials.providerType }).from(credentials).where(eq(credentials.id, id)).get()?.t;
}

/** Whether a run of the job has completed (its destination holds a backup). */
export function hasCompletedRun(db: Db, jobId: number): boolean {
  return !!db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.jobId, jobId), eq(runs.status, "completed")))
    .limit(1)
    .get();
}
