// The kernel's mount table and mounting by filesystem UUID. Callers pass paths already confined
// (paths.ts) and UUIDs already checked (assertUuid): nothing here trusts text from a client, and
// every process gets an argument array whose user parts cannot be read as options.
import { readFileSync } from "node:fs";
import { ApiError, conflict, forbidden, invalidField, notFound } from "../http/errors.ts";
import { type CommandResult, runCommand } from "./command.ts";

/**
 * ext2/3/4, xfs, btrfs: RFC 4122 form. FAT/exFAT: volume serial XXXX-XXXX. NTFS: 16 hex digits.
 * Anything else (quotes, spaces, `;`, `$(...)`, a leading `-`) never reaches a process.
 */
export const UUID_PATTERN = "^(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}|[0-9A-Fa-f]{16})$";
const UUID_RE = new RegExp(UUID_PATTERN);

export function isValidUuid(value: unknown): value is string {
  return typeof value === "string" && UUID_RE.test(value);
}

export function assertUuid(value: unknown): string {
  if (!isValidUuid(value)) {
    throw invalidField("uuid", "must be a filesystem UUID like 0b5e7a1e-0000-4000-8000-00000000b4c4 (ext4, xfs, btrfs), 1234-ABCD (FAT, exFAT) or 16 hex digits (NTFS)");
  }
  return value;
}

export function sameUuid(a: string | null | undefined, b: string | null | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

export interface MountEntry {
  device: string;
  mountpoint: string;
  fstype: string;
  options: string;
}

/** mountinfo escapes space, tab, newline and backslash as \040 \011 \012 \134. */
export function decodeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/self/mountinfo text (proc(5)): fields up to " - ", then fstype, source, super options. */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(" ");
    const right = line.slice(sep + 3).split(" ");
    if (left.length < 6 || right.length < 2) continue;
    out.push({
      device: decodeMountField(right[1]!),
      mountpoint: decodeMountField(left[4]!),
      fstype: right[0]!,
      options: left[5]!,
    });
  }
  return out;
}

export function readMounts(): MountEntry[] {
  return parseMountInfo(readFileSync("/proc/self/mountinfo", "utf8"));
}

/** The mount visible at `path` (the last one stacked there), or null when it is not a mount point. */
export function mountAt(path: string, mounts = readMounts()): MountEntry | null {
  for (let i = mounts.length - 1; i >= 0; i--) if (mounts[i]!.mountpoint === path) return mounts[i]!;
  return null;
}

export function isMountPoint(path: string): boolean {
  return mountAt(path) !== null;
}

/** The device node carrying this UUID, probed fresh (no blkid cache, so an unplugged drive is gone). */
export async function deviceOfUuid(uuid: string): Promise<string | null> {
  assertUuid(uuid);
  const res = await runCommand(["blkid", "-c", "/dev/null", "-o", "device", "-t", `UUID=${uuid}`]);
  if (res.timedOut) throw new ApiError(504, "Timeout", "Looking for the drive took too long (blkid did not answer)");
  const dev = res.code === 0 ? res.stdout.split("\n")[0]?.trim() : "";
  return dev || null;
}

/** The filesystem UUID of a block device, or null (not a block device, not readable, no UUID). */
export async function uuidOfDevice(device: string): Promise<string | null> {
  if (!device.startsWith("/dev/")) return null;
  const res = await runCommand(["blkid", "-c", "/dev/null", "-s", "UUID", "-o", "value", "--", device]);
  return res.code === 0 && res.stdout.trim() ? res.stdout.trim() : null;
}

/**
 * The UUID of whatever is mounted at `path`: a fresh probe of its source device (blkid without
 * cache: findmnt and mount may answer from /run/blkid, which can describe a previous drive on the
 * same device node), with findmnt only when that probe is impossible.
 */
export async function uuidOfMount(path: string): Promise<string | null> {
  const entry = mountAt(path);
  if (!entry) return null;
  const probed = await uuidOfDevice(entry.device);
  if (probed) return probed;
  // As root the probe is authoritative; without root (a drive mounted through fstab) it cannot
  // read the device, and findmnt's answer (udev or cache) is the best there is.
  if (entry.device.startsWith("/dev/") && process.getuid?.() === 0) return null;
  const res = await runCommand(["findmnt", "-n", "-o", "UUID", "--mountpoint", path]);
  const lines =
    res.code === 0
      ? res.stdout
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean)
      : [];
  return lines.at(-1) || null;
}

