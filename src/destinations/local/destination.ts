// Local disk / USB destination: one `rsync -a` per source folder into
// `<mount_point>/<backup_subdir>/<basename>/`. Output is streamed line by line: per-file records
// feed the counters and the log, `--stats` gives the totals, the exit code becomes words.
import { randomUUID } from "node:crypto";
import { statfsSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, isAbsolute, join, normalize } from "node:path";
import { withAutoMount } from "../../system/automount.ts";
import { killChild, spawnChild } from "../../system/children.ts";
import { guardHostPath, type HostPathRules, type Refuse } from "../../system/paths.ts";
import {
  type Destination,
  DestinationError,
  excludeDirPatterns,
  type FieldSpec,
  fieldError,
  parseFields,
  type RunReporter,
  type SyncOptions,
  type SyncRequest,
  type SyncResult,
  type TestResult,
} from "../contract.ts";
import { VERSIONS_DIR, versionStamp } from "../engine/version-names.ts";
import { exitMessage, type FileRecord, PendingFiles, parseRecord, type RsyncStats, readStatLine, WARNING_EXIT_CODES } from "./rsync-output.ts";
import { runSpaceCheck } from "./space.ts";
import { pruneLocalVersions } from "./versions.ts";

export interface LocalConfig {
  mount_point: string;
  backup_subdir: string;
  usb_uuid: string | null;
  auto_mount: boolean;
  auto_unmount: boolean;
  /** Free space the run needs on the destination (checked before it starts, see docs/drives.md). */
  min_free_space_mb: number | null;
  on_low_space: "fail" | "warn";
}

/** After SIGTERM, rsync gets this long to clean up before SIGKILL. */
export const KILL_GRACE_MS = 5000;

const configFields: FieldSpec[] = [
  { name: "mount_point", label: "Mount point or folder", type: "path", required: true, help: "An existing folder, e.g. /mnt/backup" },
  { name: "backup_subdir", label: "Sub-folder", type: "string", required: false, default: "", help: "Created under the mount point when missing" },
  { name: "usb_uuid", label: "USB drive UUID", type: "drive", required: false, help: "Only write when this drive is mounted there" },
  { name: "auto_mount", label: "Mount before the run", type: "boolean", required: false, default: false },
  { name: "auto_unmount", label: "Unmount after the run", type: "boolean", required: false, default: false },
  { name: "min_free_space_mb", label: "Minimum free space (MB)", type: "integer", required: false, help: "Checked before each run; empty for no check" },
  {
    name: "on_low_space",
    label: "When space is low",
    type: "choice",
    options: ["fail", "warn"],
    required: false,
    default: "fail",
    help: "fail (the run stops before writing) or warn (a warning on the run)",
  },
];

function parseConfig(raw: unknown): LocalConfig {
  const v = parseFields(configFields, raw, "Local / USB");
  const mount = String(v.mount_point);
  if (!isAbsolute(mount)) throw fieldError("mount_point", "must be an absolute path");
  const sub = String(v.backup_subdir ?? "").replace(/^\/+|\/+$/g, "");
  if (sub.split("/").includes("..")) throw fieldError("backup_subdir", "must stay inside the mount point (no '..')");
  const uuid = v.usb_uuid === null ? null : String(v.usb_uuid);
  if (uuid !== null && !/^[A-Za-z0-9-]{1,64}$/.test(uuid)) throw fieldError("usb_uuid", "must be a filesystem UUID like 1234-ABCD");
  return {
    mount_point: normalize(mount).replace(/(.)\/+$/, "$1"),
    backup_subdir: sub === "" ? "" : normalize(sub),
    usb_uuid: uuid,
    auto_mount: v.auto_mount === true,
    auto_unmount: v.auto_unmount === true,
    ...parseSpaceCheck(v),
  };
}

