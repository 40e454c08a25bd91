// Scale (issue 17): how memory grows with the number of files, and whether a huge run log slows
// the API. In one run, on the loopback peers:
//   - a generated tree of tiny files (sparse: 1 byte each, 1,000 per folder) synced to S3 and to
//     SFTP, first sync and no-change sync, each in its own process: peak RSS over idle, beside
//     rclone's peak RSS (GNU time's maximum resident set) on the same tree;
//   - a run log fed 1,000,000 lines through the run log writer (stores its cap, counts the rest),
//     then the logs API's first and last page timed beside the same pages of a 100-line log.
//   scripts/bench-scale [--files 100000] [--stores s3,sftp] [--log-lines 1000000] [--rclone no]
// (--rclone no: Dynamight's runs only, for trees rclone takes an hour over on this machine)
// --files 1000000 is the figure (generating and uploading it takes long on 2 cores);
// the README gives MB per 100k files from the runs made.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { arg, type ChildJob, must, sh, syncInThisProcess, vm } from "./bench-lib.ts";

const ROOT = join(import.meta.dir, "..");
const DATA = process.env.BENCH_DIR ?? "/tmp/dm-bench-scale";
const S3_ENDPOINT = `http://127.0.0.1:${process.env.S3_PORT ?? 7480}`;
const S3_KEYS = { access_key_id: process.env.S3_ACCESS_KEY ?? "bkpaccess", secret_access_key: process.env.S3_SECRET_KEY ?? "bkpsecret123" };
const SFTP = { port: Number(process.env.SFTP_PORT ?? 2222), user: process.env.SFTP_USER ?? "bkpsftp", pass: process.env.SFTP_PASS ?? "bkpsftp-pass" };

/** files tiny files, 1,000 per folder, under DATA/tree-<files>; made once. */
function makeTree(files: number): string {
  const root = join(DATA, `tree-${files}`);
  const marker = join(root, ".ready");
  if (existsSync(marker)) return root;
  rmSync(root, { recursive: true, force: true });
  for (let i = 0; i < files; i++) {
    const dir = join(root, `d${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}`), "x");
  }
  writeFileSync(marker, "");
  return root;
}

async function dmRun(job: ChildJob) {
  const r = await sh([process.execPath, join(ROOT, "scripts/bench-scale.ts"), "--child", JSON.stringify(job)]);
  if (r.code !== 0) throw new Error(`dynamight ${job.type} sync failed: ${r.err.slice(0, 800)}`);
  return JSON.parse(r.out.trim().split("\n").pop()!) as { syncMs: number; idleKb: number; peakKb: number; filesTransferred: number };
}

/** rclone sync under GNU time: seconds and max RSS in MB. */
async function rcRun(args: string[]) {
  const r = await sh(["/usr/bin/time", "-f", "maxrss_kb=%M", "rclone", "sync", "--exclude", ".ready", ...args]);
  if (r.code !== 0) throw new Error(`rclone sync failed: ${r.err.slice(0, 800)}`);
  const kb = Number(/maxrss_kb=(\d+)/.exec(r.err)?.[1] ?? 0);
  return { ms: r.ms, mb: kb / 1024 };
}

