// All SQL of runs and their logs. Deleting a run deletes its logs (ON DELETE CASCADE).
import { and, count, desc, eq, inArray, lte, notInArray, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { jobs, runChildren, runLogs, runs } from "../db/schema.ts";
import type { LogLevel } from "../destinations/contract.ts";
import type { ChildRecord } from "../system/children.ts";

import type { LogView, RunKind, RunStatus, RunView } from "./model.ts";

export type { LogView, RunKind, RunStatus, RunView };

const runColumns = {
  id: runs.id,
  job_id: runs.jobId,
  job_name: jobs.name,
  status: runs.status,
  kind: runs.kind,
  trigger: runs.trigger,
  schedule_id: runs.scheduleId,
  started_at: runs.startedAt,
  completed_at: runs.completedAt,
  files_transferred: runs.filesTransferred,
  bytes_transferred: runs.bytesTransferred,
  files_deleted: runs.filesDeleted,
  versions_pruned: runs.versionsPruned,
  files_checked: runs.filesChecked,
  differences: runs.differences,
  error_message: runs.errorMessage,
};

export function getRun(db: Db, id: number): RunView | undefined {
  return db.select(runColumns).from(runs).innerJoin(jobs, eq(jobs.id, runs.jobId)).where(eq(runs.id, id)).get();
}

export function listJobRuns(db: Db, jobId: number, limit: number, offset: number): { rows: RunView[]; total: number } {
  const rows = db.select(runColumns).from(runs).innerJoin(jobs, eq(jobs.id, runs.jobId)).where(eq(runs.jobId, jobId)).orderBy(desc(runs.id)).limit(limit).offset(offset).all();
  const total = db.select({ n: count() }).from(runs).where(eq(runs.jobId, jobId)).get()!.n;
  return { rows, total };
}

/** A run's number within its job (1 for the job's oldest kept run): what the pages show; URLs keep the global id. */
export function jobRunNumber(db: Db, jobId: number, runId: number): number {
  return db
    .select({ n: count() })
    .from(runs)
    .where(and(eq(runs.jobId, jobId), lte(runs.id, runId)))
    .get()!.n;
}

export interface LastRunView {
  id: number;
  kind: RunKind;
  status: RunStatus;
  started_at: string | null;
  completed_at: string | null;
  files_transferred: number;
  bytes_transferred: number;
  files_deleted: number;
  error_message: string | null;
}

/** The newest run of each job, for job lists. */
export function lastRuns(db: Db, jobIds: number[]): Map<number, LastRunView> {
  const out = new Map<number, LastRunView>();
  if (jobIds.length === 0) return out;
  const newest = db
    .select({ id: sql<number>`max(${runs.id})` })
    .from(runs)
    .where(inArray(runs.jobId, jobIds))
    .groupBy(runs.jobId);
  const rows = db
    .select({
      id: runs.id,
      jobId: runs.jobId,
      kind: runs.kind,
      status: runs.status,
      started_at: runs.startedAt,
      completed_at: runs.completedAt,
      files_transferred: runs.filesTransferred,
      bytes_transferred: runs.bytesTransferred,
      files_deleted: runs.filesDeleted,
      error_message: runs.errorMessage,
    })
    .from(runs)
    .where(inArray(runs.id, newest))
    .all();
  for (const { jobId, ...r } of rows) out.set(jobId, r);
  return out;
}

export interface FailureStreak {
  /** When the oldest failed run of the streak started (or ended, or was queued, if it never started). */
  since: string;
  count: number;
}

/**
 * Each job's current streak of failed runs, in one query for all the given jobs: the failed runs
 * after its newest completed one (all of them if it never completed). Cancelled, pending and
 * running runs neither break nor start a streak. Jobs without a streak are absent from the map.
 */
export function failureStreaks(db: Db, jobIds: number[]): Map<number, FailureStreak> {
  const out = new Map<number, FailureStreak>();
  if (jobIds.length === 0) return out;
  const rows = db.$client
    .query<{ job_id: number; n: number; since: string }, [string]>(
      `WITH streak AS (
         SELECT f.job_id, count(*) AS n, min(f.id) AS first_id
           FROM runs f
          WHERE f.job_id IN (SELECT value FROM json_each(?))
            AND f.status = 'failed' AND f.kind = 'backup'
            AND f.id > coalesce((SELECT max(c.id) FROM runs c WHERE c.job_id = f.job_id AND c.status = 'completed' AND c.kind = 'backup'), 0)
          GROUP BY f.job_id)
       SELECT streak.job_id, streak.n, coalesce(r.started_at, r.completed_at, r.created_at) AS since
         FROM streak JOIN runs r ON r.id = streak.first_id`,
    )
    .all(JSON.stringify(jobIds));
  for (const r of rows) out.set(r.job_id, { since: r.since, count: r.n });
  return out;
}

export function insertRun(db: Db, jobId: number, r: { kind: RunKind; trigger: "manual" | "scheduled"; scheduleId: number | null }): number {
  return db.insert(runs).values({ jobId, status: "pending", kind: r.kind, trigger: r.trigger, scheduleId: r.scheduleId }).returning({ id: runs.id }).get().id;
}

export function markRunning(db: Db, id: number, startedAt: string) {
  db.update(runs).set({ status: "running", startedAt }).where(eq(runs.id, id)).run();
}

export function finishRun(
  db: Db,
  id: number,
  r: {
    status: "completed" | "failed" | "cancelled";
    completedAt: string;
    filesTransferred: number;
    bytesTransferred: number;
    filesDeleted: number;
    versionsPruned?: number;
    filesChecked?: number;
    differences?: number;
    errorMessage: string | null;
  },
) {
  db.update(runs)
    .set({
      status: r.status,
      completedAt: r.completedAt,
      filesTransferred: r.filesTransferred,
      bytesTransferred: r.bytesTransferred,
      filesDeleted: r.filesDeleted,
      versionsPruned: r.versionsPruned ?? 0,
      filesChecked: r.filesChecked ?? 0,
      differences: r.differences ?? 0,
      errorMessage: r.errorMessage,
    })
    .where(eq(runs.id, id))
    .run();
}

/** Runs left pending or running by a process that is gone become failed. */
export function failInterrupted(db: Db, message: string, now: string): number {
  return db
    .update(runs)
    .set({ status: "failed", errorMessage: message, completedAt: now })
    .where(inArray(runs.status, ["pending", "running"]))
    .returning({ id: runs.id })
    .all().length;
}

/** A run's child process, recorded while it lives (see system/children.ts); returns the row id. */
export function insertChild(db: Db, runId: number, c: ChildRecord): number {
  return db.insert(runChildren).values({ runId, pid: c.pid, startTime: c.startTime, bootId: c.bootId, command: c.command }).returning({ id: runChildren.id }).get().id;
}

export function deleteChild(db: Db, id: number) {
  db.delete(runChildren).where(eq(runChildren.id, id)).run();
}

/** Every recorded child: at start-up, what the previous process left behind. */
export function listChildren(db: Db): (ChildRecord & { runId: number })[] {
  return db.select({ runId: runChildren.runId, pid: runChildren.pid, startTime: runChildren.startTime, bootId: runChildren.bootId, command: runChildren.command }).from(runChildren).all();
}

export function clearChildren(db: Db) {
  db.delete(runChildren).run();
}

/** Deletes the given runs (with their logs), never the ones in `keep`; returns how many went. */
export function deleteRuns(db: Db, where: { jobId?: number; runId?: number }, keep: number[]): number {
  const conds = [];
  if (where.jobId !== undefined) conds.push(eq(runs.jobId, where.jobId));
  if (where.runId !== undefined) conds.push(eq(runs.id, where.runId));
  if (keep.length) conds.push(notInArray(runs.id, keep));
  return db
    .delete(runs)
    .where(conds.length ? and(...conds) : undefined)
    .returning({ id: runs.id })
    .all().length;
}

/** Keeps the newest `max` runs of a job (and any in `keep`); deletes older ones with their logs. */
export function pruneJobRuns(db: Db, jobId: number, max: number, keep: number[]): number {
  const all = db.select({ id: runs.id }).from(runs).where(eq(runs.jobId, jobId)).orderBy(desc(runs.id)).all();
  const old = all
    .slice(max)
    .map((r) => r.id)
    .filter((id) => !keep.includes(id));
  if (old.length === 0) return 0;
  return db.delete(runs).where(inArray(runs.id, old)).returning({ id: runs.id }).all().length;
}

export function listLogs(db: Db, runId: number, opts: { limit: number; offset: number; level?: LogLevel }): { rows: LogView[]; total: number } {
  const where = opts.level ? and(eq(runLogs.runId, runId), eq(runLogs.level, opts.level)) : eq(runLogs.runId, runId);
  const rows = db
    .select({ id: runLogs.id, run_id: runLogs.runId, timestamp: runLogs.timestamp, level: runLogs.level, message: runLogs.message })
    .from(runLogs)
    .where(where)
    .orderBy(runLogs.id)
    .limit(opts.limit)
    .offset(opts.offset)
    .all();
  const total = db.select({ n: count() }).from(runLogs).where(where).get()!.n;
  return { rows, total };
}
