// A run's child processes die with the server: own process group, recorded with the run while
// alive, the whole group stopped by engine.stop(), leftovers of a crashed process stopped by
// reconcile() before the run is marked interrupted. (The real kill -9 is in crash.test.ts.)
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { jobs, runChildren, runLogs, runs } from "../../src/db/schema.ts";
import { silentLogger } from "../../src/logger.ts";
import { Engine, INTERRUPTED_MESSAGE } from "../../src/runs/engine.ts";
import { RunEvents } from "../../src/runs/events.ts";
import { bootId, type ChildRecord, groupMembers, procStat, spawnChild, withChildOwner } from "../../src/system/children.ts";
import { runCommand } from "../../src/system/command.ts";
import { testContext } from "../helpers/app.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { tempDir, writeTree } from "./fixtures.ts";

async function until(cond: () => boolean, what: string, tries = 400) {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await Bun.sleep(25);
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** Alive means: exists and is not a zombie (a zombie has exited; only its parent has not reaped it). */
const alive = (pid: number) => {
  const s = procStat(pid);
  return s !== null && s.state !== "Z" && s.state !== "X";
};

function engineFor(ctx: ReturnType<typeof testContext>) {
  return new Engine({
    db: ctx.db,
    events: new RunEvents(),
    logger: silentLogger,
    secret: ctx.secret,
    dataDir: ctx.config.dataDir,
    allowedRoots: ctx.config.allowedBrowsePaths,
    maxRunsPerJob: () => 10,
  });
}

describeIf(missingCommand("rsync") ?? (procStat(process.pid) ? null : "needs /proc"))("child processes of runs", () => {
  test("rsync runs in its own process group, is recorded with the run, and engine.stop() kills the whole group", async () => {
    const ctx = testContext();
    const src = join(tempDir(), "big");
    // 8 MiB at 256 KiB/s: ~32 s of work, so rsync is busy when the engine stops.
    writeTree(src, { "blob.bin": randomBytes(8 * 1024 * 1024) });
    const jobId = ctx.db
      .insert(jobs)
      .values({ name: "big", sourceDirs: [src], destinationType: "local", destinationConfig: { mount_point: tempDir() }, syncOptions: { bandwidth_limit_kbps: 256 } })
      .returning()
      .get().id;
    const engine = engineFor(ctx);
    const runId = engine.start(jobId, { trigger: "manual" });

    const rows = () => ctx.db.select().from(runChildren).where(eq(runChildren.runId, runId)).all();
    // rsync forks a generator and a receiver: three processes in the group once it is copying.
    await until(() => rows().length === 1 && groupMembers(rows()[0]!.pid).length === 3, "rsync and its forks");
    const row = rows()[0]!;
    expect(row.command).toBe("rsync");
    const leader = procStat(row.pid)!;
    expect(leader.pgrp).toBe(row.pid);
    expect(leader.session).toBe(row.pid);
    expect(row.startTime).toBe(leader.startTime);
    expect(row.bootId).toBe(bootId());
    expect(procStat(process.pid)!.pgrp).not.toBe(row.pid);
    const members = groupMembers(row.pid);

    await engine.stop();
    expect(groupMembers(row.pid)).toEqual([]);
    expect(members.filter(alive)).toEqual([]);
    const run = ctx.db.select().from(runs).where(eq(runs.id, runId)).get()!;
    expect(run.status).toBe("failed");
    expect(run.errorMessage).toBe("interrupted by server shutdown");
    expect(rows()).toEqual([]);
  }, 30_000);

  test("system commands run inside a run (mount, blkid, ...) are its children too, in their own group", async () => {
    const seen: { added: ChildRecord[]; removed: ChildRecord[]; pgrp: number | null } = { added: [], removed: [], pgrp: null };
    const owner = {
      added: (c: ChildRecord) => {
        seen.added.push(c);
        seen.pgrp = procStat(c.pid)?.pgrp ?? null;
      },
      removed: (c: ChildRecord) => seen.removed.push(c),
    };
    // Across awaits, as deep in the sync as automount calls it.
    const res = await withChildOwner(owner, async () => {
      await Bun.sleep(1);
      return runCommand(["sh", "-c", "echo ok"]);
    });
    expect(res).toMatchObject({ code: 0, stdout: "ok\n" });
    expect(seen.added).toHaveLength(1);
    expect(seen.added[0]).toMatchObject({ command: "sh", bootId: bootId() });
    expect(seen.pgrp).toBe(seen.added[0]!.pid);
    await until(() => seen.removed.length === 1, "the exit to be reported");
    // Outside an owner nothing is reported.
    await runCommand(["true"]);
    expect(seen.added).toHaveLength(1);
  });

  test("a completed run leaves no recorded children", async () => {
    const ctx = testContext();
    const src = tempDir();
    writeTree(src, { "a.txt": "a" });
    const jobId = ctx.db
      .insert(jobs)
      .values({ name: "small", sourceDirs: [src], destinationType: "local", destinationConfig: { mount_point: tempDir() }, syncOptions: {} })
      .returning()
      .get().id;
    const engine = engineFor(ctx);
    const runId = engine.start(jobId, { trigger: "manual" });
    await engine.waitFor(runId);
    expect(ctx.db.select().from(runs).where(eq(runs.id, runId)).get()!.status).toBe("completed");
    // The row goes when Bun has reaped the child, which may be just after the run's end.
    await until(() => ctx.db.select().from(runChildren).all().length === 0, "the child's row to go");
  });

  test("reconcile() kills a recorded group that is still the same process before marking the run failed; a reused pid is left alone", async () => {
    const ctx = testContext();
    const jobId = ctx.db
      .insert(jobs)
      .values({ name: "j", sourceDirs: ["/x"], destinationType: "local", destinationConfig: {}, syncOptions: {} })
      .returning()
      .get().id;
    const runId = ctx.db.insert(runs).values({ jobId, status: "running", trigger: "manual", startedAt: new Date().toISOString() }).returning().get().id;
    // What a crashed server leaves: a process group (a shell and a child of it), recorded.
    const leftover = spawnChild(["sh", "-c", "sleep 600 & sleep 600; wait"], { env: { PATH: process.env.PATH } });
    // A process whose pid was recorded with another start time: the kernel gave the pid to
    // something else, which must survive.
    const stranger = spawnChild(["sleep", "600"], { env: { PATH: process.env.PATH } });
    try {
      await until(() => groupMembers(leftover.pid).length === 3, "the leftover group");
      const start = procStat(leftover.pid)!.startTime;
      ctx.db.insert(runChildren).values({ runId, pid: leftover.pid, startTime: start, bootId: bootId(), command: "rsync" }).run();
      ctx.db
        .insert(runChildren)
        .values({ runId, pid: stranger.pid, startTime: procStat(stranger.pid)!.startTime + 1, bootId: bootId(), command: "rsync" })
        .run();
      const members = groupMembers(leftover.pid);

      expect(engineFor(ctx).reconcile()).toBe(1);
      expect(members.filter(alive)).toEqual([]);
      expect(alive(stranger.pid)).toBe(true);
      const run = ctx.db.select().from(runs).where(eq(runs.id, runId)).get()!;
      expect(run.status).toBe("failed");
      expect(run.errorMessage).toBe(INTERRUPTED_MESSAGE);
      const logs = ctx.db.select().from(runLogs).where(eq(runLogs.runId, runId)).all();
      expect(logs.map((l) => [l.level, l.message])).toEqual([["warning", `rsync (pid ${leftover.pid}) left running by the previous server process was stopped`]]);
      expect(ctx.db.select().from(runChildren).all()).toEqual([]);
      expect(await leftover.exited).not.toBe(0);
    } finally {
      leftover.kill("SIGKILL");
      stranger.kill("SIGKILL");
    }
  });

  test("a record from another boot is not touched", async () => {
    const ctx = testContext();
    const jobId = ctx.db
      .insert(jobs)
      .values({ name: "j", sourceDirs: ["/x"], destinationType: "local", destinationConfig: {}, syncOptions: {} })
      .returning()
      .get().id;
    const runId = ctx.db.insert(runs).values({ jobId, status: "running", trigger: "manual" }).returning().get().id;
    const proc = spawnChild(["sleep", "600"], { env: { PATH: process.env.PATH } });
    try {
      ctx.db
        .insert(runChildren)
        .values({ runId, pid: proc.pid, startTime: procStat(proc.pid)!.startTime, bootId: "another-boot", command: "rsync" })
        .run();
      expect(engineFor(ctx).reconcile()).toBe(1);
      expect(alive(proc.pid)).toBe(true);
      expect(ctx.db.select().from(runChildren).all()).toEqual([]);
    } finally {
      proc.kill("SIGKILL");
    }
  });
});

describe("child records without /proc data", () => {
  test("a record with no start time cannot be verified and is not killed", async () => {
    const ctx = testContext();
    const jobId = ctx.db
      .insert(jobs)
      .values({ name: "j", sourceDirs: ["/x"], destinationType: "local", destinationConfig: {}, syncOptions: {} })
      .returning()
      .get().id;
    const runId = ctx.db.insert(runs).values({ jobId, status: "pending", trigger: "manual" }).returning().get().id;
    const proc = spawnChild(["sleep", "600"], { env: { PATH: process.env.PATH } });
    try {
      ctx.db.insert(runChildren).values({ runId, pid: proc.pid, startTime: null, bootId: null, command: "rsync" }).run();
      expect(engineFor(ctx).reconcile()).toBe(1);
      expect(proc.exitCode).toBeNull();
      expect(proc.signalCode).toBeNull();
    } finally {
      proc.kill("SIGKILL");
    }
  });
});
