// Dynamight's remote sync against rclone (Debian's) on the same data, the same local servers,
// in one run: 2,000 files of 1-10 KB (first sync, no-change sync) and one 200 MB file, for each
// store asked for; plus Dynamight's peak memory during the 200 MB upload. Prints medians and ratios.
//   scripts/bench-remote [--stores s3,sftp,webdav] [--runs 3] [--keep-data] [--keep-versions DAYS]
// --keep-versions: Dynamight's syncs keep versions (sync_options.keep_versions_days; default off).
// Peers: scripts/peers/{s3,sftp,webdav}.sh start (done here when not running).
// Each Dynamight sync runs in its own process (this file with --child) so its memory is its own
// (VmHWM minus the RSS before the sync). The time compared is the sync itself; for the no-change
// sync, as it runs inside the long-lived server: a second no-change sync in a process that has
// made one, so the store's modules (the AWS SDK: ~85 ms) are loaded. The whole process of a
// fresh no-change sync, start-up and module loading included, is printed beside it. rclone's
// times are its whole process (Go starts in ~0.05 s).
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { arg, type ChildJob, makeBenchTree, median, must, sec, sh, syncInThisProcess } from "./bench-lib.ts";

const ROOT = join(import.meta.dir, "..");
const DATA = process.env.BENCH_DIR ?? "/tmp/dm-bench-remote";
const S3_ENDPOINT = `http://127.0.0.1:${process.env.S3_PORT ?? 7480}`;
const S3_KEYS = { access_key_id: process.env.S3_ACCESS_KEY ?? "bkpaccess", secret_access_key: process.env.S3_SECRET_KEY ?? "bkpsecret123" };
const SFTP = { port: Number(process.env.SFTP_PORT ?? 2222), user: process.env.SFTP_USER ?? "bkpsftp", pass: process.env.SFTP_PASS ?? "bkpsftp-pass" };
const DAV = { url: `http://127.0.0.1:${process.env.DAV_PORT ?? 8080}/dav/`, user: process.env.DAV_USER ?? "bkpdav", pass: process.env.DAV_PASS ?? "bkpdav-pass" };

interface Store {
  name: string;
  prepare(tag: string): Promise<void>;
  dm(tag: string, set: "small" | "big"): { type: string; config: unknown; credential: Record<string, string> };
  rclone(tag: string, set: string): string;
  fastFlags: string[];
  /** Removes what the run uploaded (radosgw keeps objects in RAM). */
  cleanup(tag: string): Promise<void>;
}

async function sftpKey(): Promise<string> {
  return (await must(["rclone", "obscure", SFTP.pass])).out.trim();
}

