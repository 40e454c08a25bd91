// Verify runs through the API and the real run engine: POST /api/jobs/:id/verify on local (real
// rsync), S3 (radosgw), SFTP (OpenSSH) and WebDAV (Apache) jobs; the run completes with 0
// differences after a backup and fails with "1 difference" naming the file once one object is
// changed on the server; files_checked and differences are on the run; bad input and a busy job
// are refused; a schedule with action "verify" starts a verify run.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { eq } from "drizzle-orm";
import { runs, schedules } from "../../src/db/schema.ts";
import { Scheduler } from "../../src/schedules/scheduler.ts";
import { authedApp, localJob, tempDir } from "../engine/fixtures.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { rclone, writeBigFile, writeTree } from "../remote/harness.ts";
import { ensurePeer, rcloneS3, S3_CREDENTIAL, S3_ENDPOINT, s3Client, startS3Peer } from "./peers.ts";

const RUN = Date.now().toString(36);
const MTIME_SEC = 1_700_000_000;
const TREE: Record<string, string> = {
  "Über/naïve café.txt": "crème brûlée, twice",
  "日本語/ファイル.txt": "こんにちは",
  "a/b/c/deep.txt": "deep down",
  "empty.txt": "",
  "keep.txt": "keep me",
};
const FILES = Object.keys(TREE).length + 1;
const CORRUPT = "Über/naïve café.txt";

type App = Awaited<ReturnType<typeof authedApp>>;

async function runToEnd(t: App, started: { status: number; body: any }) {
  expect(started.status).toBe(202);
  await t.services.engine.waitFor(started.body.run_id);
  const run = (await t.api("GET", `/api/runs/${started.body.run_id}`)).body;
  const logs = (await t.api("GET", `/api/runs/${started.body.run_id}/logs?limit=1000`)).body as { level: string; message: string }[];
  return { run, warnings: logs.filter((l) => l.level === "warning").map((l) => l.message), logs };
}

