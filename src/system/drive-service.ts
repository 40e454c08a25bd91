// Mount and unmount as the API and the Drives page both do them: confine the mount point, check
// the UUID, look for the drive before creating any folder, and leave no empty folder behind.
import { existsSync, mkdirSync, rmdirSync } from "node:fs";
import { notFound } from "../http/errors.ts";
import { assertUuid, deviceOfUuid, type MountOutcome, mountByUuid, unmount } from "./mounts.ts";
import { confine } from "./paths.ts";

export async function mountDrive(uuidInput: unknown, mountPointInput: unknown, roots: string[]): Promise<{ outcome: MountOutcome; mountPoint: string }> {
  const uuid = assertUuid(uuidInput);
  const mountPoint = confine(mountPointInput, roots, { allowRoot: false, what: "Mount point" });
  if (!(await deviceOfUuid(uuid))) throw notFound(`No drive with UUID ${uuid} is connected`);
  const created = !existsSync(mountPoint);
  if (created) mkdirSync(mountPoint, { recursive: true, mode: 0o755 });
  try {
    return { outcome: await mountByUuid(uuid, mountPoint), mountPoint };
  } catch (err) {
    if (created) {
      try {
        rmdirSync(mountPoint);
      } catch {}
    }
    throw err;
  }
}

export async function unmountDrive(mountPointInput: unknown, roots: string[]): Promise<string> {
  const mountPoint = confine(mountPointInput, roots, { allowRoot: false, what: "Mount point" });
  await unmount(mountPoint);
  return mountPoint;
}
