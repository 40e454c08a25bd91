// One client of /api/ws/status: job_started, job_progress and job_completed as the bus emits
// them. Progress is droppable (the next one supersedes it); start and completion are not.
import type { RunEvents } from "../runs/events.ts";
import type { Outbox } from "./outbox.ts";

export class StatusStream {
  private unsubscribe: (() => void) | null;

  constructor(
    events: RunEvents,
    private readonly out: Outbox,
  ) {
    this.unsubscribe = events.subscribe((e) => {
      if (e.type === "log" || e.type === "alert") return;
      const ok =
        e.type === "job_progress"
          ? this.out.sendDroppable(e, () => ({ type: "lagging", message: "This client is behind: progress updates are being dropped until it catches up" }))
          : this.out.sendRequired(e);
      if (!ok && !this.out.open) this.stop();
    });
  }

  stop() {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}
