// Mounting a USB destination around a run (usb_uuid + auto_mount / auto_unmount).
// Owned by the System/USB feature; the local destination calls it and knows nothing else of mounts.
//
// The rule that matters: when a job names a drive, nothing is written unless the mount point is a
// mount of that very drive. Otherwise an unplugged disk means the backup silently fills the disk
// under the mount point (usually the root filesystem).
import { existsSync, mkdirSync, statfsSync } from "node:fs";
import { dirname } from "node:path";
import { OPTIONS } from "../config.ts";
import type { DestinationErrorKind, RunReporter } from "../destinations/contract.ts";
import { DestinationError } from "../destinations/contract.ts";
import { ApiError } from "../http/errors.ts";
import { deviceOfUuid, isValidUuid, mountAt, mountByUuid, sameUuid, unmount, uuidOfMount } from "./mounts.ts";
import { confine, resolveReal } from "./paths.ts";

export interface MountConfig {
  mount_point: string;
  usb_uuid?: string | null;
  auto_mount?: boolean;
  auto_unmount?: boolean;
  /** Checked before the run: less free space than this on the destination fails or warns. */
  min_free_space_mb?: number | null;
  on_low_space?: "fail" | "warn";
}

export interface AutoMountOptions {
  /** ALLOWED_BROWSE_PATHS (ctx.config.allowedBrowsePaths). A drive is mounted only inside them. */
  allowedRoots?: string[];
}

function kindOf(err: ApiError): DestinationErrorKind {
  if (err.status === 404) return "not_found";
  if (err.status === 403) return "permission";
  if (err.status === 400 || err.status === 422 || err.status === 409) return "config";
  if (err.status === 504) return "unavailable";
  return "failed";
}

/** Mount errors speak HTTP; a run speaks DestinationError. */
function asDestinationError(err: unknown, context: string): unknown {
  if (err instanceof ApiError) return new DestinationError(kindOf(err), `${context}: ${err.message}`, { cause: err });
  return err;
}

/** Free space in MiB on the filesystem holding `path` (or its nearest existing parent). */
export function freeSpaceMb(path: string): number {
  let at = resolveReal(path);
  while (!existsSync(at) && at !== "/") at = dirname(at);
  const s = statfsSync(at);
  return Math.floor((Number(s.bavail) * Number(s.bsize)) / (1024 * 1024));
}

/** The words for free space under the job's threshold, or null when there is enough (or no threshold). */
function lowSpace(config: MountConfig): string | null {
  const min = config.min_free_space_mb;
  if (min === undefined || min === null || !(min > 0)) return null;
  const free = freeSpaceMb(config.mount_point);
  return free >= min ? null : `Only ${free} MB free on ${config.mount_point}; the job asks for at least ${min} MB`;
}

function checkFreeSpace(config: MountConfig, report: RunReporter) {
  const message = lowSpace(config);
  if (message === null) return;
  report.alert?.({ kind: "low_space", message });
  if (config.on_low_space === "warn") report.log("warning", message);
  else throw new DestinationError("failed", `${message}. Free some space, or set on_low_space to "warn"`);
}

/** After the copy (before any unmount): a destination the run has just filled past the threshold is told of too. */
function alertIfLowAfter(config: MountConfig, report: RunReporter) {
  try {
    const message = lowSpace(config);
    if (message !== null) report.alert?.({ kind: "low_space", message: `${message} (after the run)` });
  } catch {
    // The run's outcome stands; a free-space reading that fails after it is not the run's failure.
  }
}

/** Mounts the drive unless it is already mounted there; true when this call mounted it. */
async function ensureMounted(uuid: string, mountPoint: string, roots: string[], report: RunReporter): Promise<boolean> {
  if (existsSync(mountPoint) && mountAt(resolveReal(mountPoint))) return false;
  // Look for the drive before creating anything: a missing drive must leave no trace.
  const device = await deviceOfUuid(uuid);
  if (!device) throw new DestinationError("not_found", `The drive with UUID ${uuid} is not connected; nothing was written to ${mountPoint}`);
  const real = confine(mountPoint, roots, { allowRoot: false, what: "Mount point" });
  if (!existsSync(real)) mkdirSync(real, { recursive: true, mode: 0o755 });
  const outcome = await mountByUuid(uuid, real);
  if (outcome === "mounted") report.log("info", `Mounted drive ${uuid} (${device}) at ${real}`);
  return outcome === "mounted";
}

/** Throws unless `mountPoint` is a mount point whose filesystem carries `uuid`. */
export async function verifyMount(uuid: string, mountPoint: string): Promise<void> {
  const real = existsSync(mountPoint) ? resolveReal(mountPoint) : null;
  const entry = real ? mountAt(real) : null;
  if (!real || !entry) {
    throw new DestinationError("not_found", `${mountPoint} is not a mount point: the drive with UUID ${uuid} is not mounted there, so nothing was written (enable auto_mount or mount the drive)`);
  }
  const actual = await uuidOfMount(real);
  if (!sameUuid(actual, uuid)) {
    throw new DestinationError("config", `${mountPoint} holds another filesystem (${entry.device}, UUID ${actual ?? "unknown"}), not the drive with UUID ${uuid}; nothing was written`);
  }
}

/**
 * Runs `fn` with the destination ready to be written. Without usb_uuid this is just `fn()`
 * (after the free-space check). With usb_uuid: mount by UUID if auto_mount and not mounted,
 * verify that mount_point is a mount carrying that UUID (else throw: nothing may be written to
 * the underlying disk), run, and unmount afterwards when auto_unmount, whatever the result.
 */
export async function withAutoMount<T>(config: MountConfig, report: RunReporter, fn: () => Promise<T>, opts: AutoMountOptions = {}): Promise<T> {
  if (!config.usb_uuid) {
    checkFreeSpace(config, report);
    const result = await fn();
    alertIfLowAfter(config, report);
    return result;
  }
  const uuid = config.usb_uuid;
  if (!isValidUuid(uuid)) throw new DestinationError("config", `usb_uuid "${uuid}" is not a filesystem UUID`);
  if (typeof config.mount_point !== "string" || !config.mount_point.startsWith("/")) {
    throw new DestinationError("config", "mount_point must be an absolute path");
  }
  const roots = opts.allowedRoots ?? OPTIONS.allowedBrowsePaths.def.split(",");
  let mountedHere = false;
  let verified = false;
  try {
    if (config.auto_mount) {
      try {
        mountedHere = await ensureMounted(uuid, config.mount_point, roots, report);
      } catch (err) {
        throw asDestinationError(err, `Cannot mount the drive with UUID ${uuid} at ${config.mount_point}`);
      }
    }
    await verifyMount(uuid, config.mount_point);
    verified = true;
    checkFreeSpace(config, report);
    const result = await fn();
    alertIfLowAfter(config, report);
    return result;
  } finally {
    // Unmount only a mount known to be ours: never someone else's filesystem found at the path.
    if (config.auto_unmount && (verified || mountedHere)) {
      try {
        await unmount(resolveReal(config.mount_point));
        report.log("info", `Unmounted ${config.mount_point}`);
      } catch (err) {
        report.log("warning", `Could not unmount ${config.mount_point}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
