// A run's log, written in batches so a sync printing a line per file never waits on SQLite:
// lines are buffered and inserted in one transaction every FLUSH_MS or BATCH_LINES lines.
// Each stored line is then announced on the bus with its row id (live viewers join stored and
// live lines on that id). A run stores at most `cap` lines; the rest are counted and summed up
// in one closing "truncated" line, while the run's counters keep counting everything.
import type { Statement } from "bun:sqlite";
import type { Db } from "../db/client.ts";
import type { LogLevel } from "../destinations/contract.ts";
import type { RunEvents } from "./events.ts";

export const FLUSH_MS = 200;
export const BATCH_LINES = 500;
export const DEFAULT_LOG_CAP = 50_000;
/** Warnings and errors past the cap are still stored, up to this many more: they say why a run failed. */
const PROBLEM_RESERVE = 1_000;
const MAX_MESSAGE = 4_000;

interface Pending {
  timestamp: string;
  level: LogLevel;
  message: string;
}

export class RunLogWriter {
  private buffer: Pending[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stored = 0;
  private dropped = 0;
  private closed = false;
  private readonly insert: Statement;

  constructor(
    private readonly db: Db,
    private readonly events: RunEvents,
    readonly runId: number,
    private readonly cap = DEFAULT_LOG_CAP,
  ) {
    this.insert = db.$client.prepare("INSERT INTO run_logs (run_id, timestamp, level, message) VALUES (?, ?, ?, ?)");
  }

  /** `force`: the engine's own lines (start, result) are stored whatever the cap. */
  write(level: LogLevel, message: string, force = false) {
    if (this.closed) return;
    const kept = this.stored + this.buffer.length;
    const limit = level === "info" ? this.cap : this.cap + PROBLEM_RESERVE;
    if (!force && kept >= limit) {
      this.dropped++;
      return;
    }
    const text = message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE) + "…" : message;
    this.buffer.push({ timestamp: new Date().toISOString(), level, message: text });
    if (this.buffer.length >= BATCH_LINES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    const ids: number[] = [];
    const runId = this.runId;
    try {
      this.db.$client.transaction(() => {
        for (const l of batch) ids.push(Number(this.insert.run(runId, l.timestamp, l.level, l.message).lastInsertRowid));
      })();
    } catch {
      // The run row is gone (deleted with its job) or the disk is full: a log line is not worth
      // failing the sync for; the run's own status update reports a broken database.
      return;
    }
    this.stored += batch.length;
    for (let i = 0; i < batch.length; i++) {
      const l = batch[i]!;
      this.events.emit({ type: "log", run_id: runId, id: ids[i]!, timestamp: l.timestamp, level: l.level, message: l.message });
    }
  }

  /** Writes the "truncated" note for the lines dropped so far (the engine calls it before its result line). */
  noteTruncation() {
    if (this.dropped === 0) return;
    const n = this.dropped;
    this.dropped = 0;
    this.write("warning", `… log truncated, ${n} more line(s) not stored`, true);
  }

  /** Stores what is buffered plus the truncation note, and stops accepting lines. */
  close() {
    if (this.closed) return;
    this.noteTruncation();
    this.flush();
    this.closed = true;
  }
}
