// Dynamight's OneDrive destination against rclone's OneDrive backend (Debian's rclone 1.60), on
// the same in-process Microsoft Graph fake (test/fakes/graph.ts), in one run: 2,000 files of
// 1-10 KB (first sync, no-change sync) and one 1 GB file through upload sessions, with each
// side's peak memory. Prints medians and ratios (Dynamight / rclone; below 1 is faster).
//   scripts/bench-onedrive [--runs 3] [--big-mb 1024] [--keep-data]
// rclone's Graph address cannot be changed, so both sides reach the fake as
// https://graph.microsoft.com through the same CONNECT proxy and TLS front (test/fakes/graph-tls.ts;
// nothing leaves the machine): same TLS, same hops. The fake runs in this process; each sync
// runs in its own process (Dynamight: this file with --child, its VmHWM; rclone: /usr/bin/time).
// The time compared is Dynamight's sync inside its process (modules loaded, as in the running
// server) against rclone's whole process (Go starts in ~0.05 s); Dynamight's whole process is
// printed beside it.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { arg, type ChildJob, median, syncInThisProcess } from "./bench-lib.ts";

const ROOT = join(import.meta.dir, "..");
const GRAPH_PUBLIC_URL = "https://graph.microsoft.com";
const DATA = process.env.BENCH_DIR ?? "/tmp/dm-bench-onedrive";

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

const RCLONE_TOKEN = JSON.stringify({ access_token: "graph-test-token", token_type: "Bearer", refresh_token: "never-used", expiry: "2099-01-01T00:00:00Z" });

async function runChild(job: Omit<ChildJob, "type">, env: Record<string, string>) {
  const p = Bun.spawn(["bun", join(ROOT, "scripts/bench-onedrive.ts"), "--child", JSON.stringify(job)], {
    env: { ...process.env, ...env, DYNAMIGHT_GRAPH_URL: GRAPH_PUBLIC_URL },
    stdout: "pipe",
    stderr: "pipe",
  });
  const t0 = performance.now();
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  const wallMs = performance.now() - t0;
  if (code !== 0) throw new Error(`sync child failed (${code}): ${err.slice(0, 2000)}`);
  return { ...(JSON.parse(out.trim().split("\n").at(-1)!) as { filesTransferred: number; bytesTransferred: number; syncMs: number; idleKb: number; peakKb: number }), wallMs };
}

