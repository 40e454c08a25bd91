// Mounting a USB destination around a run (usb_uuid + auto_mount / auto_unmount).
// Owned by the System/USB feature; the local destination calls it and knows nothing else of mounts.
import type { RunReporter } from "../providers/types.ts";
import { DestinationError } from "../providers/types.ts";

export interface MountConfig {
  mount_point: string;
  usb_uuid?: string | null;
  auto_mount?: boolean;
  auto_unmount?: boolean;
}

/**
 * Runs `fn` with the destination ready to be written. Without usb_uuid this is just `fn()`.
 * With usb_uuid: mount by UUID if auto_mount and not mounted, verify that mount_point is a mount
 * carrying that UUID (else throw: nothing may be written to the underlying disk), run, and
 * unmount afterwards when auto_unmount, whatever the result.
 */
export async function withAutoMount<T>(config: MountConfig, _report: RunReporter, fn: () => Promise<T>): Promise<T> {
  if (!config.usb_uuid) return fn();
  throw new DestinationError("not_implemented", "USB drives (usb_uuid) are not supported yet: remove usb_uuid from the job to back up to the folder as it is");
}
