// The OneDrive destination on the in-process Microsoft Graph fake (test/fakes/graph.ts): 2,000
// files of 1-10 KB (first sync, no-change sync) and one 1 GB file through upload sessions, with
// the syncing process's peak memory. Prints medians.
//   scripts/bench-onedrive [--runs 3] [--big-mb 1024] [--keep-data]
// The fake runs in this process; each sync runs in its own process (this file with --child) so
// its peak RSS (VmHWM) is its own. There is no rclone column: rclone's OneDrive backend cannot be
// pointed at another Graph address (only --onedrive-region), so it cannot talk to the fake.
// The figures are loopback and CPU-bound (the fake hashes every upload as OneDrive does): what
// they show is the per-request cost, the bounded memory, and that a no-change run sends nothing.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const DATA = process.env.BENCH_DIR ?? "/tmp/dm-bench-onedrive";

interface ChildJob {
  config: unknown;
  credential: Record<string, string>;
  source: string;
  dataDir: string;
}

async function child(job: ChildJob) {
  const { destinationFor } = await import("../src/destinations/registry.ts");
  const { recordInFolder } = await import("../src/db/record.ts");
  const dest = destinationFor("onedrive");
  const config = dest.parseConfig(job.config);
  const idle = vm("VmRSS");
  const t0 = performance.now();
  const result = await dest.sync!({
    runId: 1,
    jobId: 1,
    sources: [job.source],
    config,
    credential: job.credential,
    options: { delete_extraneous: true, exclude_patterns: [], bandwidth_limit_kbps: null, dry_run: false, verbosity: "quiet" },
    signal: new AbortController().signal,
    report: { log: (level, m) => level !== "info" && console.error(m), progress: () => {} },
    dataDir: job.dataDir,
    record: recordInFolder(job.dataDir),
    updateCredential: async () => {},
    allowedRoots: ["/"],
  });
  console.log(JSON.stringify({ ...result, syncMs: performance.now() - t0, idleKb: idle, peakKb: vm("VmHWM") }));
}

function vm(field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : 0;
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function writeRandom(path: string, bytes: number) {
  const w = Bun.file(path).writer();
  const chunk = crypto.getRandomValues(new Uint8Array(1 << 16));
  for (let done = 0; done < bytes; done += chunk.length) {
    w.write(done + chunk.length <= bytes ? chunk : chunk.subarray(0, bytes - done));
    if (done % (8 << 20) === 0) await w.flush();
  }
  await w.end();
}

async function makeData(bigMb: number) {
  const small = join(DATA, "src", "small");
  if (!existsSync(join(DATA, ".small-ready"))) {
    rmSync(small, { recursive: true, force: true });
    for (let i = 0; i < 2000; i++) {
      const dir = join(small, `d${String(i % 40).padStart(2, "0")}`);
      mkdirSync(dir, { recursive: true });
      const size = 1000 + ((i * 7919) % 9000);
      writeFileSync(join(dir, `f${i}.txt`), Buffer.alloc(size, 97 + (i % 26)));
    }
    writeFileSync(join(DATA, ".small-ready"), "");
  }
  const big = join(DATA, "src", "big");
  const marker = join(DATA, `.big-${bigMb}-ready`);
  if (!existsSync(marker)) {
    rmSync(big, { recursive: true, force: true });
    mkdirSync(big, { recursive: true });
    await writeRandom(join(big, "one.bin"), bigMb * 1024 * 1024);
    writeFileSync(marker, "");
  }
  return { small, big };
}

async function runChild(job: ChildJob, graphUrl: string) {
  const p = Bun.spawn(["bun", join(ROOT, "scripts/bench-onedrive.ts"), "--child", JSON.stringify(job)], {
    env: { ...process.env, DYNAMIGHT_GRAPH_URL: graphUrl },
    stdout: "pipe",
    stderr: "pipe",
  });
  const t0 = performance.now();
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  const wallMs = performance.now() - t0;
  if (code !== 0) throw new Error(`sync child failed (${code}): ${err.slice(0, 2000)}`);
  return { ...(JSON.parse(out.trim().split("\n").at(-1)!) as { filesTransferred: number; bytesTransferred: number; syncMs: number; idleKb: number; peakKb: number }), wallMs };
}

async function main() {
  const runs = Number(arg("runs", "3"));
  const bigMb = Number(arg("big-mb", "1024"));
  mkdirSync(DATA, { recursive: true });
  const { small, big } = await makeData(bigMb);
  const { startGraphFake } = await import("../test/fakes/graph.ts");
  const credential = { access_token: "graph-test-token", refresh_token: "bench-refresh", expires_at: String(Math.floor(Date.now() / 1000) + 86_400) };
  const first: number[] = [];
  const again: number[] = [];
  const againWrites: number[] = [];
  const peakSmall: number[] = [];
  for (let r = 0; r < runs; r++) {
    const graph = await startGraphFake({ pageSize: 200 });
    graph.mkdirs("Bench");
    const dataDir = join(DATA, `state-${r}`);
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    const job = { config: { folder_path: "/Bench" }, credential, source: small, dataDir };
    const a = await runChild(job, graph.url);
    if (a.filesTransferred !== 2000) throw new Error(`first sync moved ${a.filesTransferred} files`);
    first.push(a.syncMs);
    peakSmall.push(a.peakKb);
    const before = graph.requests.length;
    const b = await runChild(job, graph.url);
    if (b.filesTransferred !== 0) throw new Error(`no-change sync moved ${b.filesTransferred} files`);
    again.push(b.syncMs);
    againWrites.push(graph.requests.slice(before).filter((q) => q.method !== "GET").length);
    await graph.close();
  }
  const graph = await startGraphFake();
  graph.mkdirs("Bench");
  const dataDir = join(DATA, "state-big");
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const c = await runChild({ config: { folder_path: "/Bench" }, credential, source: big, dataDir }, graph.url);
  const fragments = graph.fragments.length;
  const stored = graph.itemAt("Bench/big/one.bin");
  await graph.close();
  if (!stored || stored.size !== bigMb * 1024 * 1024) throw new Error("the big file did not arrive whole");

  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`OneDrive on the Graph fake (loopback), medians of ${runs}:`);
  console.log(`  2,000 small files, first sync:   ${s(median(first))}  (${Math.round(2000 / (median(first) / 1000))} files/s; peak RSS ${Math.round(median(peakSmall) / 1024)} MiB)`);
  console.log(`  2,000 small files, no change:    ${s(median(again))}  (write requests: ${Math.max(...againWrites)})`);
  console.log(
    `  ${bigMb} MiB file, upload session:  ${s(c.syncMs)}  (${(bigMb / (c.syncMs / 1000)).toFixed(0)} MiB/s, ${fragments} fragments of 10 MiB; peak RSS ${Math.round(c.peakKb / 1024)} MiB, ${Math.round((c.peakKb - c.idleKb) / 1024)} MiB above idle)`,
  );
  if (!process.argv.includes("--keep-data")) rmSync(join(DATA, "src", "big"), { recursive: true, force: true }), rmSync(join(DATA, `.big-${bigMb}-ready`), { force: true });
}

if (process.argv[2] === "--child") await child(JSON.parse(process.argv[3]!) as ChildJob);
else await main();
