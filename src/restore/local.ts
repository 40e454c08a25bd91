// Restore from a local/USB destination: rsync in the other direction, from the backup folder to
// the target, one rsync per requested path. Never --delete; existing files follow the overwrite
// policy (never: --ignore-existing, if_newer: --update, always: rsync's quick check); rsync writes
// each file to a temporary name and renames it, keeps mtimes (-a has --times), and removes its
// temporary file when stopped. The drive is mounted by the run engine around this.
import { lstat, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { DestinationError, type RunReporter, type SyncOptions } from "../destinations/contract.ts";
import { runRsync } from "../destinations/local/destination.ts";
import type { Overwrite } from "./model.ts";
import { inVersions } from "./paths.ts";
import type { RestoreTally } from "./remote.ts";
import type { TargetMap } from "./target.ts";

export interface RsyncRestore {
  /** The backup folder (`<mount_point>/<backup_subdir>`). */
  root: string;
  paths: string[];
  targets: TargetMap;
  overwrite: Overwrite;
  options: SyncOptions;
  report: RunReporter;
  signal: AbortSignal;
}

const POLICY_FLAG: Record<Overwrite, string | null> = { never: "--ignore-existing", if_newer: "--update", always: null };
const PARTIAL = /^\..*\.[0-9a-f]{8}\.dmpartial$/;

export function restoreArgs(source: string, dest: string, isDir: boolean, overwrite: Overwrite, o: SyncOptions): string[] {
  // -a keeps times, permissions and links as the backup stored them; no --delete, ever.
  const args = ["-a", "--mkpath", "--out-format=%i|%n|%l|%b", "--stats", "--no-h"];
  const flag = POLICY_FLAG[overwrite];
  if (flag) args.push(flag);
  if (o.bandwidth_limit_kbps) args.push(`--bwlimit=${o.bandwidth_limit_kbps}`);
  if (isDir) args.push(`${source.replace(/\/+$/, "")}/`, `${dest.replace(/\/+$/, "")}/`);
  else args.push(source, `${dirname(dest)}/`);
  return args;
}

export async function restoreWithRsync(r: RsyncRestore): Promise<RestoreTally> {
  const { report, signal } = r;
  const tally: RestoreTally = { restored: 0, bytes: 0, skipped: 0, failed: [] };
  const rsync = Bun.which("rsync", { PATH: process.env.PATH ?? "" });
  if (!rsync) throw new DestinationError("unavailable", "rsync is not installed on this server (install the rsync package): restoring a local backup needs it");
  const fail = (path: string, why: string) => {
    tally.failed.push({ path, why });
    report.log("warning", `${path}: ${why}`);
  };
  let paths = r.paths;
  if (paths.length === 0) {
    const names = await readdir(r.root).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new DestinationError("not_found", `${r.root} does not exist (is the drive mounted?)`);
      throw err;
    });
    paths = names.filter((n) => !inVersions(n) && !PARTIAL.test(n)).sort();
  }
  for (const path of paths) {
    if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
    const source = join(r.root, path);
    const st = await lstat(source).catch(() => null);
    if (!st || !(st.isDirectory() || st.isFile())) {
      fail(path, "not in the destination (it may have been deleted since it was listed)");
      continue;
    }
    const local = r.targets.local(path);
    if (!local) {
      fail(path, "no source folder of the job has this name; restore it to a folder instead");
      continue;
    }
    const dirs = st.isDirectory() ? { source, dest: local.path } : { source: dirname(source), dest: dirname(local.path) };
    // The folders on the way are real folders inside the target (a symbolic link would lead rsync out).
    await r.targets.ensureDir(local.root, dirs.dest);
    report.log("info", `Restoring ${path} to ${local.path}${st.isDirectory() ? "/" : ""}`);
    const t = await runRsync({ rsync, args: restoreArgs(source, local.path, st.isDirectory(), r.overwrite, r.options), label: path, options: { ...r.options, dry_run: false }, report, signal, dirs });
    tally.restored += t.filesTransferred;
    tally.bytes += t.bytesTransferred;
  }
  return tally;
}
