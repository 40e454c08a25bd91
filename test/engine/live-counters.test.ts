// Live counters: the run row gets its counters at the end, so while a run is active the API and
// the pages answer the engine's (withLiveCounters), never zeros, and never more than the end.
import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { getPage, signedIn } from "../web/helpers.ts";
import { localJob, tempDir, writeTree } from "./fixtures.ts";

type Counters = { files_transferred: number; bytes_transferred: number; files_deleted: number };
const counters = (r: Counters): Counters => ({ files_transferred: r.files_transferred, bytes_transferred: r.bytes_transferred, files_deleted: r.files_deleted });

describeIf(missingCommand("rsync"))("live counters of an active run", () => {
  test("GET /api/runs/:id, the job's runs, the job view and the pages show the run's progress while it runs", async () => {
    const t = await signedIn();
    const api = <T = any>(method: string, path: string, body?: unknown) => t.client.json<T>(method, path, { body });
    const src = join(tempDir(), "data");
    // 8 files of 64 KiB at 128 KiB/s: about 4 s of copying, a file on disk every half second.
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 8; i++) files[`f${i}.bin`] = randomBytes(64 * 1024);
    writeTree(src, files);
    const job = (await api("POST", "/api/jobs", localJob([src], tempDir(), { sync_options: { bandwidth_limit_kbps: 128 } }))).body;
    const runId: number = (await api("POST", `/api/jobs/${job.id}/run`)).body.run_id;

    const seen: Counters[] = [];
    let during: { run: any; list: any; job: any; after: any; page: string; dashboard: string } | null = null;
    for (let i = 0; i < 400 && !during; i++) {
      const run = (await api("GET", `/api/runs/${runId}`)).body;
      if (run.status !== "pending" && run.status !== "running") break;
      seen.push(counters(run));
      if (run.files_transferred > 0) {
        const list = ((await api("GET", `/api/jobs/${job.id}/runs`)).body as any[]).find((r) => r.id === runId);
        const view = (await api("GET", `/api/jobs/${job.id}`)).body;
        const page = (await getPage(t.client, `/runs/${runId}`)).text;
        const dashboard = (await getPage(t.client, "/")).text;
        const after = (await api("GET", `/api/runs/${runId}`)).body;
        during = { run, list, job: view, after, page, dashboard };
        for (const r of [list, view.last_run, after]) seen.push(counters(r));
      } else await Bun.sleep(25);
    }
    expect(during).not.toBeNull();
    const d = during!;
    expect(d.after.status).toBe("running");
    // The same live numbers everywhere: each later read is between the first and the last one.
    for (const r of [d.list, d.job.last_run]) {
      expect(r.id).toBe(runId);
      expect(r.files_transferred).toBeGreaterThanOrEqual(d.run.files_transferred);
      expect(r.files_transferred).toBeLessThanOrEqual(d.after.files_transferred);
      expect(r.bytes_transferred).toBeGreaterThanOrEqual(d.run.bytes_transferred);
      expect(r.bytes_transferred).toBeLessThanOrEqual(d.after.bytes_transferred);
    }
    expect(d.job.active_run_id).toBe(runId);
    expect(d.run.bytes_transferred).toBe(d.run.files_transferred * 64 * 1024);
    // The run page and the dashboard's card are rendered with the live count, not 0.
    const onPage = Number(new RegExp(`id="run-files" data-files-for-run="${runId}">(\\d+)<`).exec(d.page)?.[1]);
    const onCard = Number(new RegExp(`<span data-files-for-run="${runId}">(\\d+)</span>`).exec(d.dashboard)?.[1]);
    for (const shown of [onPage, onCard]) {
      expect(shown).toBeGreaterThanOrEqual(d.run.files_transferred);
      expect(shown).toBeLessThanOrEqual(d.after.files_transferred);
    }

    await t.services.engine.waitFor(runId);
    const final = (await api("GET", `/api/runs/${runId}`)).body;
    expect(final.status).toBe("completed");
    expect(counters(final)).toEqual({ files_transferred: 8, bytes_transferred: 8 * 64 * 1024, files_deleted: 0 });
    for (const s of seen) {
      expect(s.files_transferred).toBeLessThanOrEqual(final.files_transferred);
      expect(s.bytes_transferred).toBeLessThanOrEqual(final.bytes_transferred);
      expect(s.files_deleted).toBeLessThanOrEqual(final.files_deleted);
    }
    // Finished: the stored values, in the list and the job view too.
    expect(counters(((await api("GET", `/api/jobs/${job.id}/runs`)).body as any[])[0])).toEqual(counters(final));
    expect(counters((await api("GET", `/api/jobs/${job.id}`)).body.last_run)).toEqual(counters(final));
    expect(t.services.engine.live(runId)).toBeNull();
  }, 60_000);
});
