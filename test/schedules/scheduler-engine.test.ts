// The scheduler driving the real run engine and real rsync (fake clock for the due times only).
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { runs, schedules } from "../../src/db/schema.ts";
import { Scheduler } from "../../src/schedules/scheduler.ts";
import { authedApp, localJob, tempDir, writeTree } from "../engine/fixtures.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";

describeIf(missingCommand("rsync"))("scheduler with the real engine", () => {
  test("a due schedule starts a scheduled run; a fire while the job runs is skipped, not a failed run", async () => {
    const logLines: string[] = [];
    const t = await authedApp({ logLines });
    const src = join(tempDir(), "docs");
    writeTree(src, { "a.txt": "hello" });
    const mount = tempDir();
    const job = (await t.api("POST", "/api/jobs", localJob([src], mount))).body;
    const sched = (await t.api("POST", `/api/jobs/${job.id}/schedules`, { schedule_type: "daily", hour: 2, minute: 0 })).body;
    // Created "before" the fake clock's start, so the first due time is not a catch-up.
    t.ctx.db.update(schedules).set({ createdAt: "2026-01-05T10:00:00.000Z" }).where(eq(schedules.id, sched.id)).run();

    let now = new Date("2026-01-05T12:00:00Z");
    const scheduler = new Scheduler(t.ctx, t.services.engine, { now: () => now, timers: false });
    scheduler.start();
    now = new Date("2026-01-06T02:00:01Z");
    scheduler.tick();
    const first = t.services.engine.activeRun(job.id);
    expect(first).not.toBeNull();
    await t.services.engine.waitFor(first!);
    const row = t.ctx.db.select().from(runs).where(eq(runs.id, first!)).get()!;
    expect(row).toMatchObject({ status: "completed", trigger: "scheduled", scheduleId: sched.id });
    expect(existsSync(join(mount, "backups", "docs", "a.txt"))).toBe(true);

    const manual = await t.api("POST", `/api/jobs/${job.id}/run`);
    expect(manual.status).toBe(202);
    now = new Date("2026-01-07T02:00:00Z");
    scheduler.tick(); // synchronously after the manual start: that run is still active
    await t.services.engine.waitFor(manual.body.run_id);
    const all = t.ctx.db.select().from(runs).where(eq(runs.jobId, job.id)).all();
    expect(all.map((r) => [r.trigger, r.status])).toEqual([
      ["scheduled", "completed"],
      ["manual", "completed"],
    ]);
    expect(scheduler.stats.fires).toEqual({ started: 1, skipped: 1, failed: 0 });
    expect(logLines.some((l) => l.includes("scheduled run skipped") && l.includes(`job_id=${job.id}`))).toBe(true);
    await scheduler.stop();
  });

  test("catch-up at start-up runs the job once through the engine", async () => {
    const t = await authedApp();
    const src = join(tempDir(), "docs");
    writeTree(src, { "b.txt": "x" });
    const job = (await t.api("POST", "/api/jobs", localJob([src], tempDir()))).body;
    const sched = (await t.api("POST", `/api/jobs/${job.id}/schedules`, { schedule_type: "daily", hour: 2, minute: 0 })).body;
    t.ctx.db.update(schedules).set({ createdAt: "2026-01-01T00:00:00.000Z" }).where(eq(schedules.id, sched.id)).run();
    const scheduler = new Scheduler(t.ctx, t.services.engine, { now: () => new Date("2026-01-05T12:00:00Z"), timers: false });
    scheduler.start();
    const runId = t.services.engine.activeRun(job.id);
    expect(runId).not.toBeNull();
    await t.services.engine.waitFor(runId!);
    const list = t.ctx.db.select().from(runs).where(eq(runs.jobId, job.id)).all();
    expect(list.map((r) => [r.trigger, r.status, r.scheduleId])).toEqual([["scheduled", "completed", sched.id]]);
    await scheduler.stop();
  });
});
