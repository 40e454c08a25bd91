// Dynamight's verify against rclone's check (Debian's rclone), same store, same local servers, in
// one run: 2,000 files of 1-10 KB and one 200 MB file on S3 (radosgw) and SFTP (OpenSSH).
//  - deep: Dynamight's `deep: true` (every file read back and hashed) vs `rclone check --download`
//    (every file read back and compared);
//  - quick: Dynamight's default verify (S3: a HEAD per object for the mtime, plus the md5 of the
//    local file against the ETag; SFTP: the listing's size and mtime) vs `rclone check` (S3:
//    size and md5; SFTP: size only, as rclone has no hash there without a shell on the server).
// Plus Dynamight's peak memory over idle during the deep verify of each set. Prints medians and ratios.
//   scripts/bench-verify [--stores s3,sftp] [--runs 3]
// The data is uploaded once per store with rclone (its mtimes are rclone's, which Dynamight reads
// back); every verify must find 0 differences (else the figures would compare nothing). Each
// Dynamight verify runs in its own process (this file with --child): the time is the verify as it
// runs inside the server (store opened, modules loaded), its memory VmHWM minus the RSS before it.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { arg, makeBenchTree, median, must, sec, sh, vm } from "./bench-lib.ts";

const ROOT = join(import.meta.dir, "..");
const DATA = process.env.BENCH_DIR ?? "/tmp/dm-bench-verify";
const S3_ENDPOINT = `http://127.0.0.1:${process.env.S3_PORT ?? 7480}`;
const S3_KEYS = { access_key_id: process.env.S3_ACCESS_KEY ?? "bkpaccess", secret_access_key: process.env.S3_SECRET_KEY ?? "bkpsecret123" };
const SFTP = { port: Number(process.env.SFTP_PORT ?? 2222), user: process.env.SFTP_USER ?? "bkpsftp", pass: process.env.SFTP_PASS ?? "bkpsftp-pass" };

interface ChildJob {
  type: string;
  config: unknown;
  credential: Record<string, string>;
  source: string;
  deep: boolean;
  dataDir: string;
}

async function child(job: ChildJob) {
  const { destinationFor } = await import("../src/destinations/registry.ts");
  const { verifyRemote } = await import("../src/verify/remote.ts");
  const dest = destinationFor(job.type as never);
  const config = dest.parseConfig(job.config);
  const store = await dest.openStore!(config, job.credential, { dataDir: job.dataDir, purpose: "sync" });
  const signal = new AbortController().signal;
  await store.check(signal);
  Bun.gc(true);
  const idle = vm("VmRSS");
  const t0 = performance.now();
  const out = await verifyRemote(store, {
    sources: [job.source],
    options: { delete_extraneous: false, exclude_patterns: [], bandwidth_limit_kbps: null, dry_run: false, verbosity: "quiet", exclude_dirs: [], provider_options: null, space_check: "none" },
    deep: job.deep,
    signal,
    report: { log: (level, m) => level !== "info" && console.error(m), progress: () => {} },
  });
  const ms = performance.now() - t0;
  await store.close();
  console.log(JSON.stringify({ ms, checked: out.filesChecked, differences: out.differences, idleKb: idle, peakKb: vm("VmHWM") }));
}

interface Store {
  name: string;
  /** The rclone remote of the run's root (sets live in `<root>/<set>`, as Dynamight places a source). */
  remote(tag: string): string;
  dm(tag: string): { type: string; config: unknown; credential: Record<string, string> };
}

function stores(sftpObscured: string): Record<string, Store> {
  const s3 = `:s3,provider=Ceph,endpoint='${S3_ENDPOINT}',access_key_id=${S3_KEYS.access_key_id},secret_access_key=${S3_KEYS.secret_access_key},force_path_style=true:`;
  // disable_hashcheck: rclone's md5sum over ssh fails on the chrooted test server (and only costs time).
  const sftp = `:sftp,host=127.0.0.1,port=${SFTP.port},user=${SFTP.user},pass=${sftpObscured},disable_hashcheck=true:`;
  return {
    s3: {
      name: "S3 (radosgw)",
      remote: (tag) => `${s3}verify-bench-${tag}`,
      dm: (tag) => ({ type: "s3", config: { bucket: `verify-bench-${tag}`, prefix: "", region: "us-east-1", endpoint: S3_ENDPOINT }, credential: S3_KEYS }),
    },
    sftp: {
      name: "SFTP (OpenSSH)",
      remote: (tag) => `${sftp}data/verify-bench-${tag}`,
      dm: (tag) => ({
        type: "sftp",
        config: { host: "127.0.0.1", port: SFTP.port, username: SFTP.user, remote_path: `data/verify-bench-${tag}`, key_based_auth: false },
        credential: { password: SFTP.pass },
      }),
    },
  };
}

