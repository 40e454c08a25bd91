// Lists that grow: limit/offset with X-Total-Count and Link everywhere; a limit above a list's
// maximum is clamped to it (not a 400) and the Link header carries the clamped value. GET
// /api/jobs answers everything when no limit is given (the seed's clients read it whole).
import { describe, expect, test } from "bun:test";
import { runLogs, runs } from "../../src/db/schema.ts";
import { readPage } from "../../src/http/pagination.ts";
import { insertJob, signedIn } from "../schedules/helpers.ts";

function manyJobs(db: Parameters<typeof insertJob>[0], n: number) {
  db.$client.transaction(() => {
    for (let i = 1; i <= n; i++) insertJob(db, { name: `job ${i}` });
  })();
}

describe("readPage", () => {
  test("clamps above the maximum, refuses 0, defaults per list", () => {
    const rule = { defaultLimit: 20, maxLimit: 500 };
    expect(readPage({}, rule)).toEqual({ limit: 20, offset: 0 });
    expect(readPage({ limit: "501", offset: "3" }, rule)).toEqual({ limit: 500, offset: 3 });
    expect(readPage({ limit: "9".repeat(400) }, rule)).toEqual({ limit: 500, offset: 0 });
    expect(() => readPage({ limit: "0" }, rule)).toThrow("Query parameter 'limit' must be a whole number of at least 1");
    expect(readPage({}, { defaultLimit: null, maxLimit: 500 })).toEqual({ limit: null, offset: 0 });
  });
});

describe("GET /api/jobs", () => {
  test("without limit: every job, X-Total-Count, no Link", async () => {
    const t = await signedIn();
    manyJobs(t.ctx.db, 600);
    const all = await t.api("GET", "/api/jobs");
    expect(all.status).toBe(200);
    expect(all.body).toHaveLength(600);
    expect(all.res.headers.get("x-total-count")).toBe("600");
    expect(all.res.headers.get("link")).toBeNull();
  });

  test("limit/offset: one page in id order with Link; above 500 counts as 500", async () => {
    const t = await signedIn();
    manyJobs(t.ctx.db, 600);
    const page = await t.api("GET", "/api/jobs?limit=2&offset=2");
    expect(page.body.map((j: any) => j.name)).toEqual(["job 3", "job 4"]);
    expect(page.res.headers.get("x-total-count")).toBe("600");
    expect(page.res.headers.get("link")).toBe('</api/jobs?limit=2&offset=4>; rel="next", </api/jobs?limit=2&offset=0>; rel="prev"');
    const clamped = await t.api("GET", "/api/jobs?limit=100000");
    expect(clamped.status).toBe(200);
    expect(clamped.body).toHaveLength(500);
    expect(clamped.res.headers.get("link")).toBe('</api/jobs?limit=500&offset=500>; rel="next"');
    const rest = await t.api("GET", "/api/jobs?offset=590");
    expect(rest.body.map((j: any) => j.name)).toEqual(Array.from({ length: 10 }, (_, i) => `job ${591 + i}`));
    expect((await t.api("GET", "/api/jobs?limit=0")).body).toEqual({ error: "Invalid request", message: "Query parameter 'limit' must be a whole number of at least 1" });
    expect((await t.api("GET", "/api/jobs?offset=-1")).status).toBe(400);
  });
});

describe("runs and logs", () => {
  test("a limit above the maximum is clamped, and Link carries the clamped limit", async () => {
    const t = await signedIn();
    const job = insertJob(t.ctx.db);
    const runId = t.ctx.db.$client.transaction(() => {
      let id = 0;
      for (let i = 0; i < 501; i++) id = t.ctx.db.insert(runs).values({ jobId: job.id, status: "completed", trigger: "manual" }).returning().get().id;
      const now = new Date().toISOString();
      for (let i = 0; i < 10_001; i++)
        t.ctx.db
          .insert(runLogs)
          .values({ runId: id, timestamp: now, level: "info", message: `line ${i}` })
          .run();
      return id;
    })();
    const r = await t.api("GET", `/api/jobs/${job.id}/runs?limit=501`);
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(500);
    expect(r.res.headers.get("x-total-count")).toBe("501");
    expect(r.res.headers.get("link")).toBe(`</api/jobs/${job.id}/runs?limit=500&offset=500>; rel="next"`);
    expect((await t.api("GET", `/api/jobs/${job.id}/runs`)).body).toHaveLength(20);
    const logs = await t.api("GET", `/api/runs/${runId}/logs?limit=20000&level=info`);
    expect(logs.status).toBe(200);
    expect(logs.body).toHaveLength(10_000);
    expect(logs.res.headers.get("link")).toBe(`</api/runs/${runId}/logs?limit=10000&level=info&offset=10000>; rel="next"`);
  });
});
