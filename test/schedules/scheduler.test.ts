// The scheduler's decisions with a fake clock: arm, fire once, skip-and-log, catch up, re-arm,
// and daylight-saving transitions walked minute by minute through tick().
import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { jobs, schedules } from "../../src/db/schema.ts";
import { badRequest } from "../../src/http/errors.ts";
import { Scheduler } from "../../src/schedules/scheduler.ts";
import { createSchedule, type ScheduleInput } from "../../src/schedules/service.ts";
import { testContext } from "../helpers/app.ts";
import { insertJob, RecordingEngine } from "./helpers.ts";

function setup(startAt: string) {
  const logLines: string[] = [];
  const ctx = testContext({ logLines });
  const engine = new RecordingEngine();
  let now = new Date(startAt);
  const clock = {
    get now() {
      return now;
    },
    set(iso: string) {
      now = new Date(iso);
    },
  };
  const scheduler = new Scheduler(ctx, engine, { now: () => now, timers: false });
  return { ctx, engine, clock, scheduler, logLines };
}

function addSchedule(ctx: ReturnType<typeof testContext>, jobId: number, input: ScheduleInput, createdAt?: string) {
  const view = createSchedule(ctx.db, jobId, input);
  if (createdAt) ctx.db.update(schedules).set({ createdAt }).where(eq(schedules.id, view.id)).run();
  return view;
}

const lastFired = (ctx: ReturnType<typeof testContext>, id: number) => ctx.db.select({ v: schedules.lastFiredAt }).from(schedules).where(eq(schedules.id, id)).get()!.v;

describe("arming and firing", () => {
  test("arms enabled schedules of enabled jobs only", () => {
    const { ctx, scheduler } = setup("2026-01-05T12:00:00Z");
    const job = insertJob(ctx.db);
    const off = insertJob(ctx.db, { enabled: false });
    const a = addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0 });
    addSchedule(ctx, job.id, { schedule_type: "daily", hour: 3, minute: 0, enabled: false });
    addSchedule(ctx, off.id, { schedule_type: "daily", hour: 4, minute: 0 });
    scheduler.start();
    expect(scheduler.armedSchedules()).toEqual([{ schedule_id: a.id, job_id: job.id, next_run: "2026-01-06T02:00:00.000Z" }]);
  });

  test("fires once at the due time with trigger scheduled, and never twice for one time", () => {
    const { ctx, engine, clock, scheduler } = setup("2026-01-05T12:00:00Z");
    const job = insertJob(ctx.db);
    const s = addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0 });
    scheduler.start();
    clock.set("2026-01-06T01:59:59Z");
    scheduler.tick();
    expect(engine.started).toEqual([]);
    clock.set("2026-01-06T02:00:03Z");
    scheduler.tick();
    scheduler.tick();
    expect(engine.started).toEqual([{ jobId: job.id, opts: { trigger: "scheduled", scheduleId: s.id, kind: "backup" } }]);
    expect(lastFired(ctx, s.id)).toBe("2026-01-06T02:00:00.000Z");
    expect(scheduler.stats.lastLagSeconds).toBe(3);
    expect(scheduler.armedSchedules()[0]!.next_run).toBe("2026-01-07T02:00:00.000Z");
  });

  test("after a long stall, missed times collapse into one fire", () => {
    const { ctx, engine, clock, scheduler } = setup("2026-01-05T12:00:00Z");
    const job = insertJob(ctx.db);
    addSchedule(ctx, job.id, { schedule_type: "custom", cron_expression: "*/5 * * * *" });
    scheduler.start();
    clock.set("2026-01-05T13:00:30Z"); // 12 due times passed while the process was frozen
    scheduler.tick();
    expect(engine.started.length).toBe(1);
    expect(scheduler.armedSchedules()[0]!.next_run).toBe("2026-01-05T13:05:00.000Z");
  });

  test("a job that is already running: skipped, logged, counted, and not retried later", () => {
    const { ctx, engine, clock, scheduler, logLines } = setup("2026-01-05T12:00:00Z");
    const job = insertJob(ctx.db, { name: "Photos" });
    const s = addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0 });
    scheduler.start();
    engine.active.set(job.id, 41);
    clock.set("2026-01-06T02:00:00Z");
    scheduler.tick();
    expect(engine.started).toEqual([]);
    expect(scheduler.stats.fires).toEqual({ started: 0, skipped: 1, failed: 0 });
    const line = logLines.find((l) => l.includes("skipped"));
    expect(line).toContain("already running");
    expect(line).toContain("Photos");
    expect(line).toContain("active_run_id=41");
    expect(lastFired(ctx, s.id)).toBe("2026-01-06T02:00:00.000Z");
  });

  test("a 409 from the engine (race with a manual run) is a skip; other refusals are failures", () => {
    const { ctx, engine, clock, scheduler, logLines } = setup("2026-01-05T12:00:00Z");
    const job = insertJob(ctx.db);
    addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0 });
    addSchedule(ctx, job.id, { schedule_type: "daily", hour: 3, minute: 0 });
    scheduler.start();
    // activeRun says free, start() still answers 409: what a race looks like from here.
    const start = engine.start.bind(engine);
    engine.start = (id, opts) => {
      engine.active.set(id, 1);
      return start(id, opts);
    };
    clock.set("2026-01-06T02:00:00Z");
    scheduler.tick();
    expect(scheduler.stats.fires.skipped).toBe(1);
    engine.start = start;
    engine.active.clear();
    engine.refuse = badRequest("Destination type 'x' cannot run yet");
    clock.set("2026-01-06T03:00:00Z");
    scheduler.tick();
    expect(scheduler.stats.fires).toEqual({ started: 0, skipped: 1, failed: 1 });
    expect(logLines.some((l) => l.includes("could not start") && l.includes("cannot run yet"))).toBe(true);
  });

  test("a disabled job or schedule does not fire even if nobody re-armed", () => {
    const { ctx, engine, clock, scheduler } = setup("2026-01-05T12:00:00Z");
    const job = insertJob(ctx.db);
    addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0 });
    scheduler.start();
    ctx.db.update(jobs).set({ enabled: false }).where(eq(jobs.id, job.id)).run();
    clock.set("2026-01-06T02:00:00Z");
    scheduler.tick();
    expect(engine.started).toEqual([]);
    expect(scheduler.armedSchedules()).toEqual([]);
  });
});

