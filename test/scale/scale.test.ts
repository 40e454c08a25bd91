// Scale (issue 17) with generated data, on the real peers: what a big tree or a huge log must not
// do. Memory itself is measured by scripts/bench-scale (figures in the README); these tests pin
// the causes found there so they cannot come back:
//   - every SFTP request raced the connection's long-lived "lost" promise, which kept a reaction
//     (and the request's result) per call until the connection closed: ~190 MB per 100k files;
//   - store requests and fast comparisons make garbage JavaScriptCore does not collect on its
//     own (native buffers, a heap grown rather than collected), so the engine collects every
//     CALLS_PER_COLLECTION requests and every FILES_PER_YOUNG_COLLECTION files compared;
//   - a run log of 1,000,000 lines stores its cap and a count, and its pages stay readable.

import { heapStats } from "bun:jsc";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RemoteStore } from "../../src/destinations/contract.ts";
import { CALLS_PER_COLLECTION, collectingGarbage, collectionsMade, FILES_PER_YOUNG_COLLECTION } from "../../src/destinations/engine/garbage.ts";
import { s3Destination } from "../../src/destinations/s3/destination.ts";
import { sftpDestination } from "../../src/destinations/sftp/destination.ts";
import { RunEvents } from "../../src/runs/events.ts";
import { DEFAULT_LOG_CAP, RunLogWriter } from "../../src/runs/logs.ts";
import { testApp } from "../helpers/app.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { rclone, syncRequest, tempDir } from "../remote/harness.ts";
import { rcloneS3, S3_CREDENTIAL, S3_ENDPOINT, startS3Peer } from "../verify/peers.ts";

const FILES = 3000;
const TAG = `scale-${Date.now().toString(36)}`;

/** FILES one-byte files, 1,000 per folder, under <parent>/tree. */
function generatedTree(): string {
  const root = join(tempDir("scale-src"), "tree");
  for (let i = 0; i < FILES; i++) {
    const dir = join(root, `d${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}`), "x");
  }
  return root;
}

/** Starts the shared SFTP peer (scripts/peers/sftp.sh) unless it is up; never stops it. */
async function startSftpPeer() {
  const p = Bun.spawn(["bash", join(import.meta.dir, "../../scripts/peers/sftp.sh"), "start"], { stdout: "ignore", stderr: "pipe" });
  if ((await p.exited) !== 0) throw new Error(`scripts/peers/sftp.sh start failed: ${await new Response(p.stderr).text()}`);
}

/** Live Promise objects after a full collection. */
function livePromises(): number {
  Bun.gc(true);
  return heapStats().objectTypeCounts.Promise ?? 0;
}

describe("collectingGarbage (the store wrapper every remote store is opened through)", () => {
  test("passes results, rejections and `this` through, and collects once per CALLS_PER_COLLECTION calls", async () => {
    const inner = {
      key: "fake",
      n: 0,
      async put(this: { n: number }) {
        return { id: String(++this.n), mtime: null };
      },
      async remove(path: string) {
        if (path === "bad") throw new Error("refused");
      },
    };
    const store = collectingGarbage(inner as unknown as RemoteStore);
    expect(store.key).toBe("fake");
    const before = collectionsMade().afterCalls;
    for (let i = 0; i < CALLS_PER_COLLECTION * 2; i++) await store.put("p", null as never, null as never);
    expect(inner.n).toBe(CALLS_PER_COLLECTION * 2);
    expect(await store.put("p", null as never, null as never)).toEqual({ id: String(CALLS_PER_COLLECTION * 2 + 1), mtime: null });
    expect(store.remove("bad", null as never)).rejects.toThrow("refused");
    expect(collectionsMade().afterCalls - before).toBeGreaterThanOrEqual(2);
  });
});

