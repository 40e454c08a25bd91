// What every benchmark script needs: flags, this process's memory, running a command (rclone
// with no config file and without this environment's AWS_CA_BUNDLE, which breaks it on http
// endpoints), medians and seconds, and the remote benchmarks' data set.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}

/** A field of /proc/self/status in kB (VmRSS now, VmHWM the peak). */
export function vm(field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : 0;
}

export async function sh(cmd: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string; ms: number }> {
  const t0 = performance.now();
  const e = { ...process.env, RCLONE_CONFIG: "/dev/null", ...env } as Record<string, string>;
  delete e.AWS_CA_BUNDLE; // set in this environment; rclone then fails on http endpoints
  const p = Bun.spawn(cmd, { env: e, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err, ms: performance.now() - t0 };
}

export async function must(cmd: string[]) {
  const r = await sh(cmd);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")} failed (${r.code}): ${r.err.slice(0, 500)}`);
  return r;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * The remote benchmarks' data, made once under `root`: `small/` (2,000 files of 1–10 KB in 20
 * folders, the same seeded sizes every time) and `big/big.bin` (200 MB of random bytes).
 */
export function makeBenchTree(root: string) {
  const marker = join(root, ".ready");
  if (existsSync(marker)) return;
  rmSync(root, { recursive: true, force: true });
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 2000; i++) {
    const dir = join(root, "small", `d${i % 20}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `f${i}.dat`), crypto.getRandomValues(new Uint8Array(1024 + Math.floor(rnd() * 9 * 1024))));
  }
  mkdirSync(join(root, "big"), { recursive: true });
  const big = Buffer.alloc(200 << 20);
  for (let o = 0; o < big.length; o += 65536) crypto.getRandomValues(big.subarray(o, o + 65536));
  writeFileSync(join(root, "big", "big.bin"), big);
  writeFileSync(marker, "");
}

export interface ChildJob {
  type: string;
  config: unknown;
  credential: Record<string, string>;
  source: string;
  dataDir: string;
  keepVersions?: number | null;
  /** Sync once untimed first, so the timed sync finds the store's modules loaded, as in a running server. */
  warm?: boolean;
}

/**
 * One mirror sync of `job.source` in this process (a benchmark's `--child`), printed as JSON with
 * its time and this process's RSS before it and at its peak: the sync's own memory. Warnings and
 * errors go to stderr (only errors with `errorsOnly`, for trees too big to warn file by file).
 */
export async function syncInThisProcess(job: ChildJob, errorsOnly = false) {
  const { destinationFor } = await import("../src/destinations/registry.ts");
  const { recordInFolder } = await import("../src/db/record.ts");
  const { DEFAULT_SYNC_OPTIONS } = await import("../src/destinations/contract.ts");
  const dest = destinationFor(job.type as never);
  const config = dest.parseConfig(job.config);
  const sync = () =>
    dest.sync!({
      runId: 1,
      jobId: 1,
      sources: [job.source],
      config,
      credential: job.credential,
      options: { ...DEFAULT_SYNC_OPTIONS, delete_extraneous: true, verbosity: "quiet", keep_versions_days: job.keepVersions ?? null },
      signal: new AbortController().signal,
      report: { log: (level, m) => (errorsOnly ? level === "error" : level !== "info") && console.error(m), progress: () => {} },
      dataDir: job.dataDir,
      record: recordInFolder(job.dataDir),
      updateCredential: async () => {},
      allowedRoots: ["/"],
    });
  if (job.warm) await sync();
  const idle = vm("VmRSS");
  const t0 = performance.now();
  const result = await sync();
  console.log(JSON.stringify({ ...result, syncMs: performance.now() - t0, idleKb: idle, peakKb: vm("VmHWM") }));
}
