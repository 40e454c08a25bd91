// One client's view of a run's log: the stored lines first, then live ones, with no gap and no
// duplicate. Lines are joined on their row id: the bus is subscribed before the first read, so
// a line is either already stored when we read or announced after; `id > lastId` drops the
// overlap. A client that lags is not fed from the bus: it goes back to reading stored lines
// (at its own pace) until it has caught up, so it still misses nothing.
import type { Db } from "../db/client.ts";
import type { RunEvent, RunEvents } from "../runs/events.ts";
import { CLOSE_LAGGING, HIGH_WATER, LOW_WATER, type Outbox } from "./outbox.ts";
import { FINISHED, linesAfter, runState, type StoredLine } from "./queries.ts";

export const PAGE_LINES = 500;
/** How long a client may sit on a full buffer without reading anything before it is dropped. */
export const STALL_LIMIT_MS = 60_000;
const WAIT_MS = 25;

export class LogStream {
  private lastId = 0;
  private mode: "replay" | "live" = "replay";
  private completed = false;
  private done = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly db: Db,
    private readonly events: RunEvents,
    readonly runId: number,
    private readonly out: Outbox,
    private readonly stallLimitMs = STALL_LIMIT_MS,
  ) {}

  /** Subscribes, then replays the stored lines; resolves when caught up (or finished). */
  start(): Promise<void> {
    this.unsubscribe = this.events.subscribe((e) => this.onEvent(e));
    return this.replay();
  }

  /** The client went away (or we closed it). */
  stop() {
    this.done = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private onEvent(e: RunEvent) {
    if (this.done || e.run_id !== this.runId) return;
    if (e.type === "job_completed") {
      this.completed = true;
      if (this.mode === "live") this.finish();
      return;
    }
    if (e.type !== "log" || this.mode !== "live" || e.id <= this.lastId) return;
    if (this.out.buffered > HIGH_WATER) {
      // Too far behind to keep feeding from the bus: fall back to reading the stored lines.
      this.mode = "replay";
      void this.replay();
      return;
    }
    this.sendLine(e);
  }

  private sendLine(line: StoredLine) {
    if (this.out.sendRequired({ type: "log", run_id: this.runId, id: line.id, timestamp: line.timestamp, level: line.level, message: line.message })) {
      this.lastId = line.id;
    } else {
      this.stop();
    }
  }

  private async replay() {
    let stalledSince: number | null = null;
    while (!this.done && this.out.open) {
      if (this.out.buffered > LOW_WATER) {
        stalledSince ??= Date.now();
        if (Date.now() - stalledSince >= this.stallLimitMs) {
          this.out.socket.close(CLOSE_LAGGING, "client too slow");
          this.stop();
          return;
        }
        await Bun.sleep(WAIT_MS);
        continue;
      }
      stalledSince = null;
      // From this read to the mode switch below nothing awaits, so no bus event slips between.
      const lines = linesAfter(this.db, this.runId, this.lastId, PAGE_LINES);
      for (const line of lines) {
        this.sendLine(line);
        if (this.done) return;
      }
      if (lines.length === PAGE_LINES) {
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      const state = runState(this.db, this.runId);
      if (this.completed || !state || FINISHED.has(state.status)) {
        this.finish();
        return;
      }
      this.mode = "live";
      return;
    }
    this.stop();
  }

  /** Sends whatever is stored and not yet sent, then the final status, then closes. */
  private finish() {
    if (this.done) return;
    for (;;) {
      const lines = linesAfter(this.db, this.runId, this.lastId, PAGE_LINES);
      for (const line of lines) this.sendLine(line);
      if (this.done || lines.length < PAGE_LINES) break;
    }
    const state = runState(this.db, this.runId);
    if (!this.done && state) {
      this.out.sendRequired({
        type: "status",
        run_id: this.runId,
        status: state.status,
        files_transferred: state.files_transferred,
        bytes_transferred: state.bytes_transferred,
        files_deleted: state.files_deleted,
        error_message: state.error_message,
      });
    }
    this.stop();
    if (this.out.open) this.out.socket.close(1000, state ? "run finished" : "run deleted");
  }
}