/** rclone sync with its defaults (4 transfers, 10 MiB chunks); its whole process, and its max RSS. */
async function runRclone(src: string, dest: string, env: Record<string, string>, caFile: string, driveId: string) {
  const e = { ...process.env, ...env, RCLONE_CONFIG: "/dev/null", RCLONE_ONEDRIVE_TOKEN: RCLONE_TOKEN, RCLONE_ONEDRIVE_DRIVE_ID: driveId, RCLONE_ONEDRIVE_DRIVE_TYPE: "business" } as Record<
    string,
    string
  >;
  delete e.AWS_CA_BUNDLE;
  const t0 = performance.now();
  const p = Bun.spawn(["/usr/bin/time", "-f", "maxrss=%M", "rclone", "sync", "--ca-cert", caFile, src, `:onedrive:${dest}`], { env: e, stdout: "pipe", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`rclone sync failed (${code}): ${err.slice(0, 2000)}`);
  return { ms, peakKb: Number(/maxrss=(\d+)/.exec(err)?.[1] ?? 0) };
}

async function main() {
  const runs = Number(arg("runs", "3"));
  const bigMb = Number(arg("big-mb", "1024"));
  mkdirSync(DATA, { recursive: true });
  const { small, big } = await makeData(bigMb);
  const { startGraphFake } = await import("../test/fakes/graph.ts");
  const { startGraphTlsFront } = await import("../test/fakes/graph-tls.ts");
  const credential = { access_token: "graph-test-token", refresh_token: "bench-refresh", expires_at: String(Math.floor(Date.now() / 1000) + 86_400) };
  const dm = { first: [] as number[], firstWall: [] as number[], again: [] as number[], againWall: [] as number[], againWrites: [] as number[], peak: [] as number[] };
  const rc = { first: [] as number[], again: [] as number[], againWrites: [] as number[], peak: [] as number[] };
  const fresh = async () => {
    // rclone 1.60 sends its bearer token to the uploadUrl (Graph "may" refuse it; the fake lets it pass here).
    const graph = await startGraphFake({ pageSize: 1000, refuseAuthOnUploadUrl: false });
    graph.mkdirs("Bench/dm");
    graph.mkdirs("Bench/rc");
    const front = await startGraphTlsFront(graph);
    return { graph, front };
  };
  const writesSince = (graph: { requests: { method: string }[] }, from: number) => graph.requests.slice(from).filter((q) => q.method !== "GET").length;
  for (let r = 0; r < runs; r++) {
    const { graph, front } = await fresh();
    const dataDir = join(DATA, `state-${r}`);
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
    const job = { config: { folder_path: "/Bench/dm" }, credential, source: small, dataDir };
    const a = await runChild(job, front.env);
    if (a.filesTransferred !== 2000) throw new Error(`first sync moved ${a.filesTransferred} files`);
    dm.first.push(a.syncMs);
    dm.firstWall.push(a.wallMs);
    dm.peak.push(a.peakKb);
    let before = graph.requests.length;
    const b = await runChild(job, front.env);
    if (b.filesTransferred !== 0) throw new Error(`no-change sync moved ${b.filesTransferred} files`);
    dm.again.push(b.syncMs);
    dm.againWall.push(b.wallMs);
    dm.againWrites.push(writesSince(graph, before));

    const ra = await runRclone(small, "Bench/rc/small", front.env, front.caFile, graph.defaultDriveId);
    rc.first.push(ra.ms);
    rc.peak.push(ra.peakKb);
    if ([...graph.files().keys()].filter((k) => k.startsWith("Bench/rc/small/")).length !== 2000) throw new Error("rclone did not copy 2,000 files");
    before = graph.requests.length;
    const rb = await runRclone(small, "Bench/rc/small", front.env, front.caFile, graph.defaultDriveId);
    rc.again.push(rb.ms);
    rc.againWrites.push(writesSince(graph, before));
    if (front.refused.length) throw new Error(`the proxy refused ${front.refused.join(", ")}`);
    front.close();
    await graph.close();
  }
  const { graph, front } = await fresh();
  const dataDir = join(DATA, "state-big");
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const c = await runChild({ config: { folder_path: "/Bench/dm" }, credential, source: big, dataDir }, front.env);
  const fragments = graph.fragments.length;
  const rcBig = await runRclone(big, "Bench/rc/big", front.env, front.caFile, graph.defaultDriveId);
  const ours = graph.itemAt("Bench/dm/big/one.bin");
  const theirs = graph.itemAt("Bench/rc/big/one.bin");
  front.close();
  await graph.close();
  if (ours?.size !== bigMb * 1024 * 1024 || theirs?.size !== bigMb * 1024 * 1024) throw new Error("the big file did not arrive whole");

  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const mib = (kb: number) => `${Math.round(kb / 1024)} MiB`;
  console.log(`OneDrive on the Graph fake (TLS + CONNECT proxy on loopback), medians of ${runs}; Dynamight vs rclone = ratio:`);
  console.log(
    `  2,000 small files, first sync: ${s(median(dm.first))} vs ${s(median(rc.first))} = ${ratio(median(dm.first), median(rc.first))}  (Dynamight's whole process ${s(median(dm.firstWall))}; peak RSS ${mib(median(dm.peak))} vs ${mib(median(rc.peak))})`,
  );
  console.log(
    `  2,000 small files, no change:  ${s(median(dm.again))} vs ${s(median(rc.again))} = ${ratio(median(dm.again), median(rc.again))}  (whole process ${s(median(dm.againWall))}; write requests ${Math.max(...dm.againWrites)} vs ${Math.max(...rc.againWrites)})`,
  );
  console.log(
    `  one ${bigMb} MiB file:            ${s(c.syncMs)} vs ${s(rcBig.ms)} = ${ratio(c.syncMs, rcBig.ms)}  (${fragments} fragments of 10 MiB; peak RSS ${mib(c.peakKb)} = idle ${mib(c.idleKb)} + ${mib(c.peakKb - c.idleKb)}, rclone ${mib(rcBig.peakKb)})`,
  );
  if (!process.argv.includes("--keep-data")) {
    rmSync(join(DATA, "src", "big"), { recursive: true, force: true });
    rmSync(join(DATA, `.big-${bigMb}-ready`), { force: true });
  }
}

if (process.argv[2] === "--child") await syncInThisProcess({ ...(JSON.parse(process.argv[3]!) as Omit<ChildJob, "type">), type: "onedrive" });
else await main();
