// Free space on the filesystem of each enabled local/USB job's destination, read at scrape time
// (dynamight_target_*). Read live rather than taken from the last run: a drive filled by something
// else between runs should alert before the next run fails on it.
//
// A USB job (usb_uuid set) is read only while its mount point is a mount: the filesystem under an
// unmounted mount point is the root disk, whose free space says nothing about the drive. The read
// is asynchronous (libuv's thread pool) and bounded by a timeout, so a hung network mount costs a
// missing sample, never a stuck server.
import { realpath, statfs } from "node:fs/promises";
import { mountAt } from "../system/mounts.ts";
import type { JobTimes } from "./queries.ts";

export interface TargetSpace {
  jobId: number;
  jobName: string;
  freeBytes: number;
  sizeBytes: number;
  /** The job's own threshold (min_free_space_mb), when it has one. */
  minFreeBytes: number | null;
}

const READ_TIMEOUT_MS = 1_000;

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function readSpace(mountPoint: string, usb: boolean): Promise<{ free: number; size: number } | null> {
  const real = await realpath(mountPoint);
  if (usb && !mountAt(real)) return null;
  const s = await statfs(real);
  return { free: Number(s.bavail) * Number(s.bsize), size: Number(s.blocks) * Number(s.bsize) };
}

export async function targetSpaces(jobs: JobTimes[]): Promise<TargetSpace[]> {
  const reads = jobs
    .filter((j) => j.enabled && j.destinationType === "local" && typeof j.destinationConfig.mount_point === "string")
    .map(async (j): Promise<TargetSpace | null> => {
      const config = j.destinationConfig;
      const usb = typeof config.usb_uuid === "string" && config.usb_uuid !== "";
      // A missing folder or an unreadable one is no sample, like an unmounted drive.
      const space = await withTimeout(
        readSpace(config.mount_point as string, usb).catch(() => null),
        READ_TIMEOUT_MS,
      );
      if (!space) return null;
      const min = typeof config.min_free_space_mb === "number" && config.min_free_space_mb > 0 ? config.min_free_space_mb * 1024 * 1024 : null;
      return { jobId: j.id, jobName: j.name, freeBytes: space.free, sizeBytes: space.size, minFreeBytes: min };
    });
  return (await Promise.all(reads)).filter((t): t is TargetSpace => t !== null);
}
