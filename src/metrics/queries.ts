// All SQL of /metrics: one pass over jobs with each job's latest finished run.
import type { Db } from "../db/client.ts";

export interface JobRunState {
  id: number;
  name: string;
  lastStatus: "completed" | "failed" | "cancelled" | null;
  lastCompletedAt: string | null;
  active: boolean;
}

export function jobRunStates(db: Db): JobRunState[] {
  const rows = db.$client
    .query<{ id: number; name: string; status: JobRunState["lastStatus"]; completed_at: string | null; active: number }, []>(
      `SELECT j.id, j.name, r.status, r.completed_at,
              EXISTS (SELECT 1 FROM runs a WHERE a.job_id = j.id AND a.status IN ('pending', 'running')) AS active
         FROM jobs j
         LEFT JOIN runs r ON r.id = (
           SELECT id FROM runs WHERE job_id = j.id AND status IN ('completed', 'failed', 'cancelled') ORDER BY id DESC LIMIT 1)
        ORDER BY j.id`,
    )
    .all();
  return rows.map((r) => ({ id: r.id, name: r.name, lastStatus: r.status, lastCompletedAt: r.completed_at, active: r.active === 1 }));
}

export interface JobTimes {
  id: number;
  name: string;
  createdAt: string;
  enabled: boolean;
  destinationType: string;
  destinationConfig: Record<string, unknown>;
  /** The latest finished run (the row dynamight_job_last_run_status describes). */
  lastRunId: number | null;
  lastStartedAt: string | null;
  lastCompletedAt: string | null;
  lastBytes: number | null;
  lastFiles: number | null;
  /** The latest completed backup run's end. */
  lastSuccessAt: string | null;
  /** The start of the backup run running now. */
  runningSince: string | null;
}

/** Per job: the latest finished run's figures, the latest success, and the backup running now. */
export function jobTimes(db: Db): JobTimes[] {
  type Row = {
    id: number;
    name: string;
    created_at: string;
    enabled: number;
    destination_type: string;
    destination_config: string;
    last_run_id: number | null;
    last_started_at: string | null;
    last_completed_at: string | null;
    last_bytes: number | null;
    last_files: number | null;
    last_success_at: string | null;
    running_since: string | null;
  };
  const rows = db.$client
    .query<Row, []>(
      `SELECT j.id, j.name, j.created_at, j.enabled, j.destination_type, j.destination_config,
              r.id AS last_run_id, r.started_at AS last_started_at, r.completed_at AS last_completed_at,
              r.bytes_transferred AS last_bytes, r.files_transferred AS last_files,
              (SELECT completed_at FROM runs WHERE job_id = j.id AND status = 'completed' AND kind = 'backup'
                ORDER BY id DESC LIMIT 1) AS last_success_at,
              (SELECT started_at FROM runs WHERE job_id = j.id AND status = 'running' AND kind = 'backup'
                ORDER BY id DESC LIMIT 1) AS running_since
         FROM jobs j
         LEFT JOIN runs r ON r.id = (
           SELECT id FROM runs WHERE job_id = j.id AND status IN ('completed', 'failed', 'cancelled') ORDER BY id DESC LIMIT 1)
        ORDER BY j.id`,
    )
    .all();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    createdAt: r.created_at,
    enabled: r.enabled === 1,
    destinationType: r.destination_type,
    destinationConfig: parseObject(r.destination_config),
    lastRunId: r.last_run_id,
    lastStartedAt: r.last_started_at,
    lastCompletedAt: r.last_completed_at,
    lastBytes: r.last_bytes,
    lastFiles: r.last_files,
    lastSuccessAt: r.last_success_at,
    runningSince: r.running_since,
  }));
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/** Per job: durations in seconds of its latest `limit` completed backup runs, newest first. */
export function recentBackupDurations(db: Db, limit = 10): Map<number, number[]> {
  const rows = db.$client
    .query<{ job_id: number; seconds: number }, [number]>(
      `SELECT job_id, seconds FROM (
         SELECT job_id, (julianday(completed_at) - julianday(started_at)) * 86400.0 AS seconds,
                ROW_NUMBER() OVER (PARTITION BY job_id ORDER BY id DESC) AS n
           FROM runs
          WHERE status = 'completed' AND kind = 'backup' AND started_at IS NOT NULL AND completed_at IS NOT NULL)
        WHERE n <= ?1 ORDER BY job_id, n`,
    )
    .all(limit);
  const out = new Map<number, number[]>();
  for (const r of rows) {
    const list = out.get(r.job_id) ?? [];
    list.push(Math.max(0, r.seconds));
    out.set(r.job_id, list);
  }
  return out;
}

export interface BackupScheduleRow {
  jobId: number;
  scheduleType: "daily" | "weekly" | "monthly" | "custom";
  hour: number | null;
  minute: number | null;
  dayOfWeek: number | null;
  dayOfMonth: number | null;
  cronExpression: string | null;
  timezone: string | null;
}

/** Enabled backup schedules of enabled jobs: what sets how often a job should succeed. */
export function backupSchedules(db: Db): BackupScheduleRow[] {
  return db.$client
    .query<BackupScheduleRow, []>(
      `SELECT s.job_id AS jobId, s.schedule_type AS scheduleType, s.hour, s.minute, s.day_of_week AS dayOfWeek,
              s.day_of_month AS dayOfMonth, s.cron_expression AS cronExpression, s.timezone
         FROM schedules s JOIN jobs j ON j.id = s.job_id
        WHERE s.enabled = 1 AND j.enabled = 1 AND s.action = 'backup'
        ORDER BY s.job_id, s.id`,
    )
    .all();
}

export function credentialStates(db: Db): { id: number; name: string; providerType: string; needsReconnect: boolean }[] {
  return db.$client
    .query<{ id: number; name: string; provider_type: string; needs_reconnect: number }, []>("SELECT id, name, provider_type, needs_reconnect FROM credentials ORDER BY id")
    .all()
    .map((r) => ({ id: r.id, name: r.name, providerType: r.provider_type, needsReconnect: r.needs_reconnect === 1 }));
}
