// Verify for local/USB destinations: rsync compares, in a dry run that changes nothing, each
// source folder with `<mount_point>/<backup_subdir>/<basename>/` by checksum (every byte of both
// sides is read), and its itemized output becomes one difference per file. `--delete` is given
// only when the job deletes extraneous files, so extra files are reported exactly when a backup
// would remove them. Times are compared as the backup's `rsync -a` compares them (whole seconds).
import { statSync } from "node:fs";
import { basename, join } from "node:path";
import { DestinationError, excludeDirPatterns, type Refuse, type RunReporter, type SyncOptions } from "../destinations/contract.ts";
import { checkSources } from "../destinations/engine/sources.ts";
import { backupRoot, checkLocalPaths, KILL_GRACE_MS, type LocalConfig, lines } from "../destinations/local/destination.ts";
import { exitMessage } from "../destinations/local/rsync-output.ts";
import { killChild, spawnChild } from "../system/children.ts";
import { EXTRA, MISSING } from "./compare.ts";
import type { VerifyOutcome } from "./remote.ts";
import { VerifyTally } from "./tally.ts";

export interface LocalVerifyInput {
  config: LocalConfig;
  sources: string[];
  options: SyncOptions;
  signal: AbortSignal;
  report: RunReporter;
  allowedRoots: string[];
  dataDir: string;
}

/** The rsync arguments of one source's comparison (an argument array, never a shell string). */
export function verifyArgs(source: string, dest: string, o: SyncOptions): string[] {
  // -r recurse, -l compare symlinks as links (the backup's -a copies them so), -t compare times,
  // -n dry run, --checksum: content by checksum instead of rsync's size+time quick check.
  const args = ["-rltn", "--checksum", "--itemize-changes", "--out-format=%i|%n", "--stats", "--no-h"];
  if (o.delete_extraneous) args.push("--delete");
  for (const p of o.exclude_patterns) args.push(`--exclude=${p}`);
  // The source's exclude_dirs, as the backup's rsync skips them.
  for (const p of excludeDirPatterns(source, o.exclude_dirs ?? [])) args.push(`--exclude=${p}`);
  args.push(`${source.replace(/\/+$/, "")}/`, `${dest.replace(/\/+$/, "")}/`);
  return args;
}

/** rsync prints bytes that are not printable (in the locale) in a name as \#ooo. */
const unescapeName = (name: string) => name.replace(/\\#([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * Why one itemized line is a difference, or null (folders, and attribute changes the backup does
 * not keep). Itemize is `YXcstpoguax`: Y `>` would be sent, `c` created, `*` a message
 * ("*deleting"); X `f` file, `L` symlink, `d` folder; then c checksum, s size, t time.
 */
export function differenceOf(itemize: string): string[] | null {
  if (itemize.startsWith("*deleting")) return [EXTRA];
  const type = itemize[1];
  if (type !== "f" && type !== "L") return null;
  if (itemize.slice(2).startsWith("+++")) return [MISSING];
  const reasons: string[] = [];
  if (type === "L") {
    if (itemize[2] === "c") reasons.push("symbolic link target differs");
    return reasons.length ? reasons : null;
  }
  if (itemize[3] === "s") reasons.push("size differs");
  else if (itemize[2] === "c") reasons.push("content differs (checksum)");
  if (itemize[4] === "t" || itemize[4] === "T") reasons.push("modification time differs");
  return reasons.length ? reasons : null;
}

/** "Number of files: 5 (reg: 3, dir: 1, link: 1)" -> the regular files and links rsync looked at. */
export function filesCounted(line: string): number | null {
  if (!line.startsWith("Number of files:")) return null;
  const n = (what: string) => Number(new RegExp(`${what}: ([\\d,.]+)`).exec(line)?.[1]?.replace(/[,.]/g, "") ?? 0);
  return n("reg") + n("link");
}

export async function verifyLocal(input: LocalVerifyInput): Promise<VerifyOutcome> {
  const { config, report, options, signal } = input;
  checkSources(input.sources, false);
  const refuse: Refuse = (m) => new DestinationError("refused", m);
  checkLocalPaths(config, input.sources, { allowedBrowsePaths: input.allowedRoots, dataDir: input.dataDir }, refuse);
  const rsync = Bun.which("rsync", { PATH: process.env.PATH ?? "" });
  if (!rsync) throw new DestinationError("unavailable", "rsync is not installed on this server (install the rsync package): verifying local and USB backups needs it");
  if (!isDirectory(config.mount_point)) throw new DestinationError("not_found", `Destination ${config.mount_point} does not exist or is not a folder (is the drive mounted?)`);
  const root = backupRoot(config);
  const tally = new VerifyTally(report);
  report.log("info", `Verifying ${input.sources.length} source folder(s) with rsync by checksum (every file read on both sides). Nothing is changed on either side.`);
  for (const source of input.sources) {
    if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
    const label = basename(source.replace(/\/+$/, ""));
    const dest = join(root, label);
    if (!isDirectory(dest)) report.log("info", `${dest} does not exist: every file of ${source} is missing`);
    await compareOne(rsync, verifyArgs(source, dest, options), label, tally, input);
  }
  report.log("info", `Checked ${tally.filesChecked} file(s): ${tally.differences} difference(s)`);
  return { ...tally.counts(), bytesRead: 0 };
}

async function compareOne(rsync: string, args: string[], label: string, tally: VerifyTally, { report, signal, options }: LocalVerifyInput): Promise<void> {
  if (options.verbosity === "verbose") report.log("info", `rsync ${args.join(" ")}`);
  const proc = spawnChild([rsync, ...args], { env: { ...process.env, LC_ALL: "C.UTF-8" } });
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    killChild(proc, "SIGTERM");
    killTimer = setTimeout(() => killChild(proc, "SIGKILL"), KILL_GRACE_MS);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  let lastError: string | null = null;
  let counted: number | null = null;
  const readStdout = async () => {
    for await (const line of lines(proc.stdout)) {
      const sep = line.indexOf("|");
      if (sep === 11) {
        const reasons = differenceOf(line.slice(0, 11));
        if (reasons) tally.differ(`${label}/${unescapeName(line.slice(12))}`, reasons);
        continue;
      }
      counted ??= filesCounted(line);
    }
  };
  const readStderr = async () => {
    for await (const line of lines(proc.stderr)) {
      if (line.trim() === "") continue;
      lastError = line;
      report.log("error", line);
    }
  };
  try {
    await Promise.all([readStdout(), readStderr(), proc.exited]);
  } finally {
    clearTimeout(killTimer);
    signal.removeEventListener("abort", onAbort);
  }
  if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
  const code = proc.exitCode;
  if (code === null) throw new DestinationError("failed", `rsync was killed by ${proc.signalCode ?? "a signal"}`);
  // Partial (23) or vanished files (24) mean some files could not be compared: not a clean verify.
  if (code !== 0) throw new DestinationError(code === 11 || code === 12 ? "unavailable" : "failed", exitMessage(code, lastError));
  tally.checked(counted ?? 0);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
