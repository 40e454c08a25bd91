// Honest counters with real rsync: a file counts once it is on the destination, so a cancelled
// run records what is on disk, and job_progress never runs ahead of it.
import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { type Dirent, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { RunEvent } from "../../src/runs/events.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { authedApp, localJob, tempDir, writeTree } from "./fixtures.ts";

/** The regular files under root by relative path, rsync's hidden temp files apart. */
function tree(root: string): { files: Record<string, number>; temp: Record<string, number> } {
  const files: Record<string, number> = {};
  const temp: Record<string, number> = {};
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      // rsync writes into ".<name>.XXXXXX" and renames it when the file is complete.
      else if (/^\..+\.[A-Za-z0-9]{6}$/.test(e.name)) temp[relative(root, p)] = statSync(p).size;
      else files[relative(root, p)] = statSync(p).size;
    }
  };
  walk(root);
  return { files, temp };
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

async function until(cond: () => boolean, what: string, tries = 600) {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await Bun.sleep(25);
  }
  throw new Error(`gave up waiting for ${what}`);
}

describeIf(missingCommand("rsync"))("honest counters with real rsync", () => {
  test("cancelled mid-file: the unfinished 3 MiB file is not counted, bytes are what is on disk, progress never ran ahead", async () => {
    const t = await authedApp();
    const src = join(tempDir(), "data");
    // rsync sends in name order: the small file first, then the big one at 256 KiB/s (~12 s).
    writeTree(src, { "a-small.txt": "small file", "b-big.bin": randomBytes(3 * 1024 * 1024) });
    const mount = tempDir();
    const job = (await t.api("POST", "/api/jobs", localJob([src], mount, { sync_options: { bandwidth_limit_kbps: 256 } }))).body;
    const events: RunEvent[] = [];
    t.services.events.subscribe((e) => events.push(e));
    const dest = join(mount, "backups", "data");
    const runId = (await t.api("POST", `/api/jobs/${job.id}/run`)).body.run_id;

    // Mid-file: the small file is in place and the big one is a temp file being written.
    await until(() => {
      const now = tree(dest);
      return now.files["a-small.txt"] === 10 && Object.values(now.temp).some((n) => n > 0);
    }, "rsync to be half-way through the big file");
    expect((await t.api("POST", `/api/jobs/${job.id}/cancel`)).status).toBe(200);

    const run = (await t.api("GET", `/api/runs/${runId}`)).body;
    const disk = tree(dest);
    expect(run.status).toBe("cancelled");
    expect(disk.files).toEqual({ "a-small.txt": 10 });
    expect(disk.temp).toEqual({});
    expect({ files: run.files_transferred, bytes: run.bytes_transferred }).toEqual({ files: 1, bytes: sum(disk.files) });
    const progress = events.filter((e) => e.type === "job_progress" && e.run_id === runId) as Extract<RunEvent, { type: "job_progress" }>[];
    for (const p of progress) {
      expect(p.files_transferred).toBeLessThanOrEqual(1);
      expect(p.bytes_transferred).toBeLessThanOrEqual(10);
    }
    expect(events.find((e) => e.type === "job_completed" && e.run_id === runId)).toMatchObject({ files_transferred: 1, bytes_transferred: 10 });
    const logs = ((await t.api("GET", `/api/runs/${runId}/logs`)).body as { message: string }[]).map((l) => l.message);
    expect(logs).toContain("copy data/a-small.txt");
    expect(logs).not.toContain("copy data/b-big.bin");
  }, 60_000);

  test("cancelled among thousands of small files: the counters equal what the destination holds", async () => {
    const t = await authedApp();
    const src = join(tempDir(), "many");
    const files: Record<string, Uint8Array> = {};
    for (let d = 0; d < 20; d++) for (let i = 0; i < 500; i++) files[`d${d}/f${i}.bin`] = randomBytes(1500 + ((d * 500 + i) % 700));
    writeTree(src, files);
    const mount = tempDir();
    const job = (await t.api("POST", "/api/jobs", localJob([src], mount, { sync_options: { verbosity: "quiet" } }))).body;
    const events: RunEvent[] = [];
    t.services.events.subscribe((e) => events.push(e));
    const runId = (await t.api("POST", `/api/jobs/${job.id}/run`)).body.run_id;
    // Cancel while rsync is busy (if it is quicker than that, the run completes: the same must hold).
    await until(() => events.some((e) => e.type === "job_progress" && e.run_id === runId && e.files_transferred >= 500) || t.services.engine.activeRun(job.id) === null, "some files to be copied");
    await t.api("POST", `/api/jobs/${job.id}/cancel`);
    await t.services.engine.waitFor(runId);

    const run = (await t.api("GET", `/api/runs/${runId}`)).body;
    expect(["cancelled", "completed"]).toContain(run.status);
    // (Not asserted here: rsync can leave an empty temp file when SIGTERM lands between creating
    // it and registering it for clean-up; temp files are never counted either way.)
    const disk = tree(join(mount, "backups", "many"));
    expect({ files: run.files_transferred, bytes: run.bytes_transferred }).toEqual({ files: Object.keys(disk.files).length, bytes: sum(disk.files) });
    // Every progress event was at most what ended up on disk (nothing written is ever taken back).
    for (const e of events) {
      if (e.type !== "job_progress" || e.run_id !== runId) continue;
      expect(e.files_transferred).toBeLessThanOrEqual(run.files_transferred);
      expect(e.bytes_transferred).toBeLessThanOrEqual(run.bytes_transferred);
    }
  }, 90_000);
});
