// Bad input to browse, download and restore, and the run-level guards: paths that would leave
// the destination root, targets outside the allowed folders or in the data folder, a restore
// while the job runs (409, whatever the kind), a file missing from the store (a warning line; the
// run goes on and fails at the end naming it), a file that vanishes between listing and reading,
// and a symbolic link in the target that would lead a write outside it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { jobs } from "../../src/db/schema.ts";
import { LocalStore } from "../../src/destinations/local/store.ts";
import { UploadRecord } from "../../src/restore/queries.ts";
import { restoreFromStore } from "../../src/restore/remote.ts";
import { currentTree, type Selector } from "../../src/restore/select.ts";
import { TargetMap } from "../../src/restore/target.ts";
import { authedApp, tempDir, writeTree } from "../engine/fixtures.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { RecordingReporter } from "../remote/harness.ts";
import { createJob, finished, storeTarget, writeRandom } from "./helpers.ts";

describeIf(missingCommand("rsync"))("restore guards (local destination, real rsync)", () => {
  let t: Awaited<ReturnType<typeof authedApp>>;
  let jobId: number;
  const base = tempDir("dm-rguard-");
  const source = join(base, "docs");
  const disk = join(base, "disk");

  beforeAll(async () => {
    t = await authedApp();
    mkdirSync(disk);
    writeTree(source, { "a.txt": "alpha", "sub/b.txt": "beta" });
    await writeRandom(join(source, "big.bin"), 8 * 1024 * 1024);
    jobId = await createJob(t.api, await storeTarget("local", "guards", disk), [source]);
    const r = await finished(t, (await t.api("POST", `/api/jobs/${jobId}/run`)).body.run_id);
    expect(r.run.status).toBe("completed");
  });

  afterAll(async () => {
    await t?.services.stop();
    rmSync(base, { recursive: true, force: true });
  });

  const bad = async (method: string, path: string, body?: unknown) => {
    const r = await t.api(method, path, body);
    return { status: r.status, error: r.body.error, message: r.body.message as string };
  };

  test("browse and download refuse '..', absolute paths and NUL, naming `path`", async () => {
    for (const [p, why] of [
      ["../etc", "must not contain '..'"],
      ["docs/../../x", "must not contain '..'"],
      ["/etc/passwd", "must be relative to the destination root (no leading '/')"],
      ["docs/a%00.txt", "must not contain a NUL character"],
    ] as const) {
      for (const route of ["files", "files/download"]) {
        const r = await bad("GET", `/api/jobs/${jobId}/${route}?path=${p.replace("/../", "/..%2F")}`);
        expect({ p, route, ...r }).toEqual({ p, route, status: 400, error: "Invalid request", message: `Query parameter 'path' ${why}` });
      }
    }
    expect((await bad("GET", `/api/jobs/${jobId}/files/download?path=`)).status).toBe(400);
    expect((await bad("GET", `/api/jobs/${jobId}/files/download`)).status).toBe(400);
    expect((await bad("GET", `/api/jobs/${jobId}/files?limit=0`)).message).toContain("'limit'");
    expect((await bad("GET", "/api/jobs/999/files")).status).toBe(404);
    expect((await bad("GET", "/api/jobs/999/files/download?path=docs/a.txt")).status).toBe(404);
  });

  test("restore refuses bad paths (naming paths.N), targets outside the allowed folders or in the data folder (naming target), a bad policy", async () => {
    const ok = { target: { folder: join(base, "out") }, overwrite: "never" };
    expect(await bad("POST", `/api/jobs/${jobId}/restore`, { ...ok, paths: ["docs/a.txt", "../x"] })).toEqual({
      status: 400,
      error: "Invalid request",
      message: "Field 'paths.1' must not contain '..'",
    });
    expect((await bad("POST", `/api/jobs/${jobId}/restore`, { ...ok, paths: ["/docs"] })).message).toBe("Field 'paths.0' must be relative to the destination root (no leading '/')");
    expect((await bad("POST", `/api/jobs/${jobId}/restore`, { ...ok, paths: ["do\0cs"] })).message).toBe("Field 'paths.0' must not contain a NUL character");
    const outside = await bad("POST", `/api/jobs/${jobId}/restore`, { target: { folder: "/etc" }, overwrite: "never" });
    expect(outside.status).toBe(400);
    expect(outside.message).toStartWith("Field 'target' must be inside the allowed folders");
    const data = await bad("POST", `/api/jobs/${jobId}/restore`, { target: { folder: join(t.ctx.config.dataDir, "x") }, overwrite: "never" });
    expect(data.status).toBe(400);
    expect(data.message).toStartWith("Field 'target' must not be Dynamight's data folder or inside it");
    expect((await bad("POST", `/api/jobs/${jobId}/restore`, { target: { folder: "relative/x" }, overwrite: "never" })).message).toBe("Field 'target.folder' must be an absolute path");
    const policy = await bad("POST", `/api/jobs/${jobId}/restore`, { target: "original", overwrite: "sometimes" });
    expect(policy.status).toBe(400);
    expect(policy.message).toContain("overwrite");
    expect((await bad("POST", `/api/jobs/${jobId}/restore`, { overwrite: "never" })).message).toContain("target");
    expect((await bad("POST", "/api/jobs/999/restore", ok)).status).toBe(404);
    // Nothing was started by any of these.
    expect((await t.api("GET", `/api/jobs/${jobId}/runs`)).body.map((r: any) => r.kind)).toEqual(["backup"]);
  });

  test("one run per job whatever its kind: while a restore runs, a backup and another restore are 409; cancel leaves no half-written file", async () => {
    t.ctx.db
      .update(jobs)
      .set({ syncOptions: { bandwidth_limit_kbps: 512 } })
      .where(eq(jobs.id, jobId))
      .run();
    const into = join(base, "slow");
    const restore = await t.api("POST", `/api/jobs/${jobId}/restore`, { target: { folder: into }, overwrite: "always" });
    expect(restore.status).toBe(202);
    const again = await bad("POST", `/api/jobs/${jobId}/run`);
    expect(again.status).toBe(409);
    expect((await bad("POST", `/api/jobs/${jobId}/restore`, { target: { folder: into }, overwrite: "always" })).status).toBe(409);
    const live = (await t.api("GET", `/api/runs/${restore.body.run_id}`)).body;
    expect(live.kind).toBe("restore");
    expect(["pending", "running"]).toContain(live.status);
    // Cancel: rsync stops and removes its temporary file; no big.bin under its real name, half written.
    await Bun.sleep(500);
    expect((await t.api("POST", `/api/jobs/${jobId}/cancel`)).status).toBe(200);
    const f = await finished(t, restore.body.run_id);
    expect(f.run.status).toBe("cancelled");
    const big = join(into, "docs", "big.bin");
    expect(existsSync(big)).toBe(false);
    const left = existsSync(join(into, "docs")) ? readdirSync(join(into, "docs")).filter((n) => n.startsWith(".big.bin")) : [];
    expect(left).toEqual([]);
    t.ctx.db.update(jobs).set({ syncOptions: {} }).where(eq(jobs.id, jobId)).run();
  }, 60_000);

  test("a path not in the store is a warning; the other files are restored and the run fails naming it", async () => {
    const into = join(base, "partial");
    const s = await t.api("POST", `/api/jobs/${jobId}/restore`, { paths: ["docs/a.txt", "docs/gone.txt", "docs/sub"], target: { folder: into }, overwrite: "never" });
    const f = await finished(t, s.body.run_id);
    expect(f.run.status).toBe("failed");
    expect(f.run.error_message).toBe("1 file(s) could not be restored: docs/gone.txt");
    expect(f.logs.some((l) => l.level === "warning" && l.message.startsWith("docs/gone.txt: not in the destination"))).toBe(true);
    expect(readFileSync(join(into, "docs/a.txt"), "utf8")).toBe("alpha");
    expect(readFileSync(join(into, "docs/sub/b.txt"), "utf8")).toBe("beta");
  });

  test("streaming restore: a file that vanishes after the listing is a warning and a failure; a symbolic link in the target is never followed", async () => {
    const store = new LocalStore(join(disk, "backups"));
    const into = join(base, "streamed");
    mkdirSync(join(into, "docs"), { recursive: true });
    const outside = join(base, "outside");
    mkdirSync(outside);
    symlinkSync(outside, join(into, "docs", "sub"));
    // Lists the store, then deletes a.txt before the restore reads it (a race made certain).
    const racing: Selector = async function* (s, paths, signal, missing) {
      for await (const f of currentTree(s, paths, signal, missing)) {
        if (f.logical === "docs/a.txt") unlinkSync(join(disk, "backups", "docs", "a.txt"));
        yield f;
      }
    };
    const report = new RecordingReporter();
    const record = new UploadRecord(t.ctx.db, t.ctx.config.dataDir);
    const tally = await restoreFromStore({
      record,
      store,
      select: racing,
      paths: ["docs"],
      targets: new TargetMap({ kind: "folder", folder: into }, { allowedBrowsePaths: [base], dataDir: t.ctx.config.dataDir }),
      overwrite: "always",
      options: {
        delete_extraneous: false,
        exclude_patterns: [],
        bandwidth_limit_kbps: null,
        dry_run: false,
        verbosity: "normal",
        exclude_dirs: [],
        provider_options: null,
        space_check: "none",
        keep_versions_days: null,
      },
      report,
      signal: new AbortController().signal,
    });
    record.close();
    expect(tally.failed.map((f) => f.path).sort()).toEqual(["docs/a.txt", "docs/sub/b.txt"]);
    expect(tally.failed.find((f) => f.path === "docs/a.txt")!.why).toBe("vanished from the destination since it was listed");
    expect(tally.failed.find((f) => f.path === "docs/sub/b.txt")!.why).toContain("is a symbolic link, not a folder");
    expect(existsSync(join(outside, "b.txt"))).toBe(false);
    expect(tally.restored).toBe(1); // big.bin
    expect(report.lines.filter((l) => l.level === "warning").length).toBe(2);
  });
});
