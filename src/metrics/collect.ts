// Gathers every metric family from the database and the in-process counters.
import type { Db } from "../db/client.ts";
import { RUN_KINDS } from "../runs/engine-types.ts";
import type { SchedulerStats } from "../schedules/scheduler.ts";
import { VERSION } from "../version.ts";
import type { Family } from "./format.ts";
import type { HttpRequestCounter } from "./http.ts";
import { jobRunStates } from "./queries.ts";
import { FINISHED_STATUSES, type RunCounters } from "./runs.ts";

export interface MetricsSources {
  db: Db;
  runs: RunCounters;
  http: HttpRequestCounter;
  scheduler?: { stats: SchedulerStats } | null;
}

export function collect({ db, runs, http, scheduler }: MetricsSources): Family[] {
  const jobs = jobRunStates(db);
  const jobLabels = (j: { id: number; name: string }) => ({ job_id: j.id, job_name: j.name });
  const stats = scheduler?.stats;
  return [
    { name: "dynamight_up", help: "1 while the server answers.", type: "gauge", samples: [{ value: 1 }] },
    { name: "dynamight_build_info", help: "The running version (value is always 1).", type: "gauge", samples: [{ labels: { version: VERSION }, value: 1 }] },
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
      name: "dynamight_job_bytes_transferred_total",
      help: "Bytes transferred by the job's runs finished since the server started, by kind (a restore's bytes come back from the destination).",
      type: "counter",
      samples: jobs.flatMap((j) => RUN_KINDS.map((kind) => ({ labels: { ...jobLabels(j), kind }, value: runs.perJob.get(j.id)?.[kind]?.bytes ?? 0 }))),
    },
    {
      name: "dynamight_job_files_transferred_total",
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
  ];
}