describe("re-arming", () => {
  test("new, changed, disabled and deleted schedules and jobs", () => {
    const { ctx, engine, clock, scheduler } = setup("2026-01-05T12:00:00Z");
    const job = insertJob(ctx.db);
    scheduler.start();
    expect(scheduler.armedSchedules()).toEqual([]);
    const s = addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0 });
    scheduler.rearm(job.id);
    expect(scheduler.armedSchedules().map((a) => a.next_run)).toEqual(["2026-01-06T02:00:00.000Z"]);
    ctx.db.update(schedules).set({ hour: 5 }).where(eq(schedules.id, s.id)).run();
    scheduler.rearm(job.id);
    expect(scheduler.armedSchedules().map((a) => a.next_run)).toEqual(["2026-01-06T05:00:00.000Z"]);
    ctx.db.update(jobs).set({ enabled: false }).where(eq(jobs.id, job.id)).run();
    scheduler.rearm(job.id);
    expect(scheduler.armedSchedules()).toEqual([]);
    ctx.db.update(jobs).set({ enabled: true }).where(eq(jobs.id, job.id)).run();
    scheduler.rearm();
    expect(scheduler.armedSchedules().length).toBe(1);
    ctx.db.delete(jobs).where(eq(jobs.id, job.id)).run();
    scheduler.rearm(job.id);
    expect(scheduler.armedSchedules()).toEqual([]);
    clock.set("2026-01-06T05:00:00Z");
    scheduler.tick();
    expect(engine.started).toEqual([]);
  });

  test("time a job spent disabled is not caught up after a restart", () => {
    const { ctx, clock, scheduler } = setup("2026-01-05T12:00:00Z");
    const job = insertJob(ctx.db, { enabled: false });
    const s = addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0 }, "2026-01-01T00:00:00.000Z");
    scheduler.start();
    ctx.db.update(jobs).set({ enabled: true }).where(eq(jobs.id, job.id)).run();
    scheduler.rearm(job.id);
    expect(lastFired(ctx, s.id)).toBe("2026-01-05T12:00:00.000Z");
    // Restart an hour later: nothing was missed while the server was up.
    const engine2 = new RecordingEngine();
    clock.set("2026-01-05T13:00:00Z");
    new Scheduler(ctx, engine2, { now: () => clock.now, timers: false }).start();
    expect(engine2.started).toEqual([]);
  });
});

