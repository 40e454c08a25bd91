// Per-job families for fleet alerting: when a job should have succeeded, how long its runs take,
// and what its latest run moved. Values only: run ids are values here, never labels (a label per
// run would grow the series count without bound).
import type { Family } from "./format.ts";
import type { IntervalCache } from "./intervals.ts";
import type { BackupScheduleRow, JobTimes } from "./queries.ts";
import type { TargetSpace } from "./targets.ts";

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** The median: the usual duration, not dragged up by one run after a big import. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

export interface JobFamilyInput {
  jobs: JobTimes[];
  durations: Map<number, number[]>;
  schedules: BackupScheduleRow[];
  intervals: IntervalCache;
  targets: TargetSpace[];
  now: Date;
}

export function jobFamilies({ jobs, durations, schedules, intervals, targets, now }: JobFamilyInput): Family[] {
  const labels = (j: { id: number; name: string }) => ({ job_id: j.id, job_name: j.name });
  const byJob = new Map<number, BackupScheduleRow[]>();
  for (const s of schedules) byJob.set(s.jobId, [...(byJob.get(s.jobId) ?? []), s]);
  const expected = jobs.flatMap((j) => {
    const defs = (byJob.get(j.id) ?? []).map((s) => ({
      schedule_type: s.scheduleType,
      hour: s.hour,
      minute: s.minute,
      day_of_week: s.dayOfWeek,
      day_of_month: s.dayOfMonth,
      cron_expression: s.cronExpression,
      timezone: s.timezone,
    }));
    const v = defs.length ? intervals.expected(defs, now) : null;
    return v === null ? [] : [{ labels: labels(j), value: v }];
  });
  const finished = jobs.filter((j) => j.lastRunId !== null);
  const targetLabels = (t: TargetSpace) => ({ job_id: t.jobId, job_name: t.jobName });
  return [
    {
      name: "dynamight_job_expected_interval_seconds",
      help: "How often the job's enabled backup schedules fire: daily 86400, weekly 604800, monthly 2678400 (31 days), custom cron the largest gap over the coming week; the smallest over the job's schedules. Absent without schedules.",
      type: "gauge",
      samples: expected,
    },
    {
      name: "dynamight_job_created_timestamp_seconds",
      help: "When the job was created (Unix time): the base of the no-success alert for a job that never succeeded.",
      type: "gauge",
      samples: jobs.map((j) => ({ labels: labels(j), value: Math.floor(seconds(j.createdAt)) })),
    },
    {
      name: "dynamight_job_last_success_timestamp_seconds",
      help: "When the job's latest completed backup run ended (Unix time). Absent before the first success.",
      type: "gauge",
      samples: jobs.filter((j) => j.lastSuccessAt).map((j) => ({ labels: labels(j), value: Math.floor(seconds(j.lastSuccessAt!)) })),
    },
    {
      name: "dynamight_job_last_run_id",
      help: "Id of the job's latest finished run (the one dynamight_job_last_run_status describes), for links to /runs/<id>.",
      type: "gauge",
      samples: finished.map((j) => ({ labels: labels(j), value: j.lastRunId! })),
    },
    {
      name: "dynamight_job_last_run_duration_seconds",
      help: "How long the job's latest finished run took.",
      type: "gauge",
      samples: finished.filter((j) => j.lastStartedAt && j.lastCompletedAt).map((j) => ({ labels: labels(j), value: round3(Math.max(0, seconds(j.lastCompletedAt!) - seconds(j.lastStartedAt!))) })),
    },
    {
      name: "dynamight_job_last_run_transferred_bytes",
      help: "Bytes the job's latest finished run transferred.",
      type: "gauge",
      samples: finished.map((j) => ({ labels: labels(j), value: j.lastBytes ?? 0 })),
    },
    {
      name: "dynamight_job_last_run_transferred_files",
      help: "Files the job's latest finished run transferred.",
      type: "gauge",
      samples: finished.map((j) => ({ labels: labels(j), value: j.lastFiles ?? 0 })),
    },
    {
      name: "dynamight_job_usual_duration_seconds",
      help: "Median duration of the job's latest 10 completed backup runs. Absent before the first.",
      type: "gauge",
      samples: jobs.flatMap((j) => {
        const m = median(durations.get(j.id) ?? []);
        return m === null ? [] : [{ labels: labels(j), value: round3(m) }];
      }),
    },
    {
      name: "dynamight_job_running_seconds",
      help: "How long the job's backup run in progress has been running. Absent while none runs.",
      type: "gauge",
      samples: jobs.filter((j) => j.runningSince).map((j) => ({ labels: labels(j), value: round3(Math.max(0, now.getTime() / 1000 - seconds(j.runningSince!))) })),
    },
    {
      name: "dynamight_target_free_bytes",
      help: "Free bytes (for unprivileged users) on the filesystem of the job's local or USB destination, read at scrape time; absent while a USB drive is not mounted.",
      type: "gauge",
      samples: targets.map((t) => ({ labels: targetLabels(t), value: t.freeBytes })),
    },
    {
      name: "dynamight_target_size_bytes",
      help: "Size in bytes of the filesystem of the job's local or USB destination.",
      type: "gauge",
      samples: targets.map((t) => ({ labels: targetLabels(t), value: t.sizeBytes })),
    },
    {
      name: "dynamight_target_min_free_bytes",
      help: "The job's own free-space threshold (min_free_space_mb) in bytes. Absent when the job sets none.",
      type: "gauge",
      samples: targets.filter((t) => t.minFreeBytes !== null).map((t) => ({ labels: targetLabels(t), value: t.minFreeBytes! })),
    },
  ];
}
