// Reading a job's destination back (browse, download, restore, verify): the drive of a local/USB
// destination mounted around the work with the same guard as a backup (the mount point must be a
// mount of that very drive), and the store opened and closed around it.
import type { Destination, RemoteStore, RunReporter, StoreEnv } from "../destinations/contract.ts";
import { DestinationError } from "../destinations/contract.ts";
import { type MountConfig, withAutoMount } from "../system/automount.ts";

/**
 * Runs `fn` with the destination readable. For a local destination that names a drive
 * (usb_uuid): mounts it when auto_mount, refuses a mount point that is not that drive, and
 * unmounts after when auto_unmount, whatever `fn` did. The free-space check of backups does not
 * apply: reading back writes nothing to the destination.
 */
export function withDriveReady<T>(dest: Destination, config: unknown, report: RunReporter, allowedRoots: string[], fn: () => Promise<T>): Promise<T> {
  if (dest.type !== "local") return fn();
  const mount = { ...(config as MountConfig), min_free_space_mb: null };
  return withAutoMount(mount, report, fn, { allowedRoots });
}

/** Opens the destination's store, runs `fn`, closes it (also when `fn` throws). */
export async function withOpenStore<T>(
  dest: Destination,
  config: unknown,
  credential: Record<string, string> | null,
  dataDir: string,
  fn: (store: RemoteStore) => Promise<T>,
  env: Pick<StoreEnv, "encryption" | "warn" | "updateCredential" | "reconnectNeeded" | "log"> = {},
): Promise<T> {
  if (!dest.openStore) throw new DestinationError("not_implemented", `${dest.name} destinations cannot be read back in this version`);
  // With the job's encryption (openEncryption) the store reads plain names and contents.
  const store = await dest.openStore(config, credential, { dataDir, purpose: "sync", ...env });
  try {
    return await fn(store);
  } finally {
    await store.close().catch(() => {});
  }
}
