// The run engine runs any kind with the backup's machinery: a body passed per start or registered
// for a kind (how verify plugs in), 400 for a kind without a body, the kind on the run row, the
// events and the API, a body's `failed` failing the run with its counters kept, a throw failing
// it, an abort cancelling it, and one run per job whatever the kind.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../../src/runs/engine.ts";
import type { RunBody } from "../../src/runs/engine-types.ts";
import type { RunEvent } from "../../src/runs/events.ts";
import { authedApp, tempDir } from "../engine/fixtures.ts";
import { createJob, finished, storeTarget } from "./helpers.ts";

const t = await authedApp();
afterAll(() => t.services.stop());
const engine = t.services.engine as Engine;
const base = tempDir("dm-kinds-");
mkdirSync(join(base, "disk"));
mkdirSync(join(base, "src"));
writeFileSync(join(base, "src", "a.txt"), "a");
const jobId = await createJob(t.api, await storeTarget("local", "kinds", join(base, "disk")), [join(base, "src")]);
const events: RunEvent[] = [];
t.services.events.subscribe((e) => events.push(e));

test("a kind without a body is a 400; a registered body runs for starts that bring none", async () => {
  // verify has its body registered by createServices (src/verify/): restore brings one per start.
  expect(() => engine.start(jobId, { trigger: "manual", kind: "restore" })).toThrow("Runs of kind 'restore' are not built in this version");
  const seen: string[] = [];
  const body: RunBody = async (ctx) => {
    seen.push(ctx.job.name, ctx.destination.type);
    const files = await ctx.withStore(async (store) => {
      const out: string[] = [];
      for await (const e of store.list("", ctx.signal)) out.push(e.path);
      return out;
    });
    ctx.report.log("warning", "src/a.txt: differs");
    return { filesTransferred: 0, bytesTransferred: 0, filesChecked: 3, differences: 1, failed: "1 difference", summary: "3 checked" };
  };
  engine.register("verify", body);
  const runId = engine.start(jobId, { trigger: "scheduled", kind: "verify" });
  const f = await finished(t, runId);
  expect(seen).toEqual(["Restore test local", "local"]);
  expect(f.run).toMatchObject({ kind: "verify", trigger: "scheduled", status: "failed", error_message: "1 difference", files_checked: 3, differences: 1 });
  expect(f.logs[0]!.message).toBe(`Verify run ${runId} of "Restore test local" started (Local / USB)`);
  expect(f.logs.some((l) => l.level === "warning" && l.message === "src/a.txt: differs")).toBe(true);
  const mine = events.filter((e) => "run_id" in e && e.run_id === runId && e.type !== "log");
  expect(mine.map((e) => [e.type, (e as { kind?: string }).kind])).toEqual([
    ["job_started", "verify"],
    ["job_completed", "verify"],
  ]);
});

test("a body given per start wins; throwing fails the run; an abort cancels it; one run per job whatever the kind", async () => {
  const thrown = engine.start(jobId, {
    trigger: "manual",
    kind: "restore",
    body: async () => {
      throw new Error("boom");
    },
  });
  expect((await finished(t, thrown)).run).toMatchObject({ kind: "restore", status: "failed", error_message: "Unexpected error: boom" });

  let release = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const slow = engine.start(jobId, {
    trigger: "manual",
    kind: "restore",
    body: async (ctx) => {
      ctx.report.progress({ files: 2, bytes: 10 });
      await new Promise<void>((resolve) => {
        ctx.signal.addEventListener("abort", () => resolve(), { once: true });
        void gate.then(resolve);
      });
      return { filesTransferred: 2, bytesTransferred: 10 };
    },
  });
  await Bun.sleep(50);
  expect(() => engine.start(jobId, { trigger: "manual" })).toThrow("Job is already running");
  expect((await t.api("POST", `/api/jobs/${jobId}/run`)).status).toBe(409);
  expect((await t.api("GET", `/api/runs/${slow}`)).body).toMatchObject({ kind: "restore", status: "running", files_transferred: 2, bytes_transferred: 10 });
  expect(await engine.cancel(jobId)).toBe(true);
  release();
  expect((await finished(t, slow)).run).toMatchObject({ kind: "restore", status: "cancelled", error_message: "Cancelled by user" });

  const backup = await t.api("POST", `/api/jobs/${jobId}/run`);
  expect((await finished(t, backup.body.run_id)).run).toMatchObject({ kind: "backup", status: "completed", versions_pruned: 0, files_checked: 0, differences: 0 });
});
