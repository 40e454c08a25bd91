// Drives a backup can go to, from `lsblk -J`. Without a running udev (containers, minimal
// installs) lsblk knows sizes but not LABEL/UUID/FSTYPE: those are then probed with blkid.
import { ApiError } from "../http/errors.ts";
import { runCommand } from "./command.ts";

export interface Drive {
  name: string;
  label: string | null;
  uuid: string | null;
  fstype: string | null;
  /** Human size like lsblk prints it ("500G", "14.9G"). */
  size: string;
  size_bytes: number;
  mountpoint: string | null;
  /** lsblk TYPE: part, disk, loop, crypt, ... */
  type: string;
  /** Removable or hot-pluggable (USB sticks and disks usually are). */
  removable: boolean;
  /** Transport of the disk (usb, sata, nvme) when known. */
  transport: string | null;
}

interface LsblkDevice {
  name: string;
  label?: string | null;
  uuid?: string | null;
  fstype?: string | null;
  size?: number | string | null;
  mountpoint?: string | null;
  type?: string | null;
  rm?: boolean | string | null;
  hotplug?: boolean | string | null;
  tran?: string | null;
  children?: LsblkDevice[];
}

/** Filesystems that are not a place to write backups to (swap, RAID/LVM/LUKS members, images). */
const NOT_A_TARGET = new Set(["swap", "LVM2_member", "linux_raid_member", "crypto_LUKS", "zfs_member", "squashfs", "erofs", "iso9660"]);

const SYSTEM_MOUNTS = /^\/(?:$|boot(?:\/|$)|usr$|var$|efi$)/;

export function formatSize(bytes: number): string {
  const units = ["B", "K", "M", "G", "T", "P", "E"];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  if (i === 0) return `${bytes}B`;
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}${units[i]}`;
}

const flag = (v: unknown) => v === true || v === "1" || v === 1;

/** Flattens lsblk's tree; a disk's transport and removability carry over to its partitions. */
export function flattenLsblk(json: { blockdevices?: LsblkDevice[] }): Drive[] {
  const out: Drive[] = [];
  const walk = (dev: LsblkDevice, parent: { removable: boolean; transport: string | null } | null) => {
    const removable = flag(dev.rm) || flag(dev.hotplug) || (parent?.removable ?? false);
    const transport = dev.tran ?? parent?.transport ?? null;
    const bytes = Number(dev.size ?? 0);
    out.push({
      name: dev.name,
      label: dev.label ?? null,
      uuid: dev.uuid ?? null,
      fstype: dev.fstype ?? null,
      size: formatSize(bytes),
      size_bytes: bytes,
      mountpoint: dev.mountpoint ?? null,
      type: dev.type ?? "unknown",
      removable,
      transport,
    });
    for (const child of dev.children ?? []) walk(child, { removable, transport });
  };
  for (const dev of json.blockdevices ?? []) walk(dev, null);
  return out;
}

/** Parses `blkid -o export` output (blocks of KEY=value separated by blank lines) by DEVNAME. */
export function parseBlkidExport(text: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const block of text.split(/\n\s*\n/)) {
    const rec: Record<string, string> = {};
    for (const line of block.split("\n")) {
      const eq = line.indexOf("=");
      if (eq > 0) rec[line.slice(0, eq)] = line.slice(eq + 1);
    }
    if (rec.DEVNAME) out.set(rec.DEVNAME, rec);
  }
  return out;
}

/** Keeps what a user could back up onto: something with a size, not a disk split into partitions. */
export function selectTargets(all: Drive[], hasChildren: Set<string>): Drive[] {
  return all.filter((d) => {
    if (d.size_bytes <= 0) return false;
    if (d.name.startsWith("zram") || d.type === "rom") return false;
    if (hasChildren.has(d.name)) return false;
    if (d.fstype && NOT_A_TARGET.has(d.fstype)) return false;
    // The system's own disk is not a backup drive (and must never be offered for unmounting).
    if (d.mountpoint && SYSTEM_MOUNTS.test(d.mountpoint)) return false;
    return true;
  });
}

export async function listDrives(): Promise<Drive[]> {
  const res = await runCommand(["lsblk", "-J", "-b", "-o", "NAME,LABEL,UUID,FSTYPE,SIZE,MOUNTPOINT,TYPE,RM,HOTPLUG,TRAN"]);
  if (res.code !== 0) throw new ApiError(500, "Drive listing failed", `lsblk failed: ${res.stderr || `exit code ${res.code}`}`);
  let json: { blockdevices?: LsblkDevice[] };
  try {
    json = JSON.parse(res.stdout);
  } catch {
    throw new ApiError(500, "Drive listing failed", "lsblk returned output that is not JSON");
  }
  const hasChildren = new Set<string>();
  const mark = (d: LsblkDevice) => {
    if (d.children?.length) hasChildren.add(d.name);
    d.children?.forEach(mark);
  };
  json.blockdevices?.forEach(mark);
  const drives = flattenLsblk(json);
  const unknown = drives.filter((d) => !d.uuid && !d.fstype && d.size_bytes > 0 && !hasChildren.has(d.name));
  if (unknown.length) {
    // lsblk's names are kernel names ([a-z0-9]+), so /dev/<name> is a device path, never an option.
    const devices = unknown.map((d) => `/dev/${d.name}`).filter((p) => /^\/dev\/[A-Za-z0-9._-]+$/.test(p));
    const probe = await runCommand(["blkid", "-c", "/dev/null", "-o", "export", "--", ...devices]);
    const found = parseBlkidExport(probe.stdout);
    for (const d of unknown) {
      const rec = found.get(`/dev/${d.name}`);
      if (!rec) continue;
      d.uuid = rec.UUID ?? null;
      d.label = rec.LABEL ?? d.label;
      d.fstype = rec.TYPE ?? null;
    }
  }
  return selectTargets(drives, hasChildren);
}
