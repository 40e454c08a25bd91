// Gathers every metric family from the database and the in-process counters.
import type { Db } from "../db/client.ts";
import { RUN_KINDS } from "../runs/engine-types.ts";
import type { SchedulerStats } from "../schedules/scheduler.ts";
import { VERSION } from "../version.ts";
import type { Family } from "./format.ts";
import type { HttpRequestCounter } from "./http.ts";
import type { IntervalCache } from "./intervals.ts";
import { jobFamilies } from "./jobs.ts";
import { processFamilies } from "./process.ts";
import { backupSchedules, credentialStates, jobRunStates, jobTimes, recentBackupDurations } from "./queries.ts";
import { FINISHED_STATUSES, type RunCounters } from "./runs.ts";
import { targetSpaces } from "./targets.ts";

export interface MetricsSources {
  db: Db;
  runs: RunCounters;
  http: HttpRequestCounter;
  scheduler?: SchedulerView | null;
  intervals: IntervalCache;
  /** The public_url setting ("" when unset), for links in alerts. */
  publicUrl: string;
  now?: Date;
}

export interface SchedulerView {
  stats: SchedulerStats;
  armedSchedules?(): { next_run: string | null }[];
}

/** How far past its due time the most overdue armed schedule is (0 when none is). */
function overdueSeconds(scheduler: SchedulerView, now: Date): number {
  let worst = 0;
  for (const a of scheduler.armedSchedules?.() ?? []) {
    if (a.next_run) worst = Math.max(worst, (now.getTime() - Date.parse(a.next_run)) / 1000);
  }
  return Math.round(worst * 1000) / 1000;
}

export async function collect({ db, runs, http, scheduler, intervals, publicUrl, now = new Date() }: MetricsSources): Promise<Family[]> {
  const jobs = jobRunStates(db);
  const times = jobTimes(db);
  const targets = await targetSpaces(times);
  const jobLabels = (j: { id: number; name: string }) => ({ job_id: j.id, job_name: j.name });
  const stats = scheduler?.stats;
  return [
    { name: "dynamight_up", help: "1 while the server answers.", type: "gauge", samples: [{ value: 1 }] },
    { name: "dynamight_build_info", help: "The running version (value is always 1).", type: "gauge", samples: [{ labels: { version: VERSION }, value: 1 }] },
    {
      name: "dynamight_appliance_info",
      help: "Where users reach this appliance (the public_url setting, empty when unset), for links in alerts; value is always 1.",
      type: "gauge",
      samples: [{ labels: { public_url: publicUrl, version: VERSION }, value: 1 }],
    },
    {
      name: "dynamight_runs_total",
      help: "Runs finished since the server started, by kind (backup, restore, verify) and final status.",
      type: "counter",
      samples: RUN_KINDS.flatMap((kind) => FINISHED_STATUSES.map((status) => ({ labels: { kind, status }, value: runs.byKind[kind][status] }))),
    },
    {
      name: "dynamight_job_last_run_timestamp_seconds",
      help: "When the job's latest finished run ended (Unix time).",
      type: "gauge",
      samples: jobs.filter((j) => j.lastCompletedAt).map((j) => ({ labels: jobLabels(j), value: Math.floor(Date.parse(j.lastCompletedAt!) / 1000) })),
    },
    {
      name: "dynamight_job_last_run_status",
      help: "Final status of the job's latest finished run: 1 for that status, 0 for the others.",
      type: "gauge",
      samples: jobs.filter((j) => j.lastStatus).flatMap((j) => FINISHED_STATUSES.map((status) => ({ labels: { ...jobLabels(j), status }, value: j.lastStatus === status ? 1 : 0 }))),
    },
    {
      name: "dynamight_job_running",
      help: "1 while the job has a pending or running run.",
      type: "gauge",
      samples: jobs.map((j) => ({ labels: jobLabels(j), value: j.active ? 1 : 0 })),
    },
    {
      name: "dynamight_job_transferred_bytes_total",
      help: "Bytes transferred by the job's runs finished since the server started, by kind (a restore's bytes come back from the destination).",
      type: "counter",
      samples: jobs.flatMap((j) => RUN_KINDS.map((kind) => ({ labels: { ...jobLabels(j), kind }, value: runs.perJob.get(j.id)?.[kind]?.bytes ?? 0 }))),
    },
    {
      name: "dynamight_job_transferred_files_total",
      help: "Files transferred by the job's runs finished since the server started, by kind.",
      type: "counter",
      samples: jobs.flatMap((j) => RUN_KINDS.map((kind) => ({ labels: { ...jobLabels(j), kind }, value: runs.perJob.get(j.id)?.[kind]?.files ?? 0 }))),
    },
    {
      name: "dynamight_scheduler_lag_seconds",
      help: "How late the scheduler's latest fire was, relative to its due time.",
      type: "gauge",
      samples: stats ? [{ value: stats.lastLagSeconds }] : [],
    },
    {
      name: "dynamight_scheduler_max_lag_seconds",
      help: "The largest scheduler lag seen since the server started.",
      type: "gauge",
      samples: stats ? [{ value: stats.maxLagSeconds }] : [],
    },
    {
      name: "dynamight_scheduler_overdue_seconds",
      help: "How far past its due time the most overdue armed schedule is right now (0 when the scheduler keeps up).",
      type: "gauge",
      samples: scheduler ? [{ value: overdueSeconds(scheduler, now) }] : [],
    },
    {
      name: "dynamight_scheduler_fires_total",
      help: "Schedule fires since the server started: started a run, skipped (job already running) or failed to start.",
      type: "counter",
      samples: stats ? (["started", "skipped", "failed"] as const).map((result) => ({ labels: { result }, value: stats.fires[result] })) : [],
    },
    {
      name: "dynamight_http_requests_total",
      help: "HTTP requests answered since the server started, by method and status.",
      type: "counter",
      samples: http.entries().map((e) => ({ labels: { method: e.method, status: e.status }, value: e.count })),
    },
    {
      name: "dynamight_credential_needs_reconnect",
      help: "1 when the provider refused the credential's refresh token and it must be reconnected, else 0.",
      type: "gauge",
      samples: credentialStates(db).map((c) => ({ labels: { credential_id: c.id, credential_name: c.name, provider_type: c.providerType }, value: c.needsReconnect ? 1 : 0 })),
    },
    ...jobFamilies({ jobs: times, durations: recentBackupDurations(db), schedules: backupSchedules(db), intervals, targets, now }),
    ...processFamilies(now.getTime()),
  ];
}
