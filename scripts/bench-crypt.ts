// Encrypted (rclone crypt) against plain sync on the real radosgw, in one run: a first sync of
// 2,000 files of 1-10 KB and one 200 MB upload, each in its own process so its peak memory is its
// own (VmHWM minus the RSS before the sync). Prints medians and the encrypted/plain ratios.
//   scripts/bench-crypt [--runs 3]
// Peer: scripts/peers/s3.sh start (done here when not running).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { median, vm } from "./bench-lib.ts";

const ROOT = join(import.meta.dir, "..");
const DATA = process.env.BENCH_DIR ?? "/tmp/dm-bench-crypt";
const S3_ENDPOINT = `http://127.0.0.1:${process.env.S3_PORT ?? 7480}`;
const KEYS = { access_key_id: process.env.S3_ACCESS_KEY ?? "bkpaccess", secret_access_key: process.env.S3_SECRET_KEY ?? "bkpsecret123" };
const BUCKET = `crypt-bench-${Date.now().toString(36)}`;

interface ChildJob {
  source: string;
  prefix: string;
  dataDir: string;
  encrypted: boolean;
}

async function child(job: ChildJob) {
  const { destinationFor } = await import("../src/destinations/registry.ts");
  const { recordInFolder } = await import("../src/db/record.ts");
  const dest = destinationFor("s3");
  const config = dest.parseConfig({ bucket: BUCKET_ARG(), prefix: job.prefix, region: "us-east-1", endpoint: S3_ENDPOINT });
  // scrypt's 16 MiB working set comes once per process (keys are cached): measured on its own, so
  // the transfer's own memory is what the sync adds after it.
  const beforeKeys = vm("VmRSS");
  let scryptKb = 0;
  if (job.encrypted) {
    const { deriveKeys } = await import("../src/destinations/crypt/keys.ts");
    await deriveKeys("bench password", "");
    scryptKb = vm("VmHWM") - beforeKeys;
  }
  const idle = beforeKeys;
  const t0 = performance.now();
  const result = await dest.sync!({
    runId: 1,
    jobId: 1,
    sources: [job.source],
    config,
    credential: KEYS,
    options: { delete_extraneous: false, exclude_patterns: [], bandwidth_limit_kbps: null, dry_run: false, verbosity: "quiet", exclude_dirs: [], provider_options: null, space_check: "none" },
    signal: new AbortController().signal,
    report: { log: (level, m) => void (level !== "info" && console.error(m)), progress: () => {} },
    dataDir: job.dataDir,
    record: recordInFolder(job.dataDir),
    updateCredential: async () => {},
    allowedRoots: ["/"],
    encryption: job.encrypted ? { password: "bench password", salt: "", filename_encryption: "standard", directory_name_encryption: true } : null,
  });
  console.log(JSON.stringify({ ...result, syncMs: performance.now() - t0, growKb: vm("VmHWM") - idle, scryptKb }));
}

function BUCKET_ARG(): string {
  const i = process.argv.indexOf("--bucket");
  return i > 0 ? process.argv[i + 1]! : BUCKET;
}

async function run(args: string[]): Promise<string> {
  const env = { ...process.env } as Record<string, string>;
  delete env.AWS_CA_BUNDLE;
  const p = Bun.spawn(args, { env, stdout: "pipe", stderr: "inherit" });
  const out = await new Response(p.stdout).text();
  if ((await p.exited) !== 0) throw new Error(`${args.join(" ")} failed`);
  return out;
}

async function main() {
  const runs = Number(process.argv[process.argv.indexOf("--runs") + 1] || 3) || 3;
  await run(["bash", join(ROOT, "scripts/peers/s3.sh"), "start"]);
  await run(["rclone", "mkdir", `:s3,provider=Ceph,endpoint='${S3_ENDPOINT}',access_key_id=${KEYS.access_key_id},secret_access_key=${KEYS.secret_access_key},force_path_style=true:${BUCKET}`]);
  rmSync(DATA, { recursive: true, force: true });
  const small = join(DATA, "small");
  for (let i = 0; i < 2000; i++) {
    const dir = join(small, `d${i % 40}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `file-${i}.txt`), Buffer.alloc(1024 + ((i * 4099) % 9216), 97 + (i % 26)));
  }
  const big = join(DATA, "big");
  mkdirSync(big, { recursive: true });
  writeFileSync(
    join(big, "200mb.bin"),
    crypto.getRandomValues(new Uint8Array(1 << 16)).length ? Buffer.concat(Array.from({ length: 3200 }, () => Buffer.from(crypto.getRandomValues(new Uint8Array(1 << 16))))) : "",
  );
  const results: Record<string, { ms: number[]; kb: number[]; scrypt: number[] }> = {};
  for (let r = 0; r < runs; r++) {
    for (const [name, source] of [
      ["2000 files", small],
      ["200 MB", big],
    ] as const) {
      for (const encrypted of [false, true]) {
        const key = `${name} ${encrypted ? "encrypted" : "plain"}`;
        const dataDir = join(DATA, `state-${r}-${key.replace(/\W+/g, "-")}`);
        mkdirSync(dataDir, { recursive: true });
        const job: ChildJob = { source, prefix: `r${r}/${key.replace(/\W+/g, "-")}`, dataDir, encrypted };
        const out = JSON.parse(await run([process.execPath, import.meta.path, "--child", JSON.stringify(job), "--bucket", BUCKET]));
        results[key] ??= { ms: [], kb: [], scrypt: [] };
        results[key].ms.push(out.syncMs);
        results[key].kb.push(out.growKb);
        results[key].scrypt.push(out.scryptKb);
      }
    }
  }
  console.log(`scripts/bench-crypt: radosgw S3, median of ${runs} runs (first sync each time, fresh prefix)`);
  for (const name of ["2000 files", "200 MB"]) {
    const p = results[`${name} plain`]!;
    const e = results[`${name} encrypted`]!;
    const pm = median(p.ms);
    const em = median(e.ms);
    const pk = median(p.kb) / 1024;
    const ek = median(e.kb) / 1024;
    const sk = median(e.scrypt) / 1024;
    console.log(
      `${name.padEnd(10)} plain ${(pm / 1000).toFixed(2)} s, encrypted ${(em / 1000).toFixed(2)} s: ${(em / pm).toFixed(2)}x; peak memory +${pk.toFixed(1)} MB vs +${ek.toFixed(1)} MB (difference ${(ek - pk).toFixed(1)} MB, of which scrypt once per process ${sk.toFixed(1)} MB)`,
    );
  }
  await run(["rclone", "purge", `:s3,provider=Ceph,endpoint='${S3_ENDPOINT}',access_key_id=${KEYS.access_key_id},secret_access_key=${KEYS.secret_access_key},force_path_style=true:${BUCKET}`]);
  rmSync(DATA, { recursive: true, force: true });
}

const ci = process.argv.indexOf("--child");
if (ci > 0) await child(JSON.parse(process.argv[ci + 1]!));
else await main();