describe("a 1,000,000-line run log", () => {
  test("stores the cap and one note; the logs API pages it by offset and the run page opens", async () => {
    const { ctx, client } = testApp();
    expect((await client.json("POST", "/api/auth/setup", { body: { username: "scale", password: "scale-password-123" } })).status).toBe(200);
    ctx.db.$client.run("INSERT INTO jobs (name, source_dirs, destination_type, destination_config, sync_options) VALUES ('scale', '[\"/tmp\"]', 'local', '{}', '{}')");
    const runId = (ctx.db.$client.query("INSERT INTO runs (job_id, status, trigger) VALUES (1, 'completed', 'manual') RETURNING id").get() as { id: number }).id;
    const w = new RunLogWriter(ctx.db, new RunEvents(), runId);
    for (let i = 0; i < 1_000_000; i++) {
      w.write("info", `transferred docs/file-${i}.txt`);
      if (i % 50_000 === 0) await Bun.sleep(0); // the writer flushes on a timer, as during a run
    }
    await w.close();
    const stored = DEFAULT_LOG_CAP + 1;
    const first = await client.json("GET", `/api/runs/${runId}/logs?limit=100&offset=0`);
    expect(first.status).toBe(200);
    expect(first.res.headers.get("x-total-count")).toBe(String(stored));
    const firstItems = (first.body.items ?? first.body) as { message: string }[];
    expect(firstItems[0]!.message).toBe("transferred docs/file-0.txt");
    const last = await client.json("GET", `/api/runs/${runId}/logs?limit=100&offset=${stored - 100}`);
    const lastItems = (last.body.items ?? last.body) as { message: string }[];
    expect(lastItems).toHaveLength(100);
    expect(lastItems[98]!.message).toBe(`transferred docs/file-${DEFAULT_LOG_CAP - 1}.txt`);
    expect(lastItems[99]!.message).toBe(`… log truncated, ${1_000_000 - DEFAULT_LOG_CAP} more line(s) not stored`);
    const page = await client.request("GET", `/runs/${runId}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("transferred docs/file-0.txt");
  }, 60_000);
});

const sftpReason = notRoot() ?? missingCommand("sshd", "rclone");

describeIf(sftpReason)(`a generated ${FILES}-file tree over SFTP (OpenSSH)`, () => {
  const remote = `data/${TAG}`;
  afterAll(() => rmSync(join("/tmp/peers/sftp/home/data", TAG), { recursive: true, force: true }));

  test("requests leave no promise behind while the connection lives, and the engine collects as it goes", async () => {
    await startSftpPeer();
    const src = generatedTree();
    const cfg = sftpDestination.parseConfig({ host: "127.0.0.1", port: 2222, username: "bkpsftp", remote_path: remote, key_based_auth: false });
    const req = syncRequest(cfg, { password: "bkpsftp-pass" }, [src], tempDir("scale-data"), { verbosity: "quiet" });
    // Sampled mid-run, with the connection open: before the fix ~3 more per file sent.
    let midRun = -1;
    const progress = req.report.progress.bind(req.report);
    req.report.progress = (d) => {
      progress(d);
      if (req.report.files === FILES - 500 && midRun < 0) midRun = livePromises();
    };
    const idle = livePromises();
    const before = collectionsMade();
    const first = await sftpDestination.sync!(req);
    expect(first.filesTransferred).toBe(FILES);
    expect(midRun).toBeGreaterThan(0);
    expect(midRun - idle).toBeLessThan(FILES / 4);
    const after = collectionsMade();
    expect(after.afterCalls - before.afterCalls).toBeGreaterThanOrEqual(Math.floor(FILES / CALLS_PER_COLLECTION) - 1);
    expect(after.afterFiles - before.afterFiles).toBeGreaterThanOrEqual(Math.floor(FILES / FILES_PER_YOUNG_COLLECTION));
    // And the tree arrived whole: rclone counts it on the server.
    const n = await rclone("size", "--json", join("/tmp/peers/sftp/home/data", TAG));
    expect(JSON.parse(n.out).count).toBe(FILES);
  }, 120_000);
});

const s3Reason = missingCommand("radosgw", "ceph-mon", "ceph-osd", "rclone") ?? notRoot();

describeIf(s3Reason)(`a generated ${FILES}-file tree to S3 (radosgw)`, () => {
  const bucket = TAG;
  afterAll(async () => {
    await rclone("purge", rcloneS3(S3_ENDPOINT, bucket));
  });

  test("the first sync counts its requests for collection; the no-change sync sends nothing", async () => {
    await startS3Peer();
    expect((await rclone("mkdir", rcloneS3(S3_ENDPOINT, bucket))).code).toBe(0);
    const src = generatedTree();
    const cfg = s3Destination.parseConfig({ bucket, prefix: "", region: "us-east-1", endpoint: S3_ENDPOINT });
    const dataDir = tempDir("scale-data");
    const before = collectionsMade().afterCalls;
    const first = await s3Destination.sync!(syncRequest(cfg, S3_CREDENTIAL, [src], dataDir, { verbosity: "quiet" }));
    expect(first.filesTransferred).toBe(FILES);
    expect(collectionsMade().afterCalls - before).toBeGreaterThanOrEqual(Math.floor(FILES / CALLS_PER_COLLECTION) - 1);
    const again = await s3Destination.sync!(syncRequest(cfg, S3_CREDENTIAL, [src], dataDir, { verbosity: "quiet" }));
    expect(again).toMatchObject({ filesTransferred: 0, filesDeleted: 0 });
  }, 180_000);
});