/** Every file under a folder with its size, mtime and content hash: what "changed nothing" compares. */
function treeState(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${relative(root, p)} ${st.size} ${st.mtimeMs} ${createHash("md5").update(readFileSync(p)).digest("hex")}`);
    }
  };
  walk(root);
  return out;
}

function sourceTree(withBig: boolean): Promise<string> | string {
  const src = join(tempDir("verify-src-"), "docs");
  writeTree(src, TREE, MTIME_SEC);
  if (!withBig) return src;
  return writeBigFile(join(src, "big/fifty.bin"), 50 * 1024 * 1024).then(() => {
    utimesSync(join(src, "big/fifty.bin"), MTIME_SEC, MTIME_SEC);
    return src;
  });
}

describeIf(missingCommand("rsync"))("verify a local job (real rsync)", () => {
  let t: App;
  let src: string;
  let mount: string;
  let jobId: number;
  const dest = () => join(mount, "backups", "docs");

  beforeAll(async () => {
    t = await authedApp();
    src = (await sourceTree(false)) as string;
    writeFileSync(join(src, "small.bin"), "0123456789");
    utimesSync(join(src, "small.bin"), MTIME_SEC, MTIME_SEC);
    mount = tempDir("verify-mnt-");
    jobId = (await t.api("POST", "/api/jobs", localJob([src], mount))).body.id;
    const backup = await runToEnd(t, await t.api("POST", `/api/jobs/${jobId}/run`));
    expect(backup.run.status).toBe("completed");
  });

  test("after a backup: completed, 0 differences, every file checked, nothing changed", async () => {
    const before = treeState(dest());
    const { run, warnings } = await runToEnd(t, await t.api("POST", `/api/jobs/${jobId}/verify`, {}));
    expect(run).toMatchObject({ kind: "verify", status: "completed", trigger: "manual", files_checked: FILES, differences: 0, error_message: null, files_transferred: 0 });
    expect(warnings).toEqual([]);
    expect(treeState(dest())).toEqual(before);
    const history = (await t.api("GET", `/api/jobs/${jobId}/runs`)).body;
    expect(history[0]).toMatchObject({ id: run.id, kind: "verify", files_checked: FILES, differences: 0 });
  });

  test("same size, same mtime, other bytes on the destination: 1 difference by checksum, run failed", async () => {
    const p = join(dest(), "small.bin");
    writeFileSync(p, "9876543210");
    utimesSync(p, MTIME_SEC, MTIME_SEC);
    const before = treeState(dest());
    const { run, warnings } = await runToEnd(t, await t.api("POST", `/api/jobs/${jobId}/verify`, { deep: false }));
    expect(run).toMatchObject({ kind: "verify", status: "failed", error_message: "1 difference", differences: 1, files_checked: FILES });
    expect(warnings).toEqual(["docs/small.bin: content differs (checksum)"]);
    expect(treeState(dest())).toEqual(before);
    writeFileSync(p, "0123456789");
    utimesSync(p, MTIME_SEC, MTIME_SEC);
  });

  test("missing, changed mtime, and an extra file only when the job deletes extraneous files", async () => {
    rmSync(join(dest(), "keep.txt"));
    utimesSync(join(dest(), "a/b/c/deep.txt"), MTIME_SEC + 3600, MTIME_SEC + 3600);
    writeFileSync(join(dest(), "stray.txt"), "not in the source");
    const keeping = await runToEnd(t, await t.api("POST", `/api/jobs/${jobId}/verify`));
    expect(keeping.run).toMatchObject({ status: "failed", error_message: "2 differences", differences: 2 });
    expect(keeping.warnings.sort()).toEqual(["docs/a/b/c/deep.txt: modification time differs", "docs/keep.txt: missing on the destination"]);

    const job = (await t.api("GET", `/api/jobs/${jobId}`)).body;
    expect((await t.api("PUT", `/api/jobs/${jobId}`, { ...localJob([src], mount), sync_options: { ...job.sync_options, delete_extraneous: true } })).status).toBe(200);
    const before = treeState(dest());
    const deleting = await runToEnd(t, await t.api("POST", `/api/jobs/${jobId}/verify`));
    expect(deleting.run).toMatchObject({ status: "failed", error_message: "3 differences", differences: 3 });
    expect(deleting.warnings.sort()).toEqual([
      "docs/a/b/c/deep.txt: modification time differs",
      "docs/keep.txt: missing on the destination",
      "docs/stray.txt: extra on the destination (not in the source; the job deletes extraneous files)",
    ]);
    // Verify deleted nothing, copied nothing.
    expect(treeState(dest())).toEqual(before);
  });

  test("bad input: deep must be a boolean (400 naming it); unknown job 404; no key 401", async () => {
    for (const deep of ["yes", 1, null]) {
      const r = await t.api("POST", `/api/jobs/${jobId}/verify`, { deep });
      expect(r.status).toBe(400);
      expect(r.body.error).toBeString();
      expect(r.body.message).toContain("deep");
    }
    // Not an object at all (Elysia would let these pass an all-optional object schema).
    for (const raw of ["[]", '"text"', "42", "null"]) {
      const res = await t.app.handle(new Request(`http://localhost/api/jobs/${jobId}/verify`, { method: "POST", headers: { "x-api-key": t.key, "content-type": "application/json" }, body: raw }));
      expect([raw, res.status]).toEqual([raw, 400]);
      expect((await res.json()).message).toBe("Request body must be a JSON object of the documented shape");
    }
    expect(t.services.engine.activeRun(jobId)).toBeNull();
    const anonymous = await t.app.handle(new Request(`http://localhost/api/jobs/${jobId}/verify`, { method: "POST", headers: { "content-type": "application/json" }, body: "[]" }));
    expect(anonymous.status).toBe(401);
    expect((await t.api("POST", "/api/jobs/999999/verify", {})).status).toBe(404);
    expect((await t.api("POST", "/api/jobs/abc/verify", {})).status).toBe(400);
    expect((await t.client.json("POST", `/api/jobs/${jobId}/verify`, { body: {} })).status).toBe(401);
  });

  test("409 while the job has an active run, of either kind", async () => {
    const backup = await t.api("POST", `/api/jobs/${jobId}/run`);
    expect(backup.status).toBe(202);
    const busy = await t.api("POST", `/api/jobs/${jobId}/verify`, {});
    expect(busy.status).toBe(409);
    expect(busy.body.message).toContain("already running");
    await t.services.engine.waitFor(backup.body.run_id);
    const verify = await t.api("POST", `/api/jobs/${jobId}/verify`, {});
    expect(verify.status).toBe(202);
    expect((await t.api("POST", `/api/jobs/${jobId}/run`)).status).toBe(409);
    await t.services.engine.waitFor(verify.body.run_id);
  });

  test("a schedule with action verify fires a verify run (fake clock)", async () => {
    const sched = await t.api("POST", `/api/jobs/${jobId}/schedules`, { schedule_type: "daily", hour: 3, minute: 0, action: "verify" });
    expect(sched.status).toBe(201);
    expect(sched.body.action).toBe("verify");
    const bad = await t.api("POST", `/api/jobs/${jobId}/schedules`, { schedule_type: "daily", hour: 3, action: "restore" });
    expect(bad.status).toBe(400);
    t.ctx.db.update(schedules).set({ createdAt: "2026-01-05T10:00:00.000Z" }).where(eq(schedules.id, sched.body.id)).run();
    let now = new Date("2026-01-05T12:00:00Z");
    const scheduler = new Scheduler(t.ctx, t.services.engine, { now: () => now, timers: false });
    scheduler.start();
    now = new Date("2026-01-06T03:00:01Z");
    scheduler.tick();
    const runId = t.services.engine.activeRun(jobId);
    expect(runId).not.toBeNull();
    await t.services.engine.waitFor(runId!);
    const row = t.ctx.db.select().from(runs).where(eq(runs.id, runId!)).get()!;
    expect(row).toMatchObject({ kind: "verify", trigger: "scheduled", scheduleId: sched.body.id });
    expect(row.filesChecked).toBe(FILES);
    await scheduler.stop();
    // Switching the schedule back to backup keeps the rest; leaving action out keeps it too.
    const put = await t.api("PUT", `/api/schedules/${sched.body.id}`, { schedule_type: "daily", hour: 3, minute: 0 });
    expect(put.body.action).toBe("verify");
    expect((await t.api("PUT", `/api/schedules/${sched.body.id}`, { schedule_type: "daily", hour: 3, minute: 0, action: "backup" })).body.action).toBe("backup");
  });
});