describe("catch-up at start-up", () => {
  test("a run missed while down runs once, even if several were missed", () => {
    const { ctx, engine, scheduler, logLines } = setup("2026-01-05T12:00:00Z");
    const job = insertJob(ctx.db);
    const s = addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0 }, "2026-01-01T10:00:00.000Z");
    scheduler.start();
    expect(engine.started).toEqual([{ jobId: job.id, opts: { trigger: "scheduled", scheduleId: s.id, kind: "backup" } }]);
    expect(lastFired(ctx, s.id)).toBe("2026-01-05T02:00:00.000Z");
    expect(scheduler.stats.caughtUp).toBe(1);
    expect(logLines.some((l) => l.includes("catch-up"))).toBe(true);
    // It does not count as lag, and the next run is tomorrow's.
    expect(scheduler.stats.lastLagSeconds).toBe(0);
    expect(scheduler.armedSchedules()[0]!.next_run).toBe("2026-01-06T02:00:00.000Z");
  });

  test("nothing to catch up: fired after the last due time, created after it, or catch_up false", () => {
    const { ctx, engine, scheduler } = setup("2026-01-05T12:00:00Z");
    const job = insertJob(ctx.db);
    const fired = addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0 }, "2026-01-01T10:00:00.000Z");
    ctx.db.update(schedules).set({ lastFiredAt: "2026-01-05T02:00:00.000Z" }).where(eq(schedules.id, fired.id)).run();
    addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0 }, "2026-01-05T03:00:00.000Z");
    addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0, catch_up: false }, "2026-01-01T10:00:00.000Z");
    scheduler.start();
    expect(engine.started).toEqual([]);
  });

  test("catch-up of a job that is already running is skipped and logged", () => {
    const { ctx, engine, scheduler, logLines } = setup("2026-01-05T12:00:00Z");
    const job = insertJob(ctx.db);
    addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0 }, "2026-01-01T10:00:00.000Z");
    engine.active.set(job.id, 3);
    scheduler.start();
    expect(engine.started).toEqual([]);
    expect(logLines.some((l) => l.includes("skipped"))).toBe(true);
  });
});

describe("daylight saving, walked minute by minute through the scheduler (Europe/Berlin)", () => {
  function walk(fromIso: string, toIso: string, input: ScheduleInput): string[] {
    const { ctx, engine, clock, scheduler } = setup(fromIso);
    const job = insertJob(ctx.db);
    addSchedule(ctx, job.id, input, fromIso);
    scheduler.start();
    const fires: string[] = [];
    const end = new Date(toIso).getTime();
    for (let t = new Date(fromIso).getTime(); t <= end; t += 60_000) {
      clock.set(new Date(t).toISOString());
      const before = engine.started.length;
      scheduler.tick();
      if (engine.started.length > before) fires.push(clock.now.toISOString());
    }
    return fires;
  }

  test("spring forward: daily 02:30 fires once on the short day, at 03:00 CEST", () => {
    expect(walk("2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z", { schedule_type: "daily", hour: 2, minute: 30, timezone: "Europe/Berlin" })).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
  });

  test("fall back: daily 02:30 fires once on the long day", () => {
    expect(walk("2026-10-24T12:00:00Z", "2026-10-27T12:00:00Z", { schedule_type: "daily", hour: 2, minute: 30, timezone: "Europe/Berlin" })).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
      "2026-10-27T01:30:00.000Z",
    ]);
  });
});

describe("the background timer", () => {
  test("fires through its own timer once the clock reaches the due time", async () => {
    const ctx = testContext();
    const engine = new RecordingEngine();
    let now = new Date("2026-01-05T12:00:00Z");
    const scheduler = new Scheduler(ctx, engine, { now: () => now });
    const job = insertJob(ctx.db);
    addSchedule(ctx, job.id, { schedule_type: "daily", hour: 2, minute: 0 });
    const fired = new Promise<void>((resolve) => {
      const start = engine.start.bind(engine);
      engine.start = (id, opts) => {
        const runId = start(id, opts);
        resolve();
        return runId;
      };
    });
    scheduler.start();
    expect(engine.started).toEqual([]);
    now = new Date("2026-01-06T02:00:00Z");
    scheduler.rearm(); // re-computes the timer: due now, so it fires on the next turn
    await fired;
    expect(engine.started.length).toBe(1);
    await scheduler.stop();
  });
});

describe("health", () => {
  test("not ready until started, ready while running, not ready once stopped", async () => {
    const { ctx, scheduler } = setup("2026-01-05T12:00:00Z");
    expect(ctx.health.report().components.scheduler).toEqual({ ready: false, error: "not started" });
    scheduler.start();
    expect(ctx.health.report().components.scheduler).toEqual({ ready: true, error: null });
    await scheduler.stop();
    expect(ctx.health.report().components.scheduler.ready).toBe(false);
  });

  test("a start-up failure is reported with its reason", () => {
    const { ctx, scheduler } = setup("2026-01-05T12:00:00Z");
    ctx.db.$client.close();
    scheduler.start();
    const status = ctx.health.report().components.scheduler;
    expect(status.ready).toBe(false);
    expect(status.error).toContain("scheduler failed to start");
  });
});
