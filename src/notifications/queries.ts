// All SQL of notifications: channels, the outbox, deliveries, no_success alerts, and what a message reads of jobs and runs.
import { and, asc, desc, eq, inArray, isNotNull, lte, max, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { jobs, notificationAlerts, notificationChannels, notificationDeliveries, notificationOutbox, runLogs, runs } from "../db/schema.ts";

export type ChannelRow = typeof notificationChannels.$inferSelect;
export type ChannelValues = Omit<typeof notificationChannels.$inferInsert, "id" | "createdAt" | "updatedAt">;
export type OutboxRow = typeof notificationOutbox.$inferSelect;

export const listChannels = (db: Db): ChannelRow[] => db.select().from(notificationChannels).orderBy(asc(notificationChannels.id)).all();
export const findChannel = (db: Db, id: number) => db.select().from(notificationChannels).where(eq(notificationChannels.id, id)).get();

/** Inserts with the sealed secrets computed from the new id, in one transaction. */
export function insertChannel(db: Db, values: Omit<ChannelValues, "secrets">, secrets: (id: number) => string): number {
  return db.transaction((tx) => insertChannelIn(tx, values, secrets));
}

/** The same inside a transaction the caller holds (a configuration import). */
export function insertChannelIn(tx: Pick<Db, "insert" | "update">, values: Omit<ChannelValues, "secrets">, secrets: (id: number) => string): number {
  const id = tx
    .insert(notificationChannels)
    .values({ ...values, secrets: "" })
    .returning({ id: notificationChannels.id })
    .get().id;
  tx.update(notificationChannels)
    .set({ secrets: secrets(id) })
    .where(eq(notificationChannels.id, id))
    .run();
  return id;
}

export function updateChannel(db: Db, id: number, values: Partial<ChannelValues>) {
  db.update(notificationChannels)
    .set({ ...values, updatedAt: new Date().toISOString() })
    .where(eq(notificationChannels.id, id))
    .run();
}

export const deleteChannel = (db: Db, id: number) => db.delete(notificationChannels).where(eq(notificationChannels.id, id)).run();

export function enqueue(db: Db, channelId: number, event: string, message: Record<string, unknown>): number {
  return db.insert(notificationOutbox).values({ channelId, event, message, nextAttemptAt: new Date().toISOString() }).returning({ id: notificationOutbox.id }).get().id;
}

export function dueOutbox(db: Db, now: string, exclude: number[]): OutboxRow[] {
  const rows = db.select().from(notificationOutbox).where(lte(notificationOutbox.nextAttemptAt, now)).orderBy(asc(notificationOutbox.id)).limit(100).all();
  return rows.filter((r) => !exclude.includes(r.id));
}

export const countOutbox = (db: Db) => db.select({ n: sql<number>`count(*)` }).from(notificationOutbox).get()!.n;
export const nextDue = (db: Db) =>
  db
    .select({ at: sql<string | null>`min(${notificationOutbox.nextAttemptAt})` })
    .from(notificationOutbox)
    .get()?.at ?? null;

/** Records one attempt; `retryAt` null removes the message (sent, or given up), else schedules the next try. */
export function recordAttempt(db: Db, row: OutboxRow, status: "sent" | "failed", error: string | null, retryAt: string | null) {
  db.transaction((tx) => {
    tx.insert(notificationDeliveries).values({ channelId: row.channelId, event: row.event, status, error, at: new Date().toISOString() }).run();
    if (retryAt === null) tx.delete(notificationOutbox).where(eq(notificationOutbox.id, row.id)).run();
    else
      tx.update(notificationOutbox)
        .set({ attempts: row.attempts + 1, nextAttemptAt: retryAt })
        .where(eq(notificationOutbox.id, row.id))
        .run();
  });
}

export function recordDelivery(db: Db, channelId: number, event: string, status: "sent" | "failed", error: string | null) {
  db.insert(notificationDeliveries).values({ channelId, event, status, error, at: new Date().toISOString() }).run();
}

export function deliveries(db: Db, channelId: number, limit = 50) {
  return db
    .select({ at: notificationDeliveries.at, event: notificationDeliveries.event, status: notificationDeliveries.status, error: notificationDeliveries.error })
    .from(notificationDeliveries)
    .where(eq(notificationDeliveries.channelId, channelId))
    .orderBy(desc(notificationDeliveries.id))
    .limit(limit)
    .all();
}

export const jobName = (db: Db, id: number) => db.select({ name: jobs.name }).from(jobs).where(eq(jobs.id, id)).get()?.name ?? null;
export const runRow = (db: Db, id: number) => db.select().from(runs).where(eq(runs.id, id)).get();

/** The last warning/error lines of a run, oldest first. */
export function lastProblemLines(db: Db, runId: number, n: number): string[] {
  return db
    .select({ m: runLogs.message })
    .from(runLogs)
    .where(and(eq(runLogs.runId, runId), inArray(runLogs.level, ["warning", "error"])))
    .orderBy(desc(runLogs.id))
    .limit(n)
    .all()
    .map((r) => r.m)
    .reverse();
}

/** Enabled jobs with alert_after_hours set, with their last successful run (id, completed_at). */
export function alertingJobs(db: Db) {
  const last = db
    .select({ jobId: runs.jobId, id: max(runs.id).as("last_id") })
    .from(runs)
    // A backup's success: a restore or verify that succeeded does not mean the data is backed up.
    .where(and(eq(runs.status, "completed"), eq(runs.kind, "backup")))
    .groupBy(runs.jobId)
    .as("last");
  return db
    .select({ id: jobs.id, name: jobs.name, hours: jobs.alertAfterHours, createdAt: jobs.createdAt, lastId: last.id, lastAt: runs.completedAt, alerted: notificationAlerts.lastSuccessRunId })
    .from(jobs)
    .leftJoin(last, eq(last.jobId, jobs.id))
    .leftJoin(runs, eq(runs.id, last.id))
    .leftJoin(notificationAlerts, eq(notificationAlerts.jobId, jobs.id))
    .where(and(isNotNull(jobs.alertAfterHours), eq(jobs.enabled, true)))
    .all();
}

export function markAlerted(db: Db, jobId: number, lastSuccessRunId: number) {
  db.insert(notificationAlerts)
    .values({ jobId, lastSuccessRunId, alertedAt: new Date().toISOString() })
    .onConflictDoUpdate({ target: notificationAlerts.jobId, set: { lastSuccessRunId, alertedAt: new Date().toISOString() } })
    .run();
}
