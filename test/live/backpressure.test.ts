// A slow client cannot stall a run: bus listeners only ever do non-blocking sends; a log client
// that falls behind is fed from the stored lines at its own pace (still no gap); a status client
// that falls behind loses progress updates (with one notice) and is closed when hopeless.
import { describe, expect, test } from "bun:test";
import { runLogs, runs } from "../../src/db/schema.ts";
import { LogStream } from "../../src/live/log-stream.ts";
import { CLOSE_LAGGING, HARD_LIMIT, HIGH_WATER, Outbox, type Socket } from "../../src/live/outbox.ts";
import { StatusStream } from "../../src/live/status-stream.ts";
import { RunEvents } from "../../src/runs/events.ts";
import { testContext } from "../helpers/app.ts";
import { insertJob } from "../schedules/helpers.ts";

/** A socket whose send buffer the test controls, standing in for a client that stops reading. */
class SlowSocket implements Socket {
  sent: any[] = [];
  buffered = 0;
  readyState = 1;
  closedWith: { code?: number; reason?: string } | null = null;
  private waiters: (() => void)[] = [];
  send(data: string) {
    this.sent.push(JSON.parse(data));
    for (const w of this.waiters.splice(0)) w();
    return data.length;
  }
  getBufferedAmount() {
    return this.buffered;
  }
  close(code?: number, reason?: string) {
    this.closedWith = { code, reason };
    this.readyState = 3;
    for (const w of this.waiters.splice(0)) w();
  }
  /** Resolves once `pred` holds (checked after every send and on close). */
  async until(pred: () => boolean) {
    while (!pred()) await new Promise<void>((r) => this.waiters.push(r));
  }
}

function fixture() {
  const ctx = testContext();
  const events = new RunEvents();
  const job = insertJob(ctx.db);
  const run = ctx.db.insert(runs).values({ jobId: job.id, status: "running", trigger: "manual" }).returning().get();
  const line = (message: string) => {
    const row = ctx.db.insert(runLogs).values({ runId: run.id, timestamp: "2026-01-05T02:00:00.000Z", level: "info", message }).returning().get();
    events.emit({ type: "log", run_id: run.id, id: row.id, timestamp: row.timestamp, level: "info", message });
  };
  return { ctx, events, job, run, line };
}

describe("log stream", () => {
  test("a lagging client is not fed from the bus, then catches up from the stored lines with no gap", async () => {
    const { ctx, events, run, line } = fixture();
    const socket = new SlowSocket();
    const stream = new LogStream(ctx.db, events, run.id, new Outbox(socket));
    await stream.start();
    line("a");
    expect(socket.sent.map((m) => m.message)).toEqual(["a"]);
    socket.buffered = HIGH_WATER + 1; // the client stopped reading
    for (const m of ["b", "c", "d"]) line(m); // emit() returns at once: the writer never waits
    expect(socket.sent.map((m) => m.message)).toEqual(["a"]);
    socket.buffered = 0; // it reads again
    await socket.until(() => socket.sent.length === 4);
    line("e");
    expect(socket.sent.map((m) => m.message)).toEqual(["a", "b", "c", "d", "e"]);
    stream.stop();
  });

  test("a client that stops reading for longer than the stall limit is closed with 1013", async () => {
    const { ctx, events, run, line } = fixture();
    const socket = new SlowSocket();
    // Stall limit 0 instead of 60 s: the first wait on a full buffer is already too long.
    const stream = new LogStream(ctx.db, events, run.id, new Outbox(socket), 0);
    await stream.start();
    socket.buffered = HARD_LIMIT + 1;
    line("x"); // falls back to replay, which waits on the full buffer
    await socket.until(() => socket.closedWith !== null);
    expect(socket.closedWith).toEqual({ code: CLOSE_LAGGING, reason: "client too slow" });
    expect(socket.sent).toEqual([]);
    line("y"); // the stream has let go of the bus
    expect(socket.sent).toEqual([]);
  });
});

describe("status stream", () => {
  test("progress is dropped while lagging, with one notice; start and completion still go out", () => {
    const events = new RunEvents();
    const socket = new SlowSocket();
    const stream = new StatusStream(events, new Outbox(socket));
    const progress = (n: number) =>
      events.emit({ type: "job_progress", kind: "backup", job_id: 1, run_id: 2, files_transferred: n, bytes_transferred: n, files_deleted: 0, files_total: null, bytes_total: null });
    progress(1);
    socket.buffered = HIGH_WATER + 1;
    progress(2);
    progress(3);
    events.emit({ type: "job_completed", kind: "backup", job_id: 1, run_id: 2, job_name: "j", status: "completed", files_transferred: 3, bytes_transferred: 3, files_deleted: 0, error_message: null });
    expect(socket.sent.map((m) => m.type + (m.files_transferred ?? ""))).toEqual(["job_progress1", "lagging", "job_completed3"]);
    socket.buffered = 0;
    progress(4);
    expect(socket.sent.at(-1)).toMatchObject({ type: "job_progress", files_transferred: 4 });
    stream.stop();
  });

  test("a hopelessly slow client is closed (1013) instead of buffering without bound", () => {
    const events = new RunEvents();
    const socket = new SlowSocket();
    new StatusStream(events, new Outbox(socket));
    socket.buffered = HARD_LIMIT + 1;
    events.emit({ type: "job_started", kind: "backup", job_id: 1, run_id: 2, job_name: "j" });
    expect(socket.closedWith).toEqual({ code: CLOSE_LAGGING, reason: "client too slow" });
    expect(socket.sent).toEqual([]);
  });
});
