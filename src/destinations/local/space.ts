// The original's space_check for local/USB jobs: an rsync dry run (`--stats`) estimates what a
// run would copy; that plus a 10% margin is compared with the free space (statfs) where it would
// be written. Used before a run (sync_options.space_check: fail | warn) and by
// GET /api/jobs/:id/check-space, which mounts the drive if the job mounts it and unmounts it after.
import { existsSync, statfsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { verifyMount, withAutoMount } from "../../system/automount.ts";
import { killChild, spawnChild } from "../../system/children.ts";
import { DestinationError, type RunReporter, type SyncOptions } from "../contract.ts";
import type { LocalConfig } from "./destination.ts";

export const SPACE_MARGIN = 0.1;

export interface SpaceEstimate {
  /** What rsync says it would copy ("Total transferred file size"). */
  estimated_bytes: number;
  margin_bytes: number;
  required_bytes: number;
  free_bytes: number;
  enough: boolean;
  /** The folder whose filesystem was measured. */
  target: string;
}

/** Free bytes for an unprivileged writer on the filesystem holding `path` (or its nearest existing parent). */
export function freeBytesAt(path: string): number {
  let p = path;
  while (!existsSync(p) && p !== dirname(p)) p = dirname(p);
  const s = statfsSync(p);
  return s.bavail * s.bsize;
}

const TOTAL = /^Total transferred file size: ([\d,.]+) bytes/m;

/** Bytes `rsync -a --dry-run --stats` would copy from source/ to dest/ with the job's options. */
export async function estimateTransfer(rsync: string, args: string[], signal?: AbortSignal): Promise<number> {
  const proc = spawnChild([rsync, ...args], { env: { ...process.env, LC_ALL: "C.UTF-8" } });
  const onAbort = () => killChild(proc, "SIGTERM");
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (signal?.aborted) throw new DestinationError("cancelled", "Cancelled");
    const m = TOTAL.exec(out);
    // 23/24: some files unreadable or vanished; the estimate of the rest still stands.
    if ((code !== 0 && code !== 23 && code !== 24) || !m) {
      throw new DestinationError("failed", `The space estimate (rsync --dry-run) failed: ${err.trim().split("\n").pop() || `exit code ${code}`}`);
    }
    return Number(m[1]!.replace(/[,.]/g, ""));
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

export type ArgsFor = (source: string, dest: string, o: SyncOptions) => string[];

/** The estimate for every source of a job, against the free space under `root` (the drive must be ready). */
export async function estimateSpace(root: string, sources: string[], options: SyncOptions, argsFor: ArgsFor, signal?: AbortSignal): Promise<SpaceEstimate> {
  const rsync = Bun.which("rsync", { PATH: process.env.PATH ?? "" });
  if (!rsync) throw new DestinationError("unavailable", "rsync is not installed on this server (install the rsync package)");
  let estimated = 0;
  for (const source of sources) {
    if (!existsSync(source)) continue;
    estimated += await estimateTransfer(rsync, argsFor(source, join(root, basename(source)), { ...options, dry_run: true, verbosity: "quiet" }), signal);
  }
  const margin = Math.ceil(estimated * SPACE_MARGIN);
  const free = freeBytesAt(root);
  return { estimated_bytes: estimated, margin_bytes: margin, required_bytes: estimated + margin, free_bytes: free, enough: estimated + margin <= free, target: root };
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

export function describeEstimate(e: SpaceEstimate): string {
  return `about ${mib(e.required_bytes)} needed (${mib(e.estimated_bytes)} to copy + 10%), ${mib(e.free_bytes)} free on ${e.target}`;
}

/** Before a run: applies space_check (fail throws, warn logs). */
export async function runSpaceCheck(root: string, sources: string[], options: SyncOptions, argsFor: ArgsFor, report: RunReporter, signal: AbortSignal) {
  if (options.space_check === "none" || options.dry_run) return;
  const e = await estimateSpace(root, sources, options, argsFor, signal);
  if (e.enough) {
    report.log("info", `Space check: ${describeEstimate(e)}`);
    return;
  }
  if (options.space_check === "fail") throw new DestinationError("failed", `Not enough free space for this run: ${describeEstimate(e)} (space_check: fail)`);
  report.log("warning", `Space check: the run may not fit: ${describeEstimate(e)}`);
}

const silent: RunReporter = { log() {}, progress() {} };

/**
 * GET /api/jobs/:id/check-space: mounts the drive when the job mounts it (and unmounts it after
 * if it was not mounted before), then estimates. The job's min_free_space_mb rule is not applied
 * here: this answers a question, it does not start a run.
 */
export async function checkJobSpace(
  config: LocalConfig,
  root: string,
  sources: string[],
  options: SyncOptions,
  argsFor: ArgsFor,
  allowedRoots: string[],
): Promise<SpaceEstimate & { mounted: boolean }> {
  let wasMounted = true;
  if (config.usb_uuid)
    wasMounted = await verifyMount(config.usb_uuid, config.mount_point).then(
      () => true,
      () => false,
    );
  const probe = { ...config, min_free_space_mb: null, auto_unmount: !wasMounted || config.auto_unmount === true };
  const e = await withAutoMount(
    probe,
    silent,
    async () => {
      if (!existsSync(config.mount_point)) throw new DestinationError("not_found", `Destination ${config.mount_point} does not exist (is the drive mounted?)`);
      return estimateSpace(root, sources, options, argsFor);
    },
    { allowedRoots },
  );
  return { ...e, mounted: !wasMounted };
}
