// Dynamight's Google Drive sync through the in-process Drive v3 and token fakes (test/fakes):
// 2,000 files of 1-10 KB (first sync, no-change sync from the record, no-change sync with a full
// listing) and one 1 GB file, with the sync process's peak memory (VmHWM minus its RSS before
// the sync, googleapis' Drive module already loaded: its 25 MB are printed apart). The fakes run in this process; each sync runs in a child process (this file with
// --child) so its memory is its own. rclone has no way to point its drive backend at another
// API host, so there is no rclone column here: the figures are for regressions and for the
// memory bound (chunk × concurrency).
//   scripts/bench-drive [--runs 1] [--big-mb 1024] [--small 2000] [--keep-data]
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { arg, vm } from "./bench-lib.ts";

const ROOT = join(import.meta.dir, "..");
const DATA = process.env.BENCH_DIR ?? "/tmp/dm-bench-drive";

interface ChildJob {
  config: unknown;
  credential: Record<string, string>;
  source: string;
  dataDir: string;
}

async function child(job: ChildJob) {
  const { destinationFor } = await import("../src/destinations/registry.ts");
  const { recordInFolder } = await import("../src/db/record.ts");
  const dest = destinationFor("google_drive");
  const config = dest.parseConfig(job.config);
  // googleapis' Drive module is loaded first and counted apart: what is left is the transfer's own memory.
  const bare = vm("VmRSS");
  await import("googleapis/build/src/apis/drive/index.js");
  const idle = vm("VmRSS");
  const t0 = performance.now();
  const result = await dest.sync!({
    runId: 1,
    jobId: 1,
    sources: [job.source],
    config,
    credential: job.credential,
    options: { delete_extraneous: true, exclude_patterns: [], bandwidth_limit_kbps: null, dry_run: false, verbosity: "quiet", exclude_dirs: [], provider_options: null, space_check: "none" },
    signal: new AbortController().signal,
    report: { log: (level, m) => level !== "info" && console.error(m), progress: () => {} },
    dataDir: job.dataDir,
    record: recordInFolder(job.dataDir),
    updateCredential: async () => {},
    allowedRoots: ["/"],
  });
  console.log(JSON.stringify({ ...result, syncMs: performance.now() - t0, idleKb: idle, moduleKb: idle - bare, peakKb: vm("VmHWM") }));
}

function makeData(small: number, bigMb: number) {
  const marker = join(DATA, `.ready-${small}-${bigMb}`);
  if (existsSync(marker)) return;
  rmSync(DATA, { recursive: true, force: true });
  const smallDir = join(DATA, "src-small", "small");
  for (let i = 0; i < small; i++) {
    const dir = join(smallDir, `d${Math.floor(i / 100)}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.txt`), Buffer.alloc(1024 + ((i * 7919) % 9216), 65 + (i % 26)));
  }
  const bigDir = join(DATA, "src-big", "big");
  mkdirSync(bigDir, { recursive: true });
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31) & 0xff;
  const fd = openSync(join(bigDir, "big.bin"), "w");
  for (let i = 0; i < bigMb; i++) writeSync(fd, block);
  closeSync(fd);
  writeFileSync(marker, "");
}

async function runChild(job: ChildJob, env: Record<string, string>) {
  const t0 = performance.now();
  const p = Bun.spawn(["bun", import.meta.path, "--child", JSON.stringify(job)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`child failed (${code}): ${err.slice(0, 2000)}`);
  if (err.trim()) console.error(err.trim().split("\n").slice(0, 5).join("\n"));
  return {
    ...(JSON.parse(out.trim().split("\n").at(-1)!) as { filesTransferred: number; bytesTransferred: number; syncMs: number; idleKb: number; moduleKb: number; peakKb: number }),
    wallMs: performance.now() - t0,
  };
}

async function main() {
  const runs = Number(arg("runs", "1"));
  const small = Number(arg("small", "2000"));
  const bigMb = Number(arg("big-mb", "1024"));
  makeData(small, bigMb);
  const { startOAuthFake } = await import("../test/fakes/oauth.ts");
  const { startDriveFake } = await import("../test/fakes/google-drive.ts");
  const oauth = await startOAuthFake({ provider: "google" });
  const drive = await startDriveFake({ oauth, maxPageSize: 1000 });
  const env = { ...oauth.env, ...drive.env };
  const seed = oauth.issue();
  const credential = { ...seed, expires_at: String(seed.expires_at), client_secret: seed.client_secret ?? "" };
  const rows: string[] = [];
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  for (let r = 1; r <= runs; r++) {
    const dataDir = join(DATA, `state-${r}-${Date.now()}`);
    mkdirSync(dataDir, { recursive: true });
    const folder = drive.createFolder("root", `bench-${r}-${Date.now()}`);
    const job = { config: { folder_id: folder }, credential, source: join(DATA, "src-small", "small"), dataDir };
    const first = await runChild(job, env);
    const again = await runChild(job, env);
    const listed = await runChild({ ...job, config: { folder_id: folder, full_compare: true } }, env);
    const bigFolder = drive.createFolder("root", `bench-big-${r}-${Date.now()}`);
    drive.resetStats();
    const big = await runChild({ config: { folder_id: bigFolder }, credential, source: join(DATA, "src-big", "big"), dataDir }, env);
    const mbps = bigMb / (big.syncMs / 1000);
    console.log(
      `run ${r}: ${small} small first ${s(first.syncMs)} (${first.filesTransferred} files), no change ${s(again.syncMs)} (${again.filesTransferred}), no change with full listing ${s(listed.syncMs)} (${listed.filesTransferred})`,
    );
    console.log(
      `       ${bigMb} MB: ${s(big.syncMs)} (${mbps.toFixed(0)} MB/s, ${drive.stats.chunkPuts} chunks), peak memory idle ${(big.idleKb / 1024).toFixed(0)} MB (googleapis' Drive module ${(big.moduleKb / 1024).toFixed(0)} MB of it) + ${((big.peakKb - big.idleKb) / 1024).toFixed(1)} MB`,
    );
    rows.push(`| ${s(first.syncMs)} | ${s(again.syncMs)} | ${s(listed.syncMs)} | ${s(big.syncMs)} | idle ${(big.idleKb / 1024).toFixed(0)} MB + ${((big.peakKb - big.idleKb) / 1024).toFixed(1)} MB |`);
  }
  console.log(`\nchunks of 8 MiB, 4 uploads at a time\n| ${small} small, first | no change (record) | no change (full listing) | ${bigMb} MB file | peak memory |\n|---|---|---|---|---|`);
  for (const row of rows) console.log(row);
  await drive.stop();
  oauth.stop();
  if (!process.argv.includes("--keep-data")) rmSync(DATA, { recursive: true, force: true });
}

if (process.argv.includes("--child")) await child(JSON.parse(process.argv[process.argv.indexOf("--child") + 1]!));
else await main();
