// Run counters since process start, fed by the run events bus. Counters (not database sums)
// because retention prunes old runs: a sum over stored rows would go down, which Prometheus
// reads as a reset and turns into a bogus spike in rate()/increase().
import type { RunEvents } from "../runs/events.ts";

export const FINISHED_STATUSES = ["completed", "failed", "cancelled"] as const;
export type FinishedStatus = (typeof FINISHED_STATUSES)[number];

export class RunCounters {
  readonly byStatus: Record<FinishedStatus, number> = { completed: 0, failed: 0, cancelled: 0 };
  readonly perJob = new Map<number, { bytes: number; files: number }>();
  private unsubscribe: (() => void) | null = null;

  constructor(events?: RunEvents) {
    this.unsubscribe =
      events?.subscribe((e) => {
        if (e.type !== "job_completed") return;
        this.byStatus[e.status]++;
        const j = this.perJob.get(e.job_id) ?? { bytes: 0, files: 0 };
        j.bytes += e.bytes_transferred;
        j.files += e.files_transferred;
        this.perJob.set(e.job_id, j);
      }) ?? null;
  }

  close() {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