function parseSpaceCheck(v: Record<string, unknown>): Pick<LocalConfig, "min_free_space_mb" | "on_low_space"> {
  const min = v.min_free_space_mb === null || v.min_free_space_mb === undefined ? null : Number(v.min_free_space_mb);
  if (min !== null && min < 0) throw fieldError("min_free_space_mb", "must be a whole number of at least 0");
  const on = v.on_low_space ?? "fail";
  if (on !== "fail" && on !== "warn") throw fieldError("on_low_space", 'must be one of "fail", "warn"');
  return { min_free_space_mb: min, on_low_space: on };
}

/**
 * The guard rails on where a local job writes (docs/engine.md): the mount point, the sub-folder
 * and each `<root>/<basename>` rsync writes into must resolve inside ALLOWED_BROWSE_PATHS and
 * never be the data folder or inside it; a target that contains the data folder is refused too
 * (rsync --delete there would wipe it), and so is a mount point that contains it when the drive
 * is mounted there (the mount would hide the database and the key).
 */
export function checkLocalPaths(config: LocalConfig, sources: string[], rules: HostPathRules, refuse: Refuse) {
  guardHostPath(config.mount_point, "destination_config.mount_point", rules, { refuse, refuseAncestorOfData: config.auto_mount });
  const field = config.backup_subdir ? "destination_config.backup_subdir" : "destination_config.mount_point";
  const root = backupRoot(config);
  if (config.backup_subdir) guardHostPath(root, field, rules, { refuse });
  sources.forEach((source, i) => {
    const target = join(root, basename(source));
    guardHostPath(target, field, rules, { refuse, refuseAncestorOfData: true, subject: `Field '${field}' (source_dirs.${i} is copied to ${target})` });
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

async function test(config: LocalConfig): Promise<TestResult> {
  if (!isDirectory(config.mount_point)) {
    return { success: false, message: `${config.mount_point} does not exist or is not a folder`, details: null };
  }
  const probe = join(config.mount_point, `.dynamight-test-${randomUUID()}`);
  try {
    writeFileSync(probe, "");
    unlinkSync(probe);
  } catch (err) {
    return { success: false, message: `${config.mount_point} is not writable (${(err as NodeJS.ErrnoException).code ?? "error"})`, details: null };
  }
  let free: number | null = null;
  try {
    const s = statfsSync(config.mount_point);
    free = s.bavail * s.bsize;
  } catch {}
  return { success: true, message: "Folder exists and is writable", details: { mount_point: config.mount_point, free_bytes: free, rsync: Bun.which("rsync") !== null } };
}

/**
 * `backupDir`: with versions on, where rsync moves each file it overwrites or deletes
 * (`<root>/.dynamight-versions/<run start>/<basename>`; it keeps the path below the transfer's
 * destination there). It lies outside `dest`, so neither --delete nor an exclude of this
 * transfer ever reaches the versions folder: no protect filter is needed.
 */
export function rsyncArgs(source: string, dest: string, o: SyncOptions, backupDir?: string): string[] {
  // `source/` copies the folder's contents into `dest/`, which is `<root>/<basename>/`.
  // No --partial/--partial-dir: local copies are whole-file, so a partial file would not speed
  // up the next run, and --partial-dir costs an extra stat per file on every no-change sync.
  // Without them an interrupted file is a hidden temp file rsync removes, never a truncated copy.
  // %b (bytes sent) in the format makes rsync print a file's record after sending it, not
  // before: a file is counted once it is done, never when it starts (see PendingFiles).
  const args = ["-a", "--mkpath", "--out-format=%i|%n|%l|%b", "--stats", "--no-h"];
  if (o.delete_extraneous) args.push("--delete");
  if (backupDir) args.push("--backup", `--backup-dir=${backupDir}`);
  // One argument each, `--exclude=` glued: a pattern starting with '-' stays a pattern.
  for (const p of o.exclude_patterns) args.push(`--exclude=${p}`);
  for (const p of excludeDirPatterns(source, o.exclude_dirs)) args.push(`--exclude=${p}`);
  if (o.provider_options?.checksum_mode) args.push("--checksum");
  if (o.provider_options?.compress) args.push("--compress");
  if (o.provider_options?.ignore_times) args.push("--ignore-times");
  if (o.bandwidth_limit_kbps) args.push(`--bwlimit=${o.bandwidth_limit_kbps}`);
  if (o.dry_run) args.push("--dry-run");
  args.push(source.replace(/\/+$/, "") + "/", dest.replace(/\/+$/, "") + "/");
  return args;
}

/** The lines of a child's output stream, as they come (the last one without its newline too). */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = "";
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += decoder.decode(value, { stream: true });
    let nl: number;
    let start = 0;
    while ((nl = rest.indexOf("\n", start)) !== -1) {
      yield rest.slice(start, nl);
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.decode();
  if (rest) yield rest;
}

interface RsyncRun {
  rsync: string;
  args: string[];
  label: string;
  options: SyncOptions;
  report: RunReporter;
  signal: AbortSignal;
  /** The source and destination folders of the transfer: a sent file counts once it is found
   *  complete there. Without them a file counts when rsync reports it sent. */
  dirs?: { source: string; dest: string };
}

/** How often the files rsync has sent are checked against the destination. */
const CONFIRM_INTERVAL_MS = 250;
/** A copied file's mtime is the source's; FAT keeps it to 2 s. */
const MTIME_SLACK_MS = 2000;

/** rsync prints bytes that are not printable (in the locale) in a name as \#ooo. */
const unescapeName = (name: string) => name.replace(/\\#([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Whether the destination holds the sent file in full: its size, and the source's mtime. */
function writtenTo(dirs: { source: string; dest: string }, rec: FileRecord): boolean {
  const name = unescapeName(rec.name);
  try {
    const d = statSync(join(dirs.dest, name));
    if (!d.isFile() || d.size !== rec.size) return false;
    let src: ReturnType<typeof statSync> | undefined;
    try {
      src = statSync(join(dirs.source, name));
    } catch {
      return true; // vanished from the source since: the size is all there is to compare
    }
    return Math.abs(d.mtimeMs - src.mtimeMs) <= MTIME_SLACK_MS;
  } catch {
    return false;
  }
}

/** One rsync process, streamed; resolves with its totals or throws DestinationError. */
export async function runRsync({ rsync, args, label, options, report, signal, dirs }: RsyncRun): Promise<RsyncStats> {
  const verbosity = options.verbosity;
  const would = options.dry_run ? "would " : "";
  if (verbosity === "verbose") report.log("info", `rsync ${args.join(" ")}`);
  // Its own process group (rsync forks a generator and a receiver): signals go to the group.
  // Stable English totals whatever the server's locale, UTF-8 file names shown as they are.
  const proc = spawnChild([rsync, ...args], { env: { ...process.env, LC_ALL: "C.UTF-8" } });
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    killChild(proc, "SIGTERM");
    killTimer = setTimeout(() => killChild(proc, "SIGKILL"), KILL_GRACE_MS);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });

  const counted: RsyncStats = { filesTransferred: 0, bytesTransferred: 0, filesDeleted: 0 };
  const stats: Partial<RsyncStats> = {};
  let lastError: string | null = null;

  // Copied files count (and are logged) once they are on disk, not when rsync has sent them.
  const written = (recs: FileRecord[]) => {
    let bytes = 0;
    for (const rec of recs) {
      bytes += rec.size;
      if (verbosity === "normal") report.log("info", `${would}copy ${label}/${rec.name}`);
      else if (verbosity === "verbose") report.log("info", `${rec.itemize} ${label}/${rec.name} ${rec.size}`);
    }
    counted.filesTransferred += recs.length;
    counted.bytesTransferred += bytes;
    report.progress({ files: recs.length, bytes });
  };
  // A dry run writes nothing: what rsync would send is what is reported.
  const pending = dirs && !options.dry_run ? new PendingFiles((rec) => writtenTo(dirs, rec), written) : null;
  const confirmTimer = pending ? setInterval(() => pending.confirm(), CONFIRM_INTERVAL_MS) : undefined;

  const readStdout = async () => {
    for await (const line of lines(proc.stdout)) {
      const rec = parseRecord(line);
      if (rec) {
        if (rec.kind === "transfer") {
          if (pending) pending.add(rec);
          else written([rec]);
          continue;
        } else if (rec.kind === "delete") {
          counted.filesDeleted++;
          report.progress({ deleted: 1 });
          if (verbosity === "normal") report.log("info", `${would}delete ${label}/${rec.name}`);
        }
        if (verbosity === "verbose" && rec.name !== "./") report.log("info", `${rec.itemize} ${label}/${rec.name} ${rec.size}`);
        continue;
      }
      const isStat = readStatLine(line, stats);
      if (verbosity === "verbose" && line.trim() !== "") report.log("info", line);
      else if (!isStat && line.trim() !== "" && verbosity === "normal" && !line.startsWith("created ")) report.log("info", line);
    }
  };
  const readStderr = async () => {
    for await (const line of lines(proc.stderr)) {
      if (line.trim() === "") continue;
      const final = line.startsWith("rsync error:");
      if (!final || lastError === null) lastError = line;
      report.log(final ? "error" : "warning", line);
    }
  };
  try {
    await Promise.all([readStdout(), readStderr(), proc.exited]);
  } finally {
    clearTimeout(killTimer);
    clearInterval(confirmTimer);
    signal.removeEventListener("abort", onAbort);
  }
  const code = proc.exitCode;
  if (pending) {
    // Ran to the end without error: the receiver wrote all it was sent. Otherwise (stopped,
    // killed, failed) only what is found on disk counts.
    if (!signal.aborted && code !== null && (code === 0 || WARNING_EXIT_CODES.has(code))) pending.releaseAll();
    else {
      const lost = pending.finish();
      if (lost.length && verbosity === "verbose") report.log("info", `${lost.length} file(s) sent by rsync but not completed on the destination (not counted)`);
    }
  }
  if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
  if (code === null) throw new DestinationError("failed", `rsync was killed by ${proc.signalCode ?? "a signal"}`);
  const totals: RsyncStats = {
    filesTransferred: stats.filesTransferred ?? counted.filesTransferred,
    bytesTransferred: stats.bytesTransferred ?? counted.bytesTransferred,
    filesDeleted: stats.filesDeleted ?? counted.filesDeleted,
  };
  if (code === 0) return totals;
  if (WARNING_EXIT_CODES.has(code)) {
    report.log("warning", exitMessage(code, null));
    return totals;
  }
  throw new DestinationError(code === 11 || code === 12 ? "unavailable" : "failed", exitMessage(code, lastError));
}

async function sync(req: SyncRequest<LocalConfig>): Promise<SyncResult> {
  const { config, report, options, signal } = req;
  const rules: HostPathRules = { allowedBrowsePaths: req.allowedRoots, dataDir: req.dataDir };
  const refuse: Refuse = (m) => new DestinationError("refused", m);
  // Before mounting anything (the engine checked too), and again on the mounted drive, whose
  // folders (a sub-folder that is a symlink) only exist from now on.
  checkLocalPaths(config, req.sources, rules, refuse);
  return withAutoMount(
    config,
    report,
    async () => {
      checkLocalPaths(config, req.sources, rules, refuse);
      // PATH read per run, so installing rsync while the server runs is picked up.
      const rsync = Bun.which("rsync", { PATH: process.env.PATH ?? "" });
      if (!rsync) throw new DestinationError("unavailable", "rsync is not installed on this server (install the rsync package): local and USB backups need it");
      // Never create the mount point itself: an unplugged drive would silently fill the system disk.
      if (!isDirectory(config.mount_point)) throw new DestinationError("not_found", `Destination ${config.mount_point} does not exist or is not a folder (is the drive mounted?)`);
      const root = backupRoot(config);
      await runSpaceCheck(root, req.sources, options, rsyncArgs, report, signal);
      const result: SyncResult = { filesTransferred: 0, bytesTransferred: 0, filesDeleted: 0 };
      const runStart = req.startedAt ?? Date.now();
      const keepDays = options.dry_run ? null : (options.keep_versions_days ?? null);
      const stamp = versionStamp(runStart);
      // The plan (what the run will send, for the progress bar's % and ETA) is a dry run beside
      // the real one: it never delays the transfer, and a plan that fails only leaves the bar
      // without totals. Stopped when the run ends.
      const planStop = new AbortController();
      const stopPlan = () => planStop.abort();
      signal.addEventListener("abort", stopPlan, { once: true });
      if (!options.dry_run && report.totals) {
        planTotals(rsync, req.sources, root, options, planStop.signal)
          .then((t) => {
            if (!planStop.signal.aborted) report.totals!(t);
          })
          .catch(() => {});
      }
      try {
        for (const source of req.sources) {
          if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
          const label = basename(source);
          if (label === VERSIONS_DIR) throw new DestinationError("config", `source ${source} cannot be synced: ${VERSIONS_DIR} is where the destination keeps old versions`);
          const dest = join(root, label);
          report.log("info", `${options.dry_run ? "Dry run: " : ""}Starting sync of ${source} to ${dest}/`);
          const t = await runRsync({
            rsync,
            args: rsyncArgs(source, dest, options, keepDays === null ? undefined : join(root, VERSIONS_DIR, stamp, label)),
            label,
            options,
            report,
            signal,
            dirs: { source, dest },
          });
          result.filesTransferred += t.filesTransferred;
          result.bytesTransferred += t.bytesTransferred;
          result.filesDeleted += t.filesDeleted;
          report.log(
            "info",
            `${label}: ${t.filesTransferred} file(s) ${options.dry_run ? "would be " : ""}copied (${t.bytesTransferred} bytes), ${t.filesDeleted} ${options.dry_run ? "would be " : ""}deleted`,
          );
        }
      } finally {
        signal.removeEventListener("abort", stopPlan);
        planStop.abort();
      }
      if (keepDays !== null) result.versionsPruned = pruneLocalVersions(root, keepDays, runStart, report);
      return result;
    },
    { allowedRoots: req.allowedRoots },
  );
}

const SILENT: RunReporter = { log: () => {}, progress: () => {} };

/** What a run will send (files and bytes over all sources): rsync's dry run with the same options, its --stats totals. */
async function planTotals(rsync: string, sources: string[], root: string, options: SyncOptions, signal: AbortSignal): Promise<{ files: number; bytes: number }> {
  const plan = { ...options, dry_run: true, bandwidth_limit_kbps: null, verbosity: "quiet" as const };
  let files = 0;
  let bytes = 0;
  for (const source of sources) {
    const t = await runRsync({ rsync, args: rsyncArgs(source, join(root, basename(source)), plan), label: basename(source), options: plan, report: SILENT, signal });
    files += t.filesTransferred;
    bytes += t.bytesTransferred;
  }
  return { files, bytes };
}

/** The folder the sources are copied into: `<mount_point>/<backup_subdir>`. */
export function backupRoot(config: LocalConfig): string {
  return config.backup_subdir ? join(config.mount_point, config.backup_subdir) : config.mount_point;
}

export const localDestination: Destination<LocalConfig, "local"> = {
  type: "local",
  name: "Local / USB",
  description: "Rsync to local or mounted drives",
  configFields,
  credentialFields: [],
  capabilities: {
    supports_delete: true,
    supports_compression: true,
    supports_checksum: true,
    supports_bandwidth_limit: true,
    supports_exclude_patterns: true,
    supports_incremental: true,
    supports_dry_run: true,
    requires_credentials: false,
    sync_implemented: true,
  },
  parseConfig,
  checkHostPaths: checkLocalPaths,
  parseCredential() {
    throw new DestinationError("config", "Local / USB destinations take no credentials");
  },
  test: (config) => test(config),
  // Reading back goes through the filesystem; a drive with auto_mount must be mounted by the caller.
  async openStore(config) {
    const { LocalStore } = await import("./store.ts");
    return new LocalStore(backupRoot(config));
  },
  sync,
};