async function scaleFiles(files: number, stores: string[], withRclone: boolean) {
  // Memory per file is the slope between a tenth of the tree and the whole (fixed costs cancel).
  const tenth = Math.max(1000, Math.round(files / 10));
  const small = makeTree(tenth);
  const tree = makeTree(files);
  const tag = Date.now().toString(36);
  const s3Remote = `:s3,provider=Ceph,endpoint='${S3_ENDPOINT}',access_key_id=${S3_KEYS.access_key_id},secret_access_key=${S3_KEYS.secret_access_key},force_path_style=true:`;
  const sftpObscured = (await must(["rclone", "obscure", SFTP.pass])).out.trim();
  const sftpRemote = `:sftp,host=127.0.0.1,port=${SFTP.port},user=${SFTP.user},pass=${sftpObscured}:`;
  const lines: string[] = [];
  for (const s of stores) {
    const dataDir = join(DATA, "state", `${s}-${tag}`);
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(`${dataDir}-small`, { recursive: true });
    let job: ChildJob;
    let rcTarget: string;
    if (s === "s3") {
      await must(["rclone", "mkdir", `${s3Remote}scale-dm-${tag}`]);
      await must(["rclone", "mkdir", `${s3Remote}scale-rc-${tag}`]);
      job = { type: "s3", config: { bucket: `scale-dm-${tag}`, prefix: "", region: "us-east-1", endpoint: S3_ENDPOINT }, credential: S3_KEYS, source: tree, dataDir };
      rcTarget = `${s3Remote}scale-rc-${tag}`;
    } else if (s === "sftp") {
      await must(["rclone", "mkdir", `${sftpRemote}data/scale-dm-${tag}`]);
      await must(["rclone", "mkdir", `${sftpRemote}data/scale-dm-${tag}-small`]);
      job = {
        type: "sftp",
        config: { host: "127.0.0.1", port: SFTP.port, username: SFTP.user, remote_path: `data/scale-dm-${tag}`, key_based_auth: false },
        credential: { password: SFTP.pass },
        source: tree,
        dataDir,
      };
      rcTarget = `${sftpRemote}data/scale-rc-${tag}`;
    } else throw new Error(`unknown store ${s} (s3, sftp)`);
    const smallJob = {
      ...job,
      source: small,
      dataDir: `${dataDir}-small`,
      config: s === "s3" ? { ...(job.config as object), prefix: "small" } : { ...(job.config as object), remote_path: `data/scale-dm-${tag}-small` },
    };
    const smallFirst = await dmRun(smallJob);
    const smallAgain = await dmRun(smallJob);
    const first = await dmRun(job);
    const again = await dmRun(job);
    if (again.filesTransferred !== 0) throw new Error(`${s}: the no-change sync moved ${again.filesTransferred} files`);
    const rc = withRclone ? { first: await rcRun([tree, rcTarget]), again: await rcRun([tree, rcTarget]) } : null;
    const over = (r: { idleKb: number; peakKb: number }) => (r.peakKb - r.idleKb) / 1024;
    const slope = (big: { idleKb: number; peakKb: number }, little: { idleKb: number; peakKb: number }) =>
      `${(((over(big) - over(little)) / (files - tenth)) * 100_000).toFixed(1)} MB (+${over(little).toFixed(0)} MB at ${tenth.toLocaleString("en")})`;
    const dmCell = (r: { syncMs: number; idleKb: number; peakKb: number }) => `${(r.syncMs / 1000).toFixed(1)} s, +${over(r).toFixed(0)} MB (peak ${(r.peakKb / 1024).toFixed(0)} MB)`;
    const rcCell = (r: { ms: number; mb: number } | undefined) => (r ? `${(r.ms / 1000).toFixed(1)} s, ${r.mb.toFixed(0)} MB` : "not run");
    lines.push(
      `| ${s} | ${files.toLocaleString("en")} | ${dmCell(first)} | ${dmCell(again)} | ${rcCell(rc?.first)} | ${rcCell(rc?.again)} | ${slope(first, smallFirst)} | ${slope(again, smallAgain)} |`,
    );
    if (s === "s3") for (const b of [`scale-dm-${tag}`, `scale-rc-${tag}`]) await sh(["rclone", "purge", `${s3Remote}${b}`]);
    else for (const d of [`scale-dm-${tag}`, `scale-dm-${tag}-small`, `scale-rc-${tag}`]) await sh(["rclone", "purge", `${sftpRemote}data/${d}`]);
  }
  console.log(`\nfiles (dynamight: peak RSS over idle, whole sync in a fresh process; rclone: its whole process's max RSS)`);
  console.log(
    "| store | files | dynamight first | dynamight no change | rclone first | rclone no change | dynamight MB per 100k files, first sync (slope) | the same, no change |\n|---|---|---|---|---|---|---|---|",
  );
  for (const l of lines) console.log(l);
}

