// Run lifecycle: one run per job, cancel (the rsync process is gone), SIGKILL escalation,
// start-up reconciliation and retention.
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { count, eq } from "drizzle-orm";
import { jobs, runLogs, runs } from "../../src/db/schema.ts";
import { DestinationError } from "../../src/destinations/contract.ts";
import { runRsync } from "../../src/destinations/local/destination.ts";
import { DEFAULT_SYNC_OPTIONS } from "../../src/jobs/sync-options.ts";
import { silentLogger } from "../../src/logger.ts";
import { Engine, INTERRUPTED_MESSAGE } from "../../src/runs/engine.ts";
import { RunEvents } from "../../src/runs/events.ts";
import { updateSettings } from "../../src/settings/service.ts";
import { testContext } from "../helpers/app.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { authedApp, localJob, tempDir, writeTree } from "./fixtures.ts";

function processesMatching(text: string): number[] {
  const out = Bun.spawnSync(["pgrep", "-f", text]).stdout.toString().trim();
  return out ? out.split("\n").map(Number) : [];
}

async function until(cond: () => boolean | Promise<boolean>, what: string, tries = 200) {
  for (let i = 0; i < tries; i++) {
    if (await cond()) return;
    await Bun.sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

describeIf(missingCommand("rsync", "pgrep"))("run lifecycle with real rsync", () => {
  test("a second run answers 409; cancel stops rsync and records cancelled", async () => {
    const t = await authedApp();
    const src = join(tempDir(), "big");
    // 4 MiB at 256 KiB/s: rsync is still busy for ~16 s unless cancelled.
    writeTree(src, { "blob.bin": randomBytes(4 * 1024 * 1024) });
    const mount = tempDir();
    const job = (await t.api("POST", "/api/jobs", localJob([src], mount, { sync_options: { bandwidth_limit_kbps: 256 } }))).body;
    const started = await t.api("POST", `/api/jobs/${job.id}/run`);
    expect(started.status).toBe(202);
    const runId = started.body.run_id;

    const second = await t.api("POST", `/api/jobs/${job.id}/run`);
    expect(second.status).toBe(409);
    expect(second.body.error).toBe("Conflict");

    await until(() => processesMatching(mount).length > 0, "rsync to start");
    expect((await t.api("GET", `/api/jobs/${job.id}`)).body.active_run_id).toBe(runId);
    expect((await t.api("DELETE", `/api/runs/${runId}`)).status).toBe(409);
    expect((await t.api("DELETE", `/api/jobs/${job.id}`)).status).toBe(409);

    const cancel = await t.api("POST", `/api/jobs/${job.id}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual({ message: "Job cancelled" });
    const run = (await t.api("GET", `/api/runs/${runId}`)).body;
    expect(run.status).toBe("cancelled");
    expect(run.completed_at).toBeString();
    expect(processesMatching(mount)).toEqual([]);
    expect((await t.api("POST", `/api/jobs/${job.id}/cancel`)).status).toBe(409);
    expect((await t.api("GET", `/api/jobs/${job.id}`)).body.last_run).toMatchObject({ id: runId, status: "cancelled" });
  });

  test("a process that ignores SIGTERM is killed (SIGKILL after the grace period)", async () => {
    const marker = `dm-stubborn-${crypto.randomUUID()}`;
    const controller = new AbortController();
    const lines: string[] = [];
    const running = runRsync({
      rsync: "/bin/sh",
      // The marker is the shell's $0, so pgrep finds it; the loop keeps the shell itself alive.
      args: ["-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done", marker],
      label: "x",
      options: { ...DEFAULT_SYNC_OPTIONS, verbosity: "verbose" },
      report: { log: (_l, m) => lines.push(m), progress: () => {} },
      signal: controller.signal,
    });
    await until(() => lines.includes("ready") && processesMatching(marker).length > 0, "the stubborn process");
    controller.abort();
    const err = await running.catch((e) => e);
    expect(err).toBeInstanceOf(DestinationError);
    expect(err.kind).toBe("cancelled");
    expect(processesMatching(marker)).toEqual([]);
  }, 15_000);
});

describeIf(missingCommand("rsync"))("log cap in a real run", () => {
  test("lines past the cap are not stored, the counters still count every file", async () => {
    const ctx = testContext();
    const src = join(tempDir(), "many");
    writeTree(src, Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}.txt`, "x"])));
    const jobId = ctx.db
      .insert(jobs)
      .values({ name: "many", sourceDirs: [src], destinationType: "local", destinationConfig: { mount_point: tempDir() }, syncOptions: {} })
      .returning()
      .get().id;
    const engine = new Engine({
      db: ctx.db,
      events: new RunEvents(),
      logger: silentLogger,
      secret: ctx.secret,
      dataDir: ctx.config.dataDir,
      allowedRoots: ctx.config.allowedBrowsePaths,
      maxRunsPerJob: () => 10,
      logCap: 10,
    });
    const runId = engine.start(jobId, { trigger: "manual" });
    await engine.waitFor(runId);
    const run = ctx.db.select().from(runs).where(eq(runs.id, runId)).get()!;
    expect(run.status).toBe("completed");
    expect(run.filesTransferred).toBe(30);
    const messages = ctx.db
      .select()
      .from(runLogs)
      .where(eq(runLogs.runId, runId))
      .all()
      .map((l) => l.message);
    expect(messages.length).toBeLessThan(16);
    expect(messages.some((m) => /^… log truncated, \d+ more line\(s\) not stored$/.test(m))).toBe(true);
    expect(messages.at(-1)).toStartWith("Completed in");
  });
});

