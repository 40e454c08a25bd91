// Dynamight's local destination against bare `rsync -a` on the same tree, in one run.
// See scripts/bench-local (the entry point) and docs/engine.md (figures).
// Both sides copy the same source into a fresh destination (first sync) and then again with
// nothing changed; runs alternate between the two so load on the machine hits both alike, and
// the median of the repetitions is compared. Dynamight runs the real engine on a file database
// (WAL, like the server) with verbosity "normal", so every copied file is also a log line.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import type { AppContext } from "../src/context.ts";
import { openDatabase } from "../src/db/client.ts";
import { createJob } from "../src/jobs/service.ts";
import { silentLogger } from "../src/logger.ts";
import { getRun } from "../src/runs/queries.ts";
import { createServices } from "../src/services.ts";
import { Health } from "../src/system/health.ts";
import { median } from "./bench-lib.ts";

const FILES = Number(process.env.BENCH_FILES ?? 50_000);
const REPS = Number(process.env.BENCH_REPS ?? 3);
/** No-change syncs are short and noisy: more of them, on the destinations of the first rep. */
const SAME_REPS = Number(process.env.BENCH_SAME_REPS ?? 7);
const PER_DIR = 500;

const root = mkdtempSync(join(tmpdir(), "dm-bench-"));
process.on("exit", () => rmSync(root, { recursive: true, force: true }));

function makeTree(src: string) {
  // Small files of 200-1,200 bytes in folders of 500, like documents or source trees.
  const buf = Buffer.alloc(1200, "x");
  for (let i = 0; i < FILES; i++) {
    const dir = join(src, `d${Math.floor(i / PER_DIR)}`);
    if (i % PER_DIR === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.txt`), buf.subarray(0, 200 + (i % 1000)));
  }
}

async function bare(src: string, dest: string): Promise<number> {
  const t0 = performance.now();
  const p = Bun.spawn(["rsync", "-a", `${src}/`, `${dest}/`], { stdout: "ignore", stderr: "inherit" });
  if ((await p.exited) !== 0) throw new Error("bare rsync failed");
  return performance.now() - t0;
}

function dynamightContext(): AppContext {
  const dataDir = mkdtempSync(join(root, "data-"));
  // Sources and destinations live under `root`, which the guard rails must allow.
  const config = { ...loadConfig([], { ALLOWED_BROWSE_PATHS: root }, dataDir), dataDir };
  const health = new Health();
  return { config, db: openDatabase(join(dataDir, "dynamight.db")), secret: crypto.getRandomValues(new Uint8Array(32)), logger: silentLogger, health, startedAt: Date.now() };
}

const ctx = dynamightContext();
const services = createServices(ctx);

async function dynamight(src: string, mount: string, jobId: number | null): Promise<{ ms: number; jobId: number; lines: number; files: number }> {
  const id =
    jobId ??
    createJob(
      ctx.db,
      services.engine,
      {
        name: `bench ${mount}`,
        source_dirs: [src],
        destination_type: "local",
        destination_config: { mount_point: mount, backup_subdir: "" },
        sync_options: { verbosity: "normal" },
      },
      ctx.config,
    ).id;
  const t0 = performance.now();
  const runId = services.engine.start(id, { trigger: "manual" });
  await services.engine.waitFor(runId);
  const ms = performance.now() - t0;
  const run = getRun(ctx.db, runId)!;
  if (run.status !== "completed") throw new Error(`Dynamight run failed: ${run.error_message}`);
  const lines = ctx.db.$client.query<{ n: number }, [number]>("SELECT count(*) AS n FROM run_logs WHERE run_id = ?").get(runId)!.n;
  return { ms, jobId: id, lines, files: run.files_transferred };
}

async function main() {
  const src = join(root, "src");
  process.stdout.write(`Creating ${FILES} files... `);
  makeTree(src);
  // Warm the page cache so the first measured run is not the one that reads from disk.
  await bare(src, join(root, "warm"));
  rmSync(join(root, "warm"), { recursive: true });
  console.log("done");

  const t = { bareFirst: [] as number[], dmFirst: [] as number[], bareSame: [] as number[], dmSame: [] as number[] };
  let lines = 0;
  let files = 0;
  let jobId: number | null = null;
  const keepBare = join(root, "bare0", "src");
  const keepMount = join(root, "dm0");
  for (let r = 0; r < REPS; r++) {
    const bareDest = join(root, `bare${r}`, "src");
    const mount = join(root, `dm${r}`);
    mkdirSync(mount, { recursive: true });
    mkdirSync(join(root, `bare${r}`), { recursive: true });
    // Alternate which side goes first, so neither always gets the cooler machine.
    const order = r % 2 === 0 ? ["bare", "dm"] : ["dm", "bare"];
    for (const who of order) {
      if (who === "bare") t.bareFirst.push(await bare(src, bareDest));
      else {
        const res = await dynamight(src, mount, null);
        t.dmFirst.push(res.ms);
        if (r === 0) {
          jobId = res.jobId;
          lines = res.lines;
          files = res.files;
        }
      }
    }
    if (r > 0) {
      rmSync(join(root, `bare${r}`), { recursive: true, force: true });
      rmSync(mount, { recursive: true, force: true });
    }
  }
  for (let r = 0; r < SAME_REPS; r++) {
    const order = r % 2 === 0 ? ["bare", "dm"] : ["dm", "bare"];
    for (const who of order) {
      if (who === "bare") t.bareSame.push(await bare(src, keepBare));
      else t.dmSame.push((await dynamight(src, keepMount, jobId)).ms);
    }
  }
  const min = (xs: number[]) => Math.min(...xs);
  const row = (name: string, b: number[], d: number[]) => {
    const ratio = median(d) / median(b);
    const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
    console.log(
      `${name.padEnd(16)} median: rsync -a ${s(median(b))}, Dynamight ${s(median(d))}, ratio ${ratio.toFixed(3)} ${ratio <= 1.05 ? "(ok, target <= 1.05)" : "(over the 1.05 target)"}` +
        ` | best: ${s(min(b))} vs ${s(min(d))}, ratio ${(min(d) / min(b)).toFixed(3)}`,
    );
  };
  console.log(`\n${FILES} files; first sync x${REPS}, no-change sync x${SAME_REPS}; ${Bun.spawnSync(["rsync", "--version"]).stdout.toString().split("\n")[0]!.trim()}`);
  console.log(`first Dynamight run: ${files} files transferred, ${lines} log lines stored`);
  row("first sync", t.bareFirst, t.dmFirst);
  row("no-change sync", t.bareSame, t.dmSame);
  console.log(`all: ${JSON.stringify(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.map((x) => Math.round(x))])))}`);
  await services.stop();
  ctx.db.$client.close();
}

await main();