async function scaleLog(lineCount: number) {
  const { testContext } = await import("../test/helpers/app.ts");
  const { RunLogWriter } = await import("../src/runs/logs.ts");
  const { RunEvents } = await import("../src/runs/events.ts");
  const { createApp } = await import("../src/http/app.ts");
  const { startServices } = await import("../src/services.ts");
  const ctx = testContext();
  const services = await startServices(ctx);
  const app = createApp(ctx, services);
  const setup = await app.handle(
    new Request("http://localhost/api/auth/setup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "bench", password: "bench-password-123" }) }),
  );
  const token = /token=([^;]+)/.exec(setup.headers.get("set-cookie") ?? "")![1]!;
  ctx.db.$client.run("INSERT INTO jobs (name, source_dirs, destination_type, destination_config, sync_options) VALUES ('scale', '[\"/tmp\"]', 'local', '{}', '{}')");
  const newRun = () => (ctx.db.$client.query("INSERT INTO runs (job_id, status, trigger) VALUES (1, 'completed', 'manual') RETURNING id").get() as { id: number }).id;
  const fill = async (runId: number, n: number) => {
    const w = new RunLogWriter(ctx.db, new RunEvents(), runId);
    const before = vm("VmRSS");
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      w.write("info", `transferred docs/folder-${i % 1000}/file-${i}.txt (${i} bytes)`);
      if (i % 50_000 === 0) await Bun.sleep(0); // let the writer's timer flush, as a run's awaits do
    }
    await w.close();
    return { ms: performance.now() - t0, mb: (vm("VmRSS") - before) / 1024 };
  };
  const page = async (runId: number, offset: number) => {
    const t0 = performance.now();
    const r = await app.handle(new Request(`http://localhost/api/runs/${runId}/logs?limit=100&offset=${offset}`, { headers: { authorization: `Bearer ${token}` } }));
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`logs page: ${r.status}`);
    return { ms: performance.now() - t0, total: Number(r.headers.get("x-total-count") ?? 0) };
  };
  const small = newRun();
  await fill(small, 100);
  const big = newRun();
  const filled = await fill(big, lineCount);
  const time = async (runId: number, offset: number) => {
    const xs: number[] = [];
    for (let i = 0; i < 20; i++) xs.push((await page(runId, offset)).ms);
    return xs.sort((a, b) => a - b)[10]!;
  };
  const stored = (await page(big, 0)).total;
  const smallFirst = await time(small, 0);
  const bigFirst = await time(big, 0);
  const bigLast = await time(big, Math.max(0, stored - 100));
  console.log(
    `\nrun log: ${lineCount.toLocaleString("en")} lines written in ${(filled.ms / 1000).toFixed(1)} s (RSS +${filled.mb.toFixed(0)} MB), ${stored.toLocaleString("en")} stored (the cap and its closing line)`,
  );
  console.log(`  GET /api/runs/:id/logs?limit=100, median of 20: 100-line log ${smallFirst.toFixed(1)} ms; big log first page ${bigFirst.toFixed(1)} ms, last page ${bigLast.toFixed(1)} ms`);
  await services.stop();
}

async function main() {
  const files = Number(arg("files", "100000"));
  const stores = arg("stores", "s3,sftp").split(",").filter(Boolean);
  const logLines = Number(arg("log-lines", "1000000"));
  for (const s of stores) await must(["bash", join(ROOT, "scripts/peers", `${s}.sh`), "start"]);
  console.log(`bench-scale: ${new Date().toISOString()}; ${navigator.hardwareConcurrency} CPUs (shared)`);
  if (logLines > 0) await scaleLog(logLines);
  if (files > 0 && stores.length) await scaleFiles(files, stores, arg("rclone", "yes") !== "no");
  rmSync(join(DATA, "state"), { recursive: true, force: true });
}

if (process.argv[2] === "--child") await syncInThisProcess(JSON.parse(process.argv[3]!) as ChildJob, true);
else await main();