interface RemoteCase {
  label: string;
  prepare(): Promise<{ type: string; config: Record<string, unknown>; data: Record<string, string> }>;
  /** Same size, other bytes, mtime kept where the server keeps one. */
  corrupt(path: string, bytes: string): Promise<void>;
}

const stagedFile = (bytes: string) => {
  const p = join(tempDir("verify-stage-"), "f");
  writeFileSync(p, bytes);
  utimesSync(p, MTIME_SEC, MTIME_SEC);
  return p;
};

const onDisk = (base: string) => async (path: string, bytes: string) => {
  const abs = join(base, path);
  const st = statSync(abs);
  writeFileSync(abs, bytes);
  utimesSync(abs, st.atime, st.mtime);
};

const REMOTES: RemoteCase[] = [
  {
    label: "s3 (radosgw)",
    async prepare() {
      await startS3Peer();
      const c = s3Client();
      await c.send(new CreateBucketCommand({ Bucket: `verify-api-${RUN}` }));
      c.destroy();
      return { type: "s3", config: { bucket: `verify-api-${RUN}`, prefix: "jobs", region: "us-east-1", endpoint: S3_ENDPOINT }, data: S3_CREDENTIAL };
    },
    async corrupt(path, bytes) {
      const r = await rclone("copyto", "--ignore-times", stagedFile(bytes), rcloneS3(S3_ENDPOINT, `verify-api-${RUN}/jobs/${path}`));
      if (r.code !== 0) throw new Error(r.err);
    },
  },
  {
    label: "sftp (OpenSSH)",
    async prepare() {
      await ensurePeer("sftp");
      return { type: "sftp", config: { host: "127.0.0.1", port: 2222, username: "bkpsftp", remote_path: `data/verify-api-${RUN}`, key_based_auth: false }, data: { password: "bkpsftp-pass" } };
    },
    corrupt: onDisk(`/tmp/peers/sftp/home/data/verify-api-${RUN}`),
  },
  {
    label: "webdav (Apache)",
    async prepare() {
      await ensurePeer("webdav");
      return { type: "webdav", config: { url: "http://127.0.0.1:8080/dav/", remote_path: `/verify-api-${RUN}` }, data: { username: "bkpdav", password: "bkpdav-pass" } };
    },
    corrupt: onDisk(`/tmp/peers/webdav/data/verify-api-${RUN}`),
  },
];

