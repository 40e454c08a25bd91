// Runs and logs API: listing with pagination headers, logs paged and filtered, deletions, 404s.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { authedApp, localJob, tempDir, writeTree } from "../engine/fixtures.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";

async function jobWithRuns(n: number, files: Record<string, string> = { "a.txt": "a" }) {
  const t = await authedApp();
  const src = join(tempDir(), "src");
  writeTree(src, files);
  const job = (await t.api("POST", "/api/jobs", localJob([src], tempDir()))).body;
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await t.api("POST", `/api/jobs/${job.id}/run`);
    await t.services.engine.waitFor(r.body.run_id);
    ids.push(r.body.run_id);
  }
  return { ...t, job, ids };
}

describeIf(missingCommand("rsync"))("runs API", () => {
  test("a job's runs, newest first, in the seed's shape, with X-Total-Count and Link", async () => {
    const t = await jobWithRuns(3);
    const page = await t.api("GET", `/api/jobs/${t.job.id}/runs?limit=1&offset=1`);
    expect(page.status).toBe(200);
    expect(page.body.map((r: any) => r.id)).toEqual([t.ids[1]]);
    expect(page.body[0]).toMatchObject({ job_id: t.job.id, job_name: "Local job", status: "completed", trigger: "manual", schedule_id: null, files_deleted: 0, error_message: null });
    expect(page.res.headers.get("x-total-count")).toBe("3");
    const link = page.res.headers.get("link")!;
    expect(link).toContain(`</api/jobs/${t.job.id}/runs?limit=1&offset=2>; rel="next"`);
    expect(link).toContain(`</api/jobs/${t.job.id}/runs?limit=1&offset=0>; rel="prev"`);
    const all = await t.api("GET", `/api/jobs/${t.job.id}/runs`);
    expect(all.body.map((r: any) => r.id)).toEqual([...t.ids].reverse());
    expect(all.res.headers.get("link")).toBeNull();
  });

  test("logs: default page, limit/offset, level filter, headers", async () => {
    const t = await jobWithRuns(1, { "a.txt": "a", "b.txt": "b", "c.txt": "c" });
    const runId = t.ids[0]!;
    const all = await t.api("GET", `/api/runs/${runId}/logs`);
    expect(all.status).toBe(200);
    const total = Number(all.res.headers.get("x-total-count"));
    expect(total).toBe(all.body.length);
    expect(all.body[0]).toMatchObject({ run_id: runId, level: "info" });
    expect(all.body[0].timestamp).toMatch(/Z$/);
    expect(all.body.map((l: any) => l.message)).toEqual(expect.arrayContaining(["copy src/a.txt", "copy src/b.txt", "copy src/c.txt"]));
    const page = await t.api("GET", `/api/runs/${runId}/logs?limit=2&offset=1`);
    expect(page.body.map((l: any) => l.id)).toEqual(all.body.slice(1, 3).map((l: any) => l.id));
    expect(page.res.headers.get("link")).toContain('rel="next"');
    const errors = await t.api("GET", `/api/runs/${runId}/logs?level=error`);
    expect(errors.body).toEqual([]);
    expect(errors.res.headers.get("x-total-count")).toBe("0");
    const bad = await t.api("GET", `/api/runs/${runId}/logs?level=debug`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("'level'");
    expect((await t.api("GET", `/api/runs/${runId}/logs?limit=0`)).status).toBe(400);
  });

  test("delete one run, a job's runs, all runs", async () => {
    const t = await jobWithRuns(3);
    expect((await t.api("DELETE", `/api/runs/${t.ids[0]}`)).body).toEqual({ message: "Run deleted" });
    expect((await t.api("GET", `/api/runs/${t.ids[0]}`)).status).toBe(404);
    expect((await t.api("GET", `/api/runs/${t.ids[0]}/logs`)).status).toBe(404);
    expect((await t.api("DELETE", `/api/jobs/${t.job.id}/runs`)).body).toEqual({ message: "Runs deleted", count: 2 });
    const r = await t.api("POST", `/api/jobs/${t.job.id}/run`);
    await t.services.engine.waitFor(r.body.run_id);
    expect((await t.api("DELETE", "/api/runs")).body).toEqual({ message: "All runs deleted", count: 1 });
    expect((await t.api("GET", `/api/jobs/${t.job.id}/runs`)).body).toEqual([]);
  });
});

describe("runs API errors", () => {
  test("404s", async () => {
    const t = await authedApp();
    for (const [m, p, msg] of [
      ["GET", "/api/runs/5", "Run not found"],
      ["DELETE", "/api/runs/5", "Run not found"],
      ["GET", "/api/runs/5/logs", "Run not found"],
      ["GET", "/api/jobs/5/runs", "Job not found"],
      ["DELETE", "/api/jobs/5/runs", "Job not found"],
    ] as const) {
      const res = await t.api(m, p);
      expect([p, res.status, res.body.message]).toEqual([p, 404, msg]);
    }
  });

  test("bad paging values name the parameter", async () => {
    const t = await authedApp();
    const job = (await t.api("POST", "/api/jobs", localJob(["/a"], tempDir()))).body;
    const res = await t.api("GET", `/api/jobs/${job.id}/runs?offset=-1`);
    expect(res.status).toBe(400);
    expect(res.body.message).toContain("'offset'");
  });
});