function stores(sftpObscured: string, davObscured: string): Record<string, Store> {
  const s3Remote = `:s3,provider=Ceph,endpoint='${S3_ENDPOINT}',access_key_id=${S3_KEYS.access_key_id},secret_access_key=${S3_KEYS.secret_access_key},force_path_style=true:`;
  const sftpRemote = `:sftp,host=127.0.0.1,port=${SFTP.port},user=${SFTP.user},pass=${sftpObscured}:`;
  const davRemote = `:webdav,url='${DAV.url}',vendor=other,user=${DAV.user},pass=${davObscured}:`;
  return {
    s3: {
      name: "S3 (radosgw)",
      prepare: async (tag) => {
        await must(["rclone", "mkdir", `${s3Remote}dm-${tag}`]);
        await must(["rclone", "mkdir", `${s3Remote}rc-${tag}`]);
      },
      dm: (tag, set) => ({ type: "s3", config: { bucket: `dm-${tag}`, prefix: set, region: "us-east-1", endpoint: S3_ENDPOINT }, credential: S3_KEYS }),
      rclone: (tag, set) => `${s3Remote}rc-${tag}/${set}`,
      fastFlags: ["--fast-list", "--update", "--use-server-modtime"],
      cleanup: async (tag) => {
        for (const b of [`dm-${tag}`, `rc-${tag}`]) await sh(["rclone", "purge", `${s3Remote}${b}`]);
      },
    },
    sftp: {
      name: "SFTP (OpenSSH)",
      prepare: async (tag) => {
        for (const set of ["small", "big"]) await must(["rclone", "mkdir", `${sftpRemote}data/bench-dm-${tag}-${set}`]);
      },
      dm: (tag, set) => ({
        type: "sftp",
        config: { host: "127.0.0.1", port: SFTP.port, username: SFTP.user, remote_path: `data/bench-dm-${tag}-${set}`, key_based_auth: false },
        credential: { password: SFTP.pass },
      }),
      rclone: (tag, set) => `${sftpRemote}data/bench-rc-${tag}/${set}`,
      fastFlags: [],
      cleanup: async (tag) => {
        for (const d of [`bench-dm-${tag}-small`, `bench-dm-${tag}-big`, `bench-rc-${tag}`]) await sh(["rclone", "purge", `${sftpRemote}data/${d}`]);
      },
    },
    webdav: {
      name: "WebDAV (Apache)",
      prepare: async (tag) => {
        for (const set of ["small", "big"]) await must(["rclone", "mkdir", `${davRemote}bench-dm-${tag}-${set}`]);
      },
      dm: (tag, set) => ({ type: "webdav", config: { url: DAV.url, remote_path: `/bench-dm-${tag}-${set}` }, credential: { username: DAV.user, password: DAV.pass } }),
      rclone: (tag, set) => `${davRemote}bench-rc-${tag}/${set}`,
      fastFlags: [],
      cleanup: async (tag) => {
        for (const d of [`bench-dm-${tag}-small`, `bench-dm-${tag}-big`, `bench-rc-${tag}`]) await sh(["rclone", "purge", `${davRemote}${d}`]);
      },
    },
  };
}

async function dmRun(job: ChildJob) {
  const r = await sh([process.execPath, join(ROOT, "scripts/bench-remote.ts"), "--child", JSON.stringify(job)]);
  if (r.code !== 0) throw new Error(`dynamight ${job.type} sync failed: ${r.err.slice(0, 800)}`);
  const j = JSON.parse(r.out.trim().split("\n").pop()!);
  return { ms: j.syncMs as number, processMs: r.ms, ...j };
}

async function rcRun(args: string[]) {
  const r = await sh(["rclone", "sync", ...args]);
  if (r.code !== 0) throw new Error(`rclone sync failed: ${r.err.slice(0, 800)}`);
  return r.ms;
}