describeIf(notRoot() ?? missingCommand("rclone", "radosgw"))("verify remote jobs through the API", () => {
  let src: string;
  beforeAll(async () => {
    src = await sourceTree(true);
  });
  afterAll(async () => {
    for (const base of [`/tmp/peers/sftp/home/data/verify-api-${RUN}`, `/tmp/peers/webdav/data/verify-api-${RUN}`]) rmSync(base, { recursive: true, force: true });
    await rclone("purge", rcloneS3(S3_ENDPOINT, `verify-api-${RUN}`));
  });

  for (const c of REMOTES) {
    test(`${c.label}: backup, verify 0 differences; one object rewritten on the server, deep verify fails naming it`, async () => {
      const t = await authedApp();
      const p = await c.prepare();
      const cred = await t.api("POST", "/api/credentials", { name: `verify ${p.type}`, provider_type: p.type, data: p.data });
      expect(cred.status).toBe(201);
      const job = await t.api("POST", "/api/jobs", {
        name: `verify ${p.type}`,
        source_dirs: [src],
        destination_type: p.type,
        destination_config: p.config,
        credential_id: cred.body.id,
        sync_options: {},
      });
      expect(job.status).toBe(201);
      const id = job.body.id;
      expect((await runToEnd(t, await t.api("POST", `/api/jobs/${id}/run`))).run.status).toBe("completed");

      const quick = await runToEnd(t, await t.api("POST", `/api/jobs/${id}/verify`, {}));
      expect(quick.run).toMatchObject({ kind: "verify", status: "completed", files_checked: FILES, differences: 0, error_message: null });
      expect(quick.warnings).toEqual([]);
      const deep = await runToEnd(t, await t.api("POST", `/api/jobs/${id}/verify`, { deep: true }));
      expect(deep.run).toMatchObject({ kind: "verify", status: "completed", files_checked: FILES, differences: 0 });
      expect(deep.run.bytes_transferred).toBe(50 * 1024 * 1024 + Object.values(TREE).reduce((n, s) => n + Buffer.byteLength(s), 0));

      await c.corrupt(`docs/${CORRUPT}`, "Z".repeat(Buffer.byteLength(TREE[CORRUPT]!)));
      const found = await runToEnd(t, await t.api("POST", `/api/jobs/${id}/verify`, { deep: true }));
      expect(found.run).toMatchObject({ kind: "verify", status: "failed", error_message: "1 difference", differences: 1, files_checked: FILES });
      expect(found.warnings.length).toBe(1);
      expect(found.warnings[0]).toStartWith(`docs/${CORRUPT}: content differs`);
      expect(found.logs.at(-1)!.message).toContain("1 difference");

      // Deep, under a bandwidth limit: the live counters show the files checked and the bytes read
      // so far while the 50 MB file is still being read back; cancel stops it.
      const body = { name: `verify ${p.type}`, source_dirs: [src], destination_type: p.type, destination_config: p.config, credential_id: cred.body.id, sync_options: { bandwidth_limit_kbps: 1024 } };
      expect((await t.api("PUT", `/api/jobs/${id}`, body)).status).toBe(200);
      const slow = await t.api("POST", `/api/jobs/${id}/verify`, { deep: true });
      expect(slow.status).toBe(202);
      let live: any = null;
      for (let i = 0; i < 600; i++) {
        live = (await t.api("GET", `/api/runs/${slow.body.run_id}`)).body;
        if (live.status === "running" && live.files_checked >= FILES - 1 && live.bytes_transferred > 0) break;
        await Bun.sleep(50);
      }
      expect(live).toMatchObject({ status: "running", kind: "verify", files_checked: FILES - 1 });
      expect(live.bytes_transferred).toBeGreaterThan(0);
      expect(live.bytes_transferred).toBeLessThan(50 * 1024 * 1024);
      expect((await t.api("POST", `/api/jobs/${id}/cancel`)).status).toBe(200);
      const cancelled = (await t.api("GET", `/api/runs/${slow.body.run_id}`)).body;
      expect(cancelled).toMatchObject({ status: "cancelled", kind: "verify" });
    }, 180_000);
  }
});
