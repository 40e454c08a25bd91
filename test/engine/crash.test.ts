// A real server stopped during a real rsync run, gracefully (SIGTERM) and not (SIGKILL): the
// rsync it started must not go on writing. After a SIGKILL the restarted server (same data
// folder) stops the recorded rsync group before it marks the run "interrupted by restart".
import { afterAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { INTERRUPTED_MESSAGE } from "../../src/runs/engine.ts";
import { procStat } from "../../src/system/children.ts";
import { freePort, ROOT, type RunningBinary, startServer } from "../binary/process.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { localJob, writeTree } from "./fixtures.ts";

const alive = (pid: number) => {
  const s = procStat(pid);
  return s !== null && s.state !== "Z" && s.state !== "X";
};

function rsyncPids(marker: string): number[] {
  const out = Bun.spawnSync(["pgrep", "-f", `rsync .*${marker}`])
    .stdout.toString()
    .trim();
  return out ? out.split("\n").map(Number) : [];
}

/** Every file under root (hidden temp files included) with its size. */
function snapshot(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(root, p)] = statSync(p).size;
    }
  };
  walk(root);
  return out;
}

async function until(cond: () => boolean | Promise<boolean>, what: string, tries = 400) {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await Bun.sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

const servers: RunningBinary[] = [];
const roots: string[] = [];
// Servers first, folders after: a live server (and Bun's cache in its HOME) still writes there.
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/**
 * A temp root (allowed browse path) with a source of 8 MiB, copied at 256 KiB/s (~32 s, far
 * longer than any of these tests needs), a real server on it, an admin, an API key and the job.
 */
async function scenario() {
  const root = mkdtempSync(join(tmpdir(), "dm-crash-"));
  roots.push(root);
  const data = join(root, "data");
  const src = join(root, "src");
  const mount = join(root, "dest");
  mkdirSync(mount);
  writeTree(src, { "blob.bin": randomBytes(8 * 1024 * 1024), "small.txt": "small" });
  const start = async () => {
    const port = freePort();
    const s = await startServer([process.execPath, join(ROOT, "src/main.ts"), "serve", "--data", data, "--port", String(port), "--host", "127.0.0.1", "--allowed-browse-paths", root], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: root, TZ: "UTC" },
      port,
    });
    servers.push(s);
    return s;
  };
  const server = await start();
  const json = { "content-type": "application/json", origin: server.url };
  const setup = await fetch(server.url + "/api/auth/setup", { method: "POST", headers: json, body: JSON.stringify({ username: "admin", password: "crash-test-pass-1" }) });
  expect(setup.status).toBe(200);
  const cookie = setup.headers
    .getSetCookie()
    .find((c) => c.startsWith("token="))!
    .split(";")[0]!;
  const keyRes = await fetch(server.url + "/api/auth/api-keys", { method: "POST", headers: { ...json, cookie }, body: JSON.stringify({ name: "crash", scope: "write" }) });
  const key = ((await keyRes.json()) as { key: string }).key;
  const api = async (url: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, { method, headers: { "content-type": "application/json", "x-api-key": key }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const created = await api(server.url, "POST", "/api/jobs", localJob([src], mount, { sync_options: { bandwidth_limit_kbps: 256 } }));
  expect(created.status).toBe(201);
  const jobId: number = created.body.id;
  /** Starts the job and waits until rsync is copying: its forks are up, its temp file is there. */
  const runUntilCopying = async (url: string) => {
    const run = await api(url, "POST", `/api/jobs/${jobId}/run`);
    expect(run.status).toBe(202);
    await until(() => rsyncPids(mount).length === 3, "rsync and its forks");
    await until(() => Object.keys(snapshot(mount)).some((f) => f.includes(".blob.bin.")), "rsync to write");
    return { runId: run.body.run_id as number, pids: rsyncPids(mount) };
  };
  return { mount, start, server, api, jobId, runUntilCopying };
}

describeIf(missingCommand("rsync", "pgrep") ?? (procStat(process.pid) ? null : "needs /proc"))("a run's rsync dies with the server", () => {
  test("SIGTERM: the server stops rsync's group before it exits; the run is failed, interrupted by shutdown", async () => {
    const { mount, start, server, api, runUntilCopying } = await scenario();
    const { runId, pids } = await runUntilCopying(server.url);
    await server.stop();
    expect(server.proc.exitCode).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
    expect(Object.keys(snapshot(mount)).filter((f) => f.includes(".blob.bin."))).toEqual([]);
    const again = await start();
    expect((await api(again.url, "GET", `/api/runs/${runId}`)).body).toMatchObject({ status: "failed", error_message: "interrupted by server shutdown" });
  }, 90_000);

  test("SIGKILL: the restarted server kills the old rsync group, then marks the run interrupted; the destination stops changing", async () => {
    const { mount, start, server: first, api, jobId, runUntilCopying } = await scenario();
    const { runId, pids } = await runUntilCopying(first.url);

    first.proc.kill("SIGKILL");
    await first.proc.exited;
    // The crash alone does not stop rsync (what the audit saw): it is still copying.
    expect(pids.filter(alive)).toEqual(pids);

    const server = await start();
    // Start-up is over once the server answers: the old rsync is gone, and only then was the run failed.
    expect(pids.filter(alive)).toEqual([]);
    expect(rsyncPids(mount)).toEqual([]);
    const after = await api(server.url, "GET", `/api/runs/${runId}`);
    expect(after.body).toMatchObject({ status: "failed", error_message: INTERRUPTED_MESSAGE });
    const logs = await api(server.url, "GET", `/api/runs/${runId}/logs?level=warning`);
    expect(logs.body.map((l: any) => l.message)).toContainEqual(expect.stringMatching(/^rsync \(pid \d+\) left running by the previous server process was stopped$/));

    // Nothing writes there any more: rsync removed its temp file on SIGTERM, and a pause later
    // the tree is exactly the same.
    const before = snapshot(mount);
    expect(Object.keys(before).filter((f) => f.includes(".blob.bin."))).toEqual([]);
    await Bun.sleep(1500);
    expect(snapshot(mount)).toEqual(before);

    // The job can run again, on its own.
    const again = await runUntilCopying(server.url);
    expect(again.runId).not.toBe(runId);
    expect((await api(server.url, "POST", `/api/jobs/${jobId}/cancel`)).status).toBe(200);
  }, 90_000);
});
