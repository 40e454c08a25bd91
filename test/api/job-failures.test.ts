// The job view's failure streak: failing_since and failed_runs_in_a_row (GET /api/jobs, /api/jobs/:id).
import { describe, expect, test } from "bun:test";
import type { Db } from "../../src/db/client.ts";
import { runs } from "../../src/db/schema.ts";
import { authedApp } from "../engine/fixtures.ts";
import { insertJob } from "../schedules/helpers.ts";

type Status = "completed" | "failed" | "cancelled" | "running";

function addRun(db: Db, jobId: number, status: Status, startedAt: string | null, errorMessage: string | null = null, kind: "backup" | "restore" | "verify" = "backup") {
  return db
    .insert(runs)
    .values({ jobId, kind, status, trigger: "scheduled", startedAt, completedAt: status === "running" || !startedAt ? null : startedAt, errorMessage })
    .returning()
    .get();
}

describe("job view: failure streak", () => {
  test("completed, failed, failed, cancelled: since the first failed run, 2 in a row; a completed run ends it", async () => {
    const t = await authedApp();
    const job = insertJob(t.ctx.db, { name: "Streak" });
    const other = insertJob(t.ctx.db, { name: "Never run" });
    addRun(t.ctx.db, job.id, "completed", "2026-01-01T02:00:00.000Z");
    const first = addRun(t.ctx.db, job.id, "failed", "2026-01-02T02:00:00.000Z", "Destination not mounted");
    addRun(t.ctx.db, job.id, "failed", "2026-01-03T02:00:00.000Z", "Destination not mounted again");
    const cancelled = addRun(t.ctx.db, job.id, "cancelled", "2026-01-04T02:00:00.000Z", "Cancelled by admin");

    const got = await t.api("GET", `/api/jobs/${job.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ failing_since: first.startedAt, failed_runs_in_a_row: 2, last_run: { id: cancelled.id, status: "cancelled" } });
    const list = await t.api("GET", "/api/jobs");
    expect(list.body.map((j: any) => [j.id, j.failing_since, j.failed_runs_in_a_row])).toEqual([
      [job.id, "2026-01-02T02:00:00.000Z", 2],
      [other.id, null, 0],
    ]);

    // A run in progress neither ends nor extends the streak.
    addRun(t.ctx.db, job.id, "running", "2026-01-05T02:00:00.000Z");
    expect((await t.api("GET", `/api/jobs/${job.id}`)).body).toMatchObject({ failing_since: first.startedAt, failed_runs_in_a_row: 2 });
    t.ctx.db.delete(runs).run();

    // A completed run after a failure: no streak.
    addRun(t.ctx.db, job.id, "failed", "2026-01-06T02:00:00.000Z", "boom");
    addRun(t.ctx.db, job.id, "completed", "2026-01-07T02:00:00.000Z");
    const after = await t.api("GET", `/api/jobs/${job.id}`);
    expect(after.body).toMatchObject({ failing_since: null, failed_runs_in_a_row: 0, last_run: { status: "completed", error_message: null } });
  });

  test("a job that never completed fails since its first failed run; one that never started uses its queue time", async () => {
    const t = await authedApp();
    const job = insertJob(t.ctx.db);
    const never = addRun(t.ctx.db, job.id, "failed", null, "Interrupted: the server stopped");
    addRun(t.ctx.db, job.id, "failed", "2026-02-01T02:00:00.000Z", "again");
    const body = (await t.api("GET", `/api/jobs/${job.id}`)).body;
    expect(body).toMatchObject({ failing_since: never.createdAt, failed_runs_in_a_row: 2, last_run: { status: "failed", error_message: "again" } });
  });

  test("the streak counts backups: a failed restore or verify neither starts nor ends it", async () => {
    const t = await authedApp();
    const job = insertJob(t.ctx.db, { name: "Kinds" });
    addRun(t.ctx.db, job.id, "completed", "2026-03-01T02:00:00.000Z");
    addRun(t.ctx.db, job.id, "failed", "2026-03-02T02:00:00.000Z", "1 file missing", "restore");
    addRun(t.ctx.db, job.id, "failed", "2026-03-03T02:00:00.000Z", "2 differences", "verify");
    expect((await t.api("GET", `/api/jobs/${job.id}`)).body).toMatchObject({ failing_since: null, failed_runs_in_a_row: 0 });
    const failed = addRun(t.ctx.db, job.id, "failed", "2026-03-04T02:00:00.000Z", "Destination not mounted");
    // A verify that completed is not a successful backup.
    addRun(t.ctx.db, job.id, "completed", "2026-03-05T02:00:00.000Z", null, "verify");
    expect((await t.api("GET", `/api/jobs/${job.id}`)).body).toMatchObject({ failing_since: failed.startedAt, failed_runs_in_a_row: 1 });
  });
});
