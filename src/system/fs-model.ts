// t.* schemas of the System drives/mounts/browse API (validation and OpenAPI).
import { t } from "elysia";
import * as E from "../docs/examples.ts";
import { errorResponses } from "../http/schemas.ts";
import { UUID_PATTERN } from "./mounts.ts";

const Nullable = <S extends Parameters<typeof t.Union>[0][number]>(s: S) => t.Union([s, t.Null()]);

export const Drive = t.Object({
  name: t.String({ examples: ["sdb1"] }),
  label: Nullable(t.String()),
  uuid: Nullable(t.String()),
  fstype: Nullable(t.String()),
  size: t.String({ description: "Human size as lsblk prints it", examples: ["500G"] }),
  size_bytes: t.Integer(),
  mountpoint: Nullable(t.String()),
  type: t.String({ description: "lsblk TYPE: part, disk, loop, ..." }),
  removable: t.Boolean({ description: "Removable or hot-pluggable (USB)" }),
  transport: Nullable(t.String({ description: "usb, sata, nvme, ..." })),
});

export const Mount = t.Object({
  device: t.String({ examples: ["/dev/sdc1"] }),
  mountpoint: t.String(),
  fstype: t.String(),
  options: t.String({ examples: ["rw,nosuid,nodev"] }),
});

export const MountsQuery = t.Object({
  all: t.Optional(t.Boolean({ description: "Include virtual filesystems (proc, sysfs, tmpfs, ...); default only /dev devices" })),
});

export const Uuid = t.String({
  pattern: UUID_PATTERN,
  error: "must be a filesystem UUID like 0b5e7a1e-0000-4000-8000-00000000b4c4 (ext4, xfs, btrfs), 1234-ABCD (FAT, exFAT) or 16 hex digits (NTFS)",
});

// Paths are checked by paths.ts (answering 403 in the contract's format), so the schema only asks for a string.
const PathText = t.String({ maxLength: 4096 });

export const MountBody = t.Object({ uuid: Uuid, mount_point: PathText }, { examples: E.MOUNT });
export const MountResponse = t.Object({ message: t.String(), mount_point: t.String() });
export const UnmountBody = t.Object({ mount_point: PathText }, { examples: E.UNMOUNT });
export const MessageResponse = t.Object({ message: t.String() });

export const BrowseQuery = t.Object({
  path: t.Optional(PathText),
  hidden: t.Optional(t.Boolean({ description: "Include names starting with a dot (default true)" })),
});

export const BrowseEntry = t.Object({
  name: t.String(),
  path: t.String(),
  is_dir: t.Boolean(),
  size: Nullable(t.Integer()),
  modified: Nullable(t.String({ format: "date-time" })),
  is_symlink: t.Boolean(),
  browsable: t.Boolean({ description: "false for a symbolic link leading outside the allowed paths" }),
});

export const BrowseResponse = t.Object({
  path: t.String(),
  parent: Nullable(t.String()),
  entries: t.Array(BrowseEntry),
  truncated: t.Boolean(),
});

export const MkdirBody = t.Object({ path: PathText }, { examples: E.MKDIR });
export const MkdirResponse = t.Object({ message: t.String(), path: t.String() });
export const AllowedPathsResponse = t.Object({ paths: t.Array(t.String()) });

export const errors = errorResponses;