/** Turns mount/umount stderr into the contract's errors. Exported for tests with real messages. */
export function mountFailure(res: CommandResult, action: "mount" | "unmount", target: string, uuid?: string): ApiError {
  const msg = res.stderr;
  const words = msg.replace(/^u?mount: /, "");
  if (res.timedOut) return new ApiError(504, "Timeout", `${action === "mount" ? "Mounting" : "Unmounting"} ${target} did not finish in time; the drive may be failing`);
  if (/must be superuser|only root|operation not permitted|permission denied/i.test(msg)) {
    return forbidden(`Dynamight is not allowed to ${action} drives: run it as root (or with CAP_SYS_ADMIN). ${words}`);
  }
  if (/target is busy|device is busy/i.test(msg)) {
    return conflict(`${target} is in use (a program has a file or folder open on it); close it and try again`);
  }
  if (/can't find UUID|no such device|special device .* does not exist/i.test(msg)) {
    return notFound(`No drive with UUID ${uuid ?? "?"} is connected`);
  }
  if (/not mounted/i.test(msg)) return notFound(`Nothing is mounted at ${target}`);
  if (/unknown filesystem type|wrong fs type|bad superblock|bad option/i.test(msg)) {
    return new ApiError(422, "Unsupported filesystem", `The drive cannot be mounted: this system has no driver for its filesystem or the filesystem is damaged (${words})`);
  }
  return new ApiError(500, "Mount failed", `${action} failed: ${words || `exit code ${res.code}`}`);
}

export type MountOutcome = "mounted" | "already_mounted";

/**
 * Mounts the filesystem with `uuid` at `mountPoint` (an existing, confined folder) with
 * nosuid,nodev. Already mounted there: nothing to do. Another filesystem there: 409.
 */
export async function mountByUuid(uuid: string, mountPoint: string): Promise<MountOutcome> {
  assertUuid(uuid);
  const current = mountAt(mountPoint);
  if (current) {
    const there = await uuidOfMount(mountPoint);
    if (sameUuid(there, uuid)) return "already_mounted";
    throw conflict(`Another filesystem (${current.device}) is already mounted at ${mountPoint}`);
  }
  const device = await deviceOfUuid(uuid);
  if (!device) throw notFound(`No drive with UUID ${uuid} is connected`);
  // The device found by a fresh probe, not `UUID=`: mount resolves UUID= through the blkid cache
  // (/run/blkid), which still names the old drive when another one takes over its device node.
  // Both arguments are absolute paths after `--`, so neither can be taken for an option.
  const res = await runCommand(["mount", "-o", "nosuid,nodev", "--", device, mountPoint]);
  if (res.code !== 0) throw mountFailure(res, "mount", mountPoint, uuid);
  const mounted = await uuidOfMount(mountPoint);
  if (!sameUuid(mounted, uuid)) {
    // The device changed hands between the probe and the mount: do not leave the wrong drive there.
    await runCommand(["umount", "--", mountPoint]);
    throw conflict(`The drive at ${device} changed while mounting (found UUID ${mounted ?? "unknown"}); try again`);
  }
  return "mounted";
}

// A drive is often busy for a moment only: a program that just ended (rsync's children, a file
// manager's probe, a desktop indexer) can hold it for a few hundred milliseconds after its exit is
// reported. Retried for ~2 s before the drive is called in use.
const BUSY_RETRY_MS = [100, 250, 500, 1000];

export async function unmount(mountPoint: string): Promise<void> {
  if (!mountAt(mountPoint)) throw notFound(`Nothing is mounted at ${mountPoint}`);
  for (let attempt = 0; ; attempt++) {
    const res = await runCommand(["umount", "--", mountPoint]);
    if (res.code === 0) return;
    const busy = /target is busy|device is busy/i.test(res.stderr);
    if (!busy || attempt >= BUSY_RETRY_MS.length) throw mountFailure(res, "unmount", mountPoint);
    await Bun.sleep(BUSY_RETRY_MS[attempt]!);
  }
}