async function dmRun(job: ChildJob) {
  const r = await sh([process.execPath, join(ROOT, "scripts/bench-verify.ts"), "--child", JSON.stringify(job)]);
  if (r.code !== 0) throw new Error(`dynamight ${job.type} verify failed: ${r.err.slice(0, 800)}`);
  const out = JSON.parse(r.out.trim().split("\n").pop()!) as { ms: number; checked: number; differences: number; idleKb: number; peakKb: number };
  if (out.differences !== 0) throw new Error(`dynamight found ${out.differences} difference(s) in a fresh copy: ${r.err.slice(0, 800)}`);
  return out;
}

async function main() {
  const wanted = arg("stores", "s3,sftp").split(",").filter(Boolean);
  const runs = Number(arg("runs", "3"));
  const scripts: Record<string, string> = { s3: "s3.sh", sftp: "sftp.sh" };
  for (const s of wanted) {
    if (!scripts[s]) throw new Error(`unknown store ${s} (s3, sftp)`);
    await must(["bash", join(ROOT, "scripts/peers", scripts[s]!), "start"]);
  }
  makeBenchTree(join(DATA, "src"));
  const all = stores((await must(["rclone", "obscure", SFTP.pass])).out.trim());
  const rows: string[] = [];
  console.log(`bench-verify: ${runs} run(s) per figure, medians; ${new Date().toISOString()}; ${navigator.hardwareConcurrency} CPUs (shared)`);
  for (const s of wanted) {
    const st = all[s]!;
    const tag = `${s}-${Date.now().toString(36)}`;
    for (const set of ["small", "big"]) await must(["rclone", "copy", join(DATA, "src", set), `${st.remote(tag)}/${set}`]);
    const t: Record<string, number[]> = {};
    const push = (k: string, v: number) => void (t[k] ??= []).push(v);
    const dataDir = join(DATA, "state", tag);
    mkdirSync(dataDir, { recursive: true });
    for (let r = 0; r < runs; r++) {
      // Alternate who goes first so neither always meets a warmer server.
      for (const who of r % 2 === 0 ? ["dm", "rc"] : ["rc", "dm"]) {
        for (const set of ["small", "big"] as const) {
          for (const deep of [false, true]) {
            const key = `${who}-${set}-${deep ? "deep" : "quick"}`;
            if (who === "dm") {
              const d = await dmRun({ ...st.dm(tag), source: join(DATA, "src", set), deep, dataDir });
              const want = set === "small" ? 2000 : 1;
              if (d.checked !== want) throw new Error(`dynamight checked ${d.checked} file(s), not ${want}`);
              push(key, d.ms);
              if (deep) push(`mem-${set}`, (d.peakKb - d.idleKb) / 1024);
            } else {
              const c = await must(["rclone", "check", ...(deep ? ["--download"] : []), join(DATA, "src", set), `${st.remote(tag)}/${set}`]);
              push(key, c.ms);
            }
          }
        }
      }
    }
    await sh(["rclone", "purge", st.remote(tag)]);
    const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
    const cell = (set: string, mode: string) => `${sec(m[`dm-${set}-${mode}`]!)} / ${sec(m[`rc-${set}-${mode}`]!)} = ${(m[`dm-${set}-${mode}`]! / m[`rc-${set}-${mode}`]!).toFixed(2)}`;
    console.log(`\n${st.name}`);
    for (const set of ["small", "big"]) {
      console.log(`  ${set === "small" ? "2,000 small files" : "one 200 MB file  "}: deep ${cell(set, "deep")}  quick ${cell(set, "quick")}  deep peak +${m[`mem-${set}`]!.toFixed(1)} MB`);
    }
    rows.push(
      `| ${st.name} | ${cell("small", "deep")} | ${cell("big", "deep")} | ${cell("small", "quick")} | ${cell("big", "quick")} | +${m["mem-small"]!.toFixed(1)} MB / +${m["mem-big"]!.toFixed(1)} MB |`,
    );
  }
  console.log(
    "\n| store | deep, 2,000 small (dm / rclone check --download) | deep, 200 MB | quick, 2,000 small (dm / rclone check) | quick, 200 MB | deep peak memory over idle (small / 200 MB) |\n|---|---|---|---|---|---|",
  );
  for (const r of rows) console.log(r);
  rmSync(join(DATA, "state"), { recursive: true, force: true });
}

// Last, so every const above is initialised before either mode runs.
if (process.argv[2] === "--child") await child(JSON.parse(process.argv[3]!) as ChildJob);
else await main();