describe("start-up reconciliation", () => {
  test("runs left pending or running become failed, interrupted by restart; finished ones stay", () => {
    const ctx = testContext();
    const jobId = ctx.db
      .insert(jobs)
      .values({ name: "j", sourceDirs: ["/x"], destinationType: "local", destinationConfig: {}, syncOptions: {} })
      .returning()
      .get().id;
    const ids = (["running", "pending", "completed"] as const).map(
      (status) => ctx.db.insert(runs).values({ jobId, status, trigger: "manual", startedAt: new Date().toISOString() }).returning().get().id,
    );
    const engine = new Engine({
      db: ctx.db,
      events: new RunEvents(),
      logger: silentLogger,
      secret: ctx.secret,
      dataDir: ctx.config.dataDir,
      allowedRoots: ctx.config.allowedBrowsePaths,
      maxRunsPerJob: () => 10,
    });
    expect(engine.reconcile()).toBe(2);
    const rows = ids.map((id) => ctx.db.select().from(runs).where(eq(runs.id, id)).get()!);
    expect(rows.map((r) => r.status)).toEqual(["failed", "failed", "completed"]);
    expect(rows[0]!.errorMessage).toBe(INTERRUPTED_MESSAGE);
    expect(rows[0]!.completedAt).toBeString();
    expect(rows[2]!.errorMessage).toBeNull();
  });
});

describeIf(missingCommand("rsync"))("retention", () => {
  test("only max_runs_per_job runs are kept, oldest pruned with their logs", async () => {
    const t = await authedApp();
    updateSettings(t.ctx.db, { max_runs_per_job: 2 });
    const src = tempDir();
    writeTree(src, { "f.txt": "x" });
    const job = (await t.api("POST", "/api/jobs", localJob([src], tempDir()))).body;
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.api("POST", `/api/jobs/${job.id}/run`);
      await t.services.engine.waitFor(r.body.run_id);
      ids.push(r.body.run_id);
    }
    const list = await t.api("GET", `/api/jobs/${job.id}/runs`);
    expect(list.body.map((r: any) => r.id)).toEqual([ids[2], ids[1]]);
    expect(list.res.headers.get("x-total-count")).toBe("2");
    const orphanLogs = t.ctx.db.select({ n: count() }).from(runLogs).where(eq(runLogs.runId, ids[0]!)).get()!.n;
    expect(orphanLogs).toBe(0);
    expect((await t.api("GET", `/api/runs/${ids[0]}`)).status).toBe(404);
  });
});
