// The local destination end to end: API → engine → real rsync on real temp trees.
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunEvent } from "../../src/runs/events.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { authedApp, localJob, tempDir, writeTree } from "./fixtures.ts";

async function setup(files: Record<string, string> = { "a.txt": "hello", "sub/b.txt": "world!" }, opts: Parameters<typeof localJob>[2] = {}) {
  const t = await authedApp();
  const src = join(tempDir(), "docs");
  writeTree(src, files);
  const mount = tempDir();
  const created = await t.api("POST", "/api/jobs", localJob([src], mount, opts));
  expect(created.status).toBe(201);
  const job = created.body;
  const run = async () => {
    const r = await t.api("POST", `/api/jobs/${job.id}/run`);
    expect(r.status).toBe(202);
    await t.services.engine.waitFor(r.body.run_id);
    const got = await t.api("GET", `/api/runs/${r.body.run_id}`);
    const logs = await t.api("GET", `/api/runs/${r.body.run_id}/logs`);
    return { run: got.body, logs: logs.body.map((l: any) => l.message) as string[] };
  };
  const dest = join(mount, "backups", "docs");
  return { ...t, src, mount, dest, job, run };
}

describeIf(missingCommand("rsync"))("local destination with real rsync", () => {
  test("first sync copies everything into <mount>/<subdir>/<basename>/ and records counts", async () => {
    const s = await setup();
    const events: RunEvent[] = [];
    s.services.events.subscribe((e) => events.push(e));
    const { run, logs } = await s.run();
    expect(run.status).toBe("completed");
    expect(run.error_message).toBeNull();
    expect(run.files_transferred).toBe(2);
    expect(run.bytes_transferred).toBe(11);
    expect(run.started_at).toBeString();
    expect(run.completed_at).toBeString();
    expect(readFileSync(join(s.dest, "a.txt"), "utf8")).toBe("hello");
    expect(readFileSync(join(s.dest, "sub/b.txt"), "utf8")).toBe("world!");
    expect(logs).toContain("copy docs/a.txt");
    expect(logs).toContain("copy docs/sub/b.txt");
    expect(events.map((e) => e.type)).toContain("job_started");
    expect(events.find((e) => e.type === "job_progress")).toMatchObject({ job_id: s.job.id, run_id: run.id });
    const done = events.find((e) => e.type === "job_completed");
    expect(done).toMatchObject({ status: "completed", files_transferred: 2, job_name: "Local job" });
    // Every stored line was announced with its row id.
    const stored = (await s.api("GET", `/api/runs/${run.id}/logs`)).body as { id: number }[];
    const announced = events.filter((e) => e.type === "log").map((e) => (e as { id: number }).id);
    expect(announced).toEqual(stored.map((l) => l.id));
  });

  test("no change, then a changed file, then a deleted one with and without delete_extraneous", async () => {
    const s = await setup();
    await s.run();
    const again = await s.run();
    expect(again.run.status).toBe("completed");
    expect(again.run.files_transferred).toBe(0);

    writeFileSync(join(s.src, "a.txt"), "hello, changed");
    const changed = await s.run();
    expect(changed.run.files_transferred).toBe(1);
    expect(changed.run.bytes_transferred).toBe(14);
    expect(readFileSync(join(s.dest, "a.txt"), "utf8")).toBe("hello, changed");

    rmSync(join(s.src, "a.txt"));
    const kept = await s.run();
    expect(kept.run.files_deleted).toBe(0);
    expect(existsSync(join(s.dest, "a.txt"))).toBe(true);

    const body = localJob([s.src], s.mount, { sync_options: { delete_extraneous: true } });
    expect((await s.api("PUT", `/api/jobs/${s.job.id}`, body)).status).toBe(200);
    const mirrored = await s.run();
    expect(mirrored.run.status).toBe("completed");
    expect(mirrored.run.files_deleted).toBe(1);
    expect(existsSync(join(s.dest, "a.txt"))).toBe(false);
    expect(mirrored.logs).toContain("delete docs/a.txt");
  });

  test("exclude patterns are not copied", async () => {
    const s = await setup({ "keep.txt": "k", "junk.tmp": "j", ".cache/x": "c", "deep/also.tmp": "j" }, { sync_options: { exclude_patterns: ["*.tmp", ".cache/"] } });
    const { run } = await s.run();
    expect(run.files_transferred).toBe(1);
    expect(existsSync(join(s.dest, "keep.txt"))).toBe(true);
    expect(existsSync(join(s.dest, "junk.tmp"))).toBe(false);
    expect(existsSync(join(s.dest, "deep/also.tmp"))).toBe(false);
    expect(existsSync(join(s.dest, ".cache"))).toBe(false);
  });

  test("dry run writes nothing and logs what it would do", async () => {
    const s = await setup(undefined, { sync_options: { dry_run: true } });
    const { run, logs } = await s.run();
    expect(run.status).toBe("completed");
    expect(run.files_transferred).toBe(2);
    expect(existsSync(join(s.mount, "backups"))).toBe(false);
    expect(logs).toContain("would copy docs/a.txt");
  });

  test("verbosity: quiet logs no file lines, verbose logs the rsync command with --bwlimit", async () => {
    const quiet = await setup(undefined, { sync_options: { verbosity: "quiet" } });
    const q = await quiet.run();
    expect(q.run.files_transferred).toBe(2);
    expect(q.logs.some((l) => l.includes("a.txt"))).toBe(false);

    const verbose = await setup(undefined, { sync_options: { verbosity: "verbose", bandwidth_limit_kbps: 5000 } });
    const v = await verbose.run();
    expect(v.run.status).toBe("completed");
    expect(v.logs.some((l) => l.startsWith("rsync ") && l.includes("--bwlimit=5000"))).toBe(true);
    expect(v.logs.some((l) => l.startsWith(">f+++++++++ docs/a.txt"))).toBe(true);
  });

  test("several sources each land in their own <basename>/ folder", async () => {
    const t = await authedApp();
    const base = tempDir();
    writeTree(base, { "photos/p.jpg": "jpg", "music/m.mp3": "mp3" });
    const mount = tempDir();
    const job = (await t.api("POST", "/api/jobs", localJob([join(base, "photos"), join(base, "music") + "/"], mount, { backup_subdir: "nas/daily" }))).body;
    const r = await t.api("POST", `/api/jobs/${job.id}/run`);
    await t.services.engine.waitFor(r.body.run_id);
    expect((await t.api("GET", `/api/runs/${r.body.run_id}`)).body.files_transferred).toBe(2);
    expect(readFileSync(join(mount, "nas/daily/photos/p.jpg"), "utf8")).toBe("jpg");
    expect(readFileSync(join(mount, "nas/daily/music/m.mp3"), "utf8")).toBe("mp3");
  });

  test("delete guard: a deleting run aborts on a missing or an empty source and deletes nothing", async () => {
    const s = await setup(undefined, { sync_options: { delete_extraneous: true } });
    expect((await s.run()).run.status).toBe("completed");

    rmSync(s.src, { recursive: true });
    const missing = await s.run();
    expect(missing.run.status).toBe("failed");
    expect(missing.run.error_message).toContain("missing");
    expect(existsSync(join(s.dest, "a.txt"))).toBe(true);

    mkdirSync(s.src);
    const empty = await s.run();
    expect(empty.run.status).toBe("failed");
    expect(empty.run.error_message).toContain("empty");
    expect(existsSync(join(s.dest, "a.txt"))).toBe(true);
    expect(existsSync(join(s.dest, "sub/b.txt"))).toBe(true);
  });

  test("a missing source fails a non-deleting run too, naming the folder", async () => {
    const s = await setup();
    rmSync(s.src, { recursive: true });
    const { run } = await s.run();
    expect(run.status).toBe("failed");
    expect(run.error_message).toContain(s.src);
  });

  test("a mount point that does not exist fails the run and is not created", async () => {
    const t = await authedApp();
    const src = tempDir();
    writeTree(src, { "f.txt": "x" });
    const mount = join(tempDir(), "unplugged");
    const job = (await t.api("POST", "/api/jobs", localJob([src], mount))).body;
    const r = await t.api("POST", `/api/jobs/${job.id}/run`);
    await t.services.engine.waitFor(r.body.run_id);
    const run = (await t.api("GET", `/api/runs/${r.body.run_id}`)).body;
    expect(run.status).toBe("failed");
    expect(run.error_message).toContain("does not exist");
    expect(existsSync(mount)).toBe(false);
  });

  test("rsync exit 23 (a file cannot replace a non-empty folder): failed, in words, other files still copied", async () => {
    const s = await setup({ "a.txt": "hello", "ok.txt": "fine" });
    writeTree(s.dest, { "a.txt/blocker": "a folder where the source has a file" });
    const { run, logs } = await s.run();
    expect(run.status).toBe("failed");
    expect(run.error_message).toStartWith("partial transfer: some files or attributes could not be transferred");
    expect(run.error_message).toContain("exit code 23");
    expect(readFileSync(join(s.dest, "ok.txt"), "utf8")).toBe("fine");
    expect(logs.some((l) => l.includes("a.txt") && /cannot delete|could not make way/.test(l))).toBe(true);
  });

  test("rsync missing from PATH: a clear failed run", async () => {
    const s = await setup();
    const saved = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      const { run } = await s.run();
      expect(run.status).toBe("failed");
      expect(run.error_message).toContain("rsync is not installed");
    } finally {
      process.env.PATH = saved;
    }
  });
});