async function main() {
  const wanted = arg("stores", "s3,sftp,webdav").split(",").filter(Boolean);
  const runs = Number(arg("runs", "3"));
  const keepVersions = process.argv.includes("--keep-versions") ? Number(arg("keep-versions", "30")) : null;
  const scripts: Record<string, string> = { s3: "s3.sh", sftp: "sftp.sh", webdav: "webdav.sh" };
  for (const s of wanted) {
    if (!scripts[s]) throw new Error(`unknown store ${s} (s3, sftp, webdav)`);
    await must(["bash", join(ROOT, "scripts/peers", scripts[s]!), "start"]);
  }
  makeBenchTree(DATA);
  const all = stores(await sftpKey(), (await must(["rclone", "obscure", DAV.pass])).out.trim());
  const rows: string[] = [];
  console.log(
    `bench-remote: ${runs} run(s) per figure, medians; ${new Date().toISOString()}; ${navigator.hardwareConcurrency} CPUs (shared)${keepVersions === null ? "" : `; Dynamight keeps versions ${keepVersions} days`}`,
  );
  for (const s of wanted) {
    const st = all[s]!;
    const t: Record<string, number[]> = { dmFirst: [], dmNo: [], dmBig: [], dmNoProc: [], rcFirst: [], rcNo: [], rcNoFast: [], rcBig: [], mem: [], idle: [] };
    for (let r = 0; r < runs; r++) {
      const tag = `${Date.now().toString(36)}${r}`;
      await st.prepare(tag);
      const dataDir = join(DATA, "state", tag);
      mkdirSync(dataDir, { recursive: true });
      const job = (set: "small" | "big"): ChildJob => ({ ...st.dm(tag, set), source: join(DATA, set), dataDir, keepVersions });
      // Alternate who goes first so neither always meets a warmer server.
      const order = r % 2 === 0 ? ["dm", "rc"] : ["rc", "dm"];
      for (const who of order) {
        if (who === "dm") {
          t.dmFirst!.push((await dmRun(job("small"))).ms);
          const no = await dmRun(job("small"));
          const warm = await dmRun({ ...job("small"), warm: true });
          for (const x of [no, warm]) if (x.filesTransferred !== 0) throw new Error(`no-change sync moved ${x.filesTransferred} files`);
          t.dmNo!.push(warm.ms);
          t.dmNoProc!.push(no.processMs);
          const big = await dmRun(job("big"));
          t.dmBig!.push(big.ms);
          t.mem!.push((big.peakKb - big.idleKb) / 1024);
          t.idle!.push(big.idleKb / 1024);
        } else {
          t.rcFirst!.push(await rcRun([join(DATA, "small"), st.rclone(tag, "small")]));
          t.rcNo!.push(await rcRun([join(DATA, "small"), st.rclone(tag, "small")]));
          if (st.fastFlags.length) t.rcNoFast!.push(await rcRun([...st.fastFlags, join(DATA, "small"), st.rclone(tag, "small")]));
          t.rcBig!.push(await rcRun([join(DATA, "big"), st.rclone(tag, "big")]));
        }
      }
      await st.cleanup(tag);
    }
    const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.length ? median(v) : NaN]));
    const noBase = Number.isNaN(m.rcNoFast!) ? m.rcNo! : Math.min(m.rcNo!, m.rcNoFast!);
    console.log(`\n${st.name}`);
    console.log(`  2,000 small files, first sync : dynamight ${sec(m.dmFirst!)}  rclone ${sec(m.rcFirst!)}  ratio ${(m.dmFirst! / m.rcFirst!).toFixed(2)}`);
    console.log(
      `  same, nothing changed         : dynamight ${sec(m.dmNo!)} (whole process ${sec(m.dmNoProc!)})  rclone ${sec(m.rcNo!)}${Number.isNaN(m.rcNoFast!) ? "" : ` (tuned ${st.fastFlags.join(" ")}: ${sec(m.rcNoFast!)})`}  ratio ${(m.dmNo! / noBase).toFixed(2)}`,
    );
    console.log(`  one 200 MB file               : dynamight ${sec(m.dmBig!)}  rclone ${sec(m.rcBig!)}  ratio ${(m.dmBig! / m.rcBig!).toFixed(2)}`);
    console.log(`  dynamight peak memory, 200 MB : idle ${m.idle!.toFixed(0)} MB + ${m.mem!.toFixed(1)} MB`);
    rows.push(
      `| ${st.name} | ${sec(m.dmFirst!)} / ${sec(m.rcFirst!)} = ${(m.dmFirst! / m.rcFirst!).toFixed(2)} | ${sec(m.dmNo!)} / ${sec(noBase)} = ${(m.dmNo! / noBase).toFixed(2)} | ${sec(m.dmBig!)} / ${sec(m.rcBig!)} = ${(m.dmBig! / m.rcBig!).toFixed(2)} | +${m.mem!.toFixed(1)} MB |`,
    );
  }
  console.log("\n| store | small first (dm / rclone = ratio) | no change | 200 MB file | peak memory over idle |\n|---|---|---|---|---|");
  for (const r of rows) console.log(r);
  if (!process.argv.includes("--keep-data")) rmSync(join(DATA, "state"), { recursive: true, force: true });
}

// Last, so every const above is initialised before either mode runs.
if (process.argv[2] === "--child") await syncInThisProcess(JSON.parse(process.argv[3]!) as ChildJob);
else await main();
