// Dynamight's restore against `rclone copy` (Debian's rclone) from the same store, the same local
// servers, in one run: 2,000 files of 1-10 KB and one 200 MB file, restored from S3 (radosgw) and
// SFTP (OpenSSH) into an empty local folder; plus Dynamight's peak memory over idle during each.
// Prints medians and ratios.
//   scripts/bench-restore [--stores s3,sftp] [--runs 3]
// The data is uploaded once per store with rclone (so the stored mtimes are rclone's, which
// Dynamight reads back). Each Dynamight restore runs in its own process (this file with --child):
// the time compared is the restore itself as it runs inside the server (store opened, modules
// loaded), its memory is VmHWM minus the RSS just before it. rclone's time is its whole process.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { arg, makeBenchTree, median, must, sec, sh, vm } from "./bench-lib.ts";

const ROOT = join(import.meta.dir, "..");
const DATA = process.env.BENCH_DIR ?? "/tmp/dm-bench-restore";
const S3_ENDPOINT = `http://127.0.0.1:${process.env.S3_PORT ?? 7480}`;
const S3_KEYS = { access_key_id: process.env.S3_ACCESS_KEY ?? "bkpaccess", secret_access_key: process.env.S3_SECRET_KEY ?? "bkpsecret123" };
const SFTP = { port: Number(process.env.SFTP_PORT ?? 2222), user: process.env.SFTP_USER ?? "bkpsftp", pass: process.env.SFTP_PASS ?? "bkpsftp-pass" };

interface ChildJob {
  type: string;
  config: unknown;
  credential: Record<string, string>;
  into: string;
  dataDir: string;
}

async function child(job: ChildJob) {
  const { destinationFor } = await import("../src/destinations/registry.ts");
  const { openDatabase } = await import("../src/db/client.ts");
  const { restoreFromStore } = await import("../src/restore/remote.ts");
  const { currentTree } = await import("../src/restore/select.ts");
  const { TargetMap } = await import("../src/restore/target.ts");
  const { UploadRecord } = await import("../src/restore/queries.ts");
  const dest = destinationFor(job.type as never);
  const config = dest.parseConfig(job.config);
  const store = await dest.openStore!(config, job.credential, { dataDir: job.dataDir, purpose: "sync" });
  const record = new UploadRecord(openDatabase(":memory:"), job.dataDir);
  const signal = new AbortController().signal;
  await store.check(signal);
  Bun.gc(true);
  const idle = vm("VmRSS");
  const t0 = performance.now();
  const tally = await restoreFromStore({
    record,
    store,
    select: currentTree,
    paths: [],
    targets: new TargetMap({ kind: "folder", folder: job.into }, { allowedBrowsePaths: ["/"], dataDir: job.dataDir }),
    overwrite: "always",
    options: {
      delete_extraneous: false,
      exclude_patterns: [],
      bandwidth_limit_kbps: null,
      dry_run: false,
      verbosity: "quiet",
      exclude_dirs: [],
      provider_options: null,
      space_check: "none",
      keep_versions_days: null,
    },
    report: { log: (level, m) => level !== "info" && console.error(m), progress: () => {} },
    signal,
  });
  const ms = performance.now() - t0;
  record.close();
  await store.close();
  if (tally.failed.length) throw new Error(`restore failed for ${tally.failed.length} file(s): ${tally.failed[0]!.path}: ${tally.failed[0]!.why}`);
  console.log(JSON.stringify({ ms, restored: tally.restored, bytes: tally.bytes, idleKb: idle, peakKb: vm("VmHWM") }));
}

interface Store {
  name: string;
  /** The rclone remote of a set ("small" | "big") under this run's tag. */
  remote(tag: string, set: string): string;
  dm(tag: string, set: string): { type: string; config: unknown; credential: Record<string, string> };
  cleanup(tag: string): Promise<void>;
}

function stores(sftpObscured: string): Record<string, Store> {
  const s3Remote = `:s3,provider=Ceph,endpoint='${S3_ENDPOINT}',access_key_id=${S3_KEYS.access_key_id},secret_access_key=${S3_KEYS.secret_access_key},force_path_style=true:`;
  // disable_hashcheck: rclone otherwise runs md5sum over ssh, which fails on this chrooted server.
  const sftpRemote = `:sftp,host=127.0.0.1,port=${SFTP.port},user=${SFTP.user},pass=${sftpObscured},disable_hashcheck=true:`;
  return {
    s3: {
      name: "S3 (radosgw)",
      remote: (tag, set) => `${s3Remote}restore-bench-${tag}/${set}`,
      dm: (tag, set) => ({ type: "s3", config: { bucket: `restore-bench-${tag}`, prefix: set, region: "us-east-1", endpoint: S3_ENDPOINT }, credential: S3_KEYS }),
      cleanup: async (tag) => void (await sh(["rclone", "purge", `${s3Remote}restore-bench-${tag}`])),
    },
    sftp: {
      name: "SFTP (OpenSSH)",
      remote: (tag, set) => `${sftpRemote}data/restore-bench-${tag}/${set}`,
      dm: (tag, set) => ({
        type: "sftp",
        config: { host: "127.0.0.1", port: SFTP.port, username: SFTP.user, remote_path: `data/restore-bench-${tag}/${set}`, key_based_auth: false },
        credential: { password: SFTP.pass },
      }),
      cleanup: async (tag) => void (await sh(["rclone", "purge", `${sftpRemote}data/restore-bench-${tag}`])),
    },
  };
}

