// Run counters since process start, fed by the run events bus. Counters (not database sums)
// because retention prunes old runs: a sum over stored rows would go down, which Prometheus
// reads as a reset and turns into a bogus spike in rate()/increase().
import { RUN_KINDS, type RunKind } from "../runs/engine-types.ts";
import type { RunEvents } from "../runs/events.ts";

export const FINISHED_STATUSES = ["completed", "failed", "cancelled"] as const;
export type FinishedStatus = (typeof FINISHED_STATUSES)[number];

export class RunCounters {
  /** Finished runs by kind, then final status (every pair present, so the series exist from the start). */
  readonly byKind = Object.fromEntries(RUN_KINDS.map((k) => [k, { completed: 0, failed: 0, cancelled: 0 }])) as Record<RunKind, Record<FinishedStatus, number>>;
  /** Per job, then per kind: what its finished runs moved (a restore's bytes are not a backup's). */
  readonly perJob = new Map<number, Partial<Record<RunKind, { bytes: number; files: number }>>>();
  private unsubscribe: (() => void) | null = null;

  constructor(events?: RunEvents) {
    this.unsubscribe =
      events?.subscribe((e) => {
        if (e.type !== "job_completed") return;
        this.byKind[e.kind][e.status]++;
        const job = this.perJob.get(e.job_id) ?? {};
        const j = (job[e.kind] ??= { bytes: 0, files: 0 });
        j.bytes += e.bytes_transferred;
        j.files += e.files_transferred;
        this.perJob.set(e.job_id, job);
      }) ?? null;
  }

  close() {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