async function dmRun(job: ChildJob) {
  const r = await sh([process.execPath, join(ROOT, "scripts/bench-restore.ts"), "--child", JSON.stringify(job)]);
  if (r.code !== 0) throw new Error(`dynamight ${job.type} restore failed: ${r.err.slice(0, 800)}`);
  return JSON.parse(r.out.trim().split("\n").pop()!) as { ms: number; restored: number; bytes: number; idleKb: number; peakKb: number };
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
  console.log(`bench-restore: ${runs} run(s) per figure, medians; ${new Date().toISOString()}; ${navigator.hardwareConcurrency} CPUs (shared)`);
  for (const s of wanted) {
    const st = all[s]!;
    const tag = `${s}-${Date.now().toString(36)}`;
    for (const set of ["small", "big"]) await must(["rclone", "copy", join(DATA, "src", set), st.remote(tag, set)]);
    const t: Record<string, number[]> = { dmSmall: [], dmBig: [], rcSmall: [], rcBig: [], memSmall: [], memBig: [], idle: [] };
    for (let r = 0; r < runs; r++) {
      const out = join(DATA, "out", `${tag}-${r}`);
      const dataDir = join(DATA, "state", `${tag}-${r}`);
      mkdirSync(dataDir, { recursive: true });
      // Alternate who goes first so neither always meets a warmer server.
      for (const who of r % 2 === 0 ? ["dm", "rc"] : ["rc", "dm"]) {
        for (const set of ["small", "big"] as const) {
          const into = join(out, who, set);
          if (who === "dm") {
            const d = await dmRun({ ...st.dm(tag, set), into, dataDir });
            const want = set === "small" ? 2000 : 1;
            if (d.restored !== want) throw new Error(`dynamight restored ${d.restored} file(s), not ${want}`);
            t[set === "small" ? "dmSmall" : "dmBig"]!.push(d.ms);
            t[set === "small" ? "memSmall" : "memBig"]!.push((d.peakKb - d.idleKb) / 1024);
            t.idle!.push(d.idleKb / 1024);
          } else {
            const c = await must(["rclone", "copy", st.remote(tag, set), into]);
            t[set === "small" ? "rcSmall" : "rcBig"]!.push(c.ms);
          }
        }
      }
      // Both copies agree with the store before the next run (and the folder goes).
      for (const set of ["small", "big"]) for (const who of ["dm", "rc"]) await must(["rclone", "check", "--one-way", join(out, who, set), st.remote(tag, set)]);
      rmSync(out, { recursive: true, force: true });
    }
    await st.cleanup(tag);
    const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
    console.log(`\n${st.name}`);
    console.log(`  2,000 small files : dynamight ${sec(m.dmSmall!)}  rclone copy ${sec(m.rcSmall!)}  ratio ${(m.dmSmall! / m.rcSmall!).toFixed(2)}  peak +${m.memSmall!.toFixed(1)} MB`);
    console.log(`  one 200 MB file   : dynamight ${sec(m.dmBig!)}  rclone copy ${sec(m.rcBig!)}  ratio ${(m.dmBig! / m.rcBig!).toFixed(2)}  peak +${m.memBig!.toFixed(1)} MB`);
    console.log(`  dynamight idle RSS: ${m.idle!.toFixed(0)} MB`);
    rows.push(
      `| ${st.name} | ${sec(m.dmSmall!)} / ${sec(m.rcSmall!)} = ${(m.dmSmall! / m.rcSmall!).toFixed(2)} | ${sec(m.dmBig!)} / ${sec(m.rcBig!)} = ${(m.dmBig! / m.rcBig!).toFixed(2)} | +${m.memSmall!.toFixed(1)} MB / +${m.memBig!.toFixed(1)} MB |`,
    );
  }
  console.log("\n| store | 2,000 small files (dm / rclone copy = ratio) | 200 MB file | peak memory over idle (small / 200 MB) |\n|---|---|---|---|");
  for (const r of rows) console.log(r);
  rmSync(join(DATA, "state"), { recursive: true, force: true });
}

// Last, so every const above is initialised before either mode runs.
if (process.argv[2] === "--child") await child(JSON.parse(process.argv[3]!) as ChildJob);
else await main();
