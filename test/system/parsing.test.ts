// Parsers and classifiers of the drive/mount tools, fed with real outputs captured on Linux.
import { describe, expect, test } from "bun:test";
import { runCommand } from "../../src/system/command.ts";
import { flattenLsblk, formatSize, parseBlkidExport, selectTargets } from "../../src/system/drives.ts";
import { isValidUuid, mountFailure, parseMountInfo } from "../../src/system/mounts.ts";

describe("mountinfo", () => {
  test("parses fields and decodes octal escapes", () => {
    const text = [
      "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
      "42 27 7:0 / /mnt/my\\040drive\\011x rw,nosuid,nodev,relatime shared:5 - ext4 /dev/loop0 rw",
      "43 27 0:50 / /media/back\\134slash rw - fuse.sshfs user@host:/a\\040b rw",
    ].join("\n");
    expect(parseMountInfo(text)).toEqual([
      { device: "/dev/vda", mountpoint: "/", fstype: "ext4", options: "rw,relatime" },
      { device: "/dev/loop0", mountpoint: "/mnt/my drive\tx", fstype: "ext4", options: "rw,nosuid,nodev,relatime" },
      { device: "user@host:/a b", mountpoint: "/media/back\\slash", fstype: "fuse.sshfs", options: "rw" },
    ]);
  });
});

describe("lsblk and blkid", () => {
  test("sizes look like lsblk's", () => {
    expect(formatSize(500 * 1024 ** 3)).toBe("500G");
    expect(formatSize(16 * 1024 ** 2)).toBe("16M");
    expect(formatSize(Math.round(14.9 * 1024 ** 3))).toBe("14.9G");
    expect(formatSize(1024 ** 4)).toBe("1T");
    expect(formatSize(512)).toBe("512B");
  });

  test("flattens disks into partitions and keeps what can hold a backup", () => {
    const json = {
      blockdevices: [
        { name: "zram0", size: 0, type: "disk", rm: false, hotplug: false, tran: null },
        {
          name: "sdb",
          size: 500107862016,
          type: "disk",
          rm: true,
          hotplug: true,
          tran: "usb",
          children: [
            { name: "sdb1", label: "BACKUP", uuid: "1234-ABCD", fstype: "exfat", size: 500106813440, mountpoint: null, type: "part", rm: true, hotplug: true, tran: null },
            { name: "sdb2", uuid: "0b5e7a1e-0000-4000-8000-00000000b4c4", fstype: "swap", size: 1048576, type: "part", rm: true, hotplug: true },
          ],
        },
        { name: "loop0", size: 16777216, type: "loop", rm: false, hotplug: false },
        { name: "vda", size: 274877906944, type: "disk", fstype: "ext4", mountpoint: "/" },
        { name: "nvme0n1p1", size: 536870912, type: "part", fstype: "vfat", mountpoint: "/boot/efi" },
      ],
    };
    const all = flattenLsblk(json);
    const targets = selectTargets(all, new Set(["sdb"]));
    expect(targets.map((d) => d.name)).toEqual(["sdb1", "loop0"]);
    expect(targets[0]).toEqual({
      name: "sdb1",
      label: "BACKUP",
      uuid: "1234-ABCD",
      fstype: "exfat",
      size: "465.8G",
      size_bytes: 500106813440,
      mountpoint: null,
      type: "part",
      removable: true,
      transport: "usb",
    });
  });

  test("parses blkid -o export blocks", () => {
    const out = "DEVNAME=/dev/loop0\nLABEL=TLAB\nUUID=11111111-2222-4333-8444-555555555555\nBLOCK_SIZE=1024\nTYPE=ext4\n\nDEVNAME=/dev/loop1\nUUID=1234-ABCD\nTYPE=vfat\n";
    const map = parseBlkidExport(out);
    expect(map.get("/dev/loop0")).toMatchObject({ LABEL: "TLAB", UUID: "11111111-2222-4333-8444-555555555555", TYPE: "ext4" });
    expect(map.get("/dev/loop1")).toMatchObject({ UUID: "1234-ABCD", TYPE: "vfat" });
  });
});

describe("UUID pattern", () => {
  test("accepts ext4/xfs, FAT/exFAT and NTFS forms", () => {
    for (const ok of ["0b5e7a1e-0000-4000-8000-00000000b4c4", "1234-5678", "ABCD-ef01", "0123456789ABCDEF"]) expect(isValidUuid(ok)).toBe(true);
  });
  test("refuses injection attempts and near misses", () => {
    for (const bad of [
      "1234-5678; rm -rf /",
      "$(touch /tmp/pwned)",
      "`id`",
      "-o remount",
      "--bind",
      "1234-5678\n",
      " 1234-5678",
      "ABCD-EFGH",
      "1234-5678 /etc",
      "UUID=1234-5678",
      "../../dev/sda",
      "",
    ]) {
      expect(isValidUuid(bad)).toBe(false);
    }
  });
});

describe("mount error messages", () => {
  const res = (stderr: string) => ({ code: 32, stdout: "", stderr, timedOut: false });
  test("map to the contract's statuses", () => {
    expect(mountFailure(res("umount: /mnt/backup: target is busy."), "unmount", "/mnt/backup").status).toBe(409);
    expect(mountFailure(res("mount: /mnt/x: must be superuser to use mount."), "mount", "/mnt/x").status).toBe(403);
    expect(mountFailure(res("umount: /proc: must be superuser to unmount."), "unmount", "/proc").status).toBe(403);
    expect(mountFailure(res("mount: /mnt/x: can't find UUID=1234-5678."), "mount", "/mnt/x", "1234-5678").status).toBe(404);
    expect(mountFailure(res("mount: /mnt/x: unknown filesystem type 'swap'."), "mount", "/mnt/x").status).toBe(422);
    expect(mountFailure(res("mount: /mnt/x: wrong fs type, bad option, bad superblock on /dev/loop3, missing codepage or helper program, or other error."), "mount", "/mnt/x").status).toBe(422);
    expect(mountFailure(res("umount: /mnt/x: not mounted."), "unmount", "/mnt/x").status).toBe(404);
    expect(mountFailure({ code: -1, stdout: "", stderr: "", timedOut: true }, "unmount", "/mnt/x").status).toBe(504);
    const other = mountFailure(res("mount: something odd"), "mount", "/mnt/x");
    expect(other.status).toBe(500);
    expect(other.message).toContain("something odd");
  });

  test("a non-root mount really says so, and maps to 403", async () => {
    if (!Bun.which("setpriv")) return;
    const real = await runCommand(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "umount", "/proc"]);
    expect(real.code).not.toBe(0);
    expect(mountFailure(real, "unmount", "/proc").status).toBe(403);
  });
});

describe("runCommand", () => {
  test("passes arguments as they are, without a shell", async () => {
    const res = await runCommand(["printf", "%s|", "$(id)", "; rm -rf /", "a b"]);
    expect(res.stdout).toBe("$(id)|; rm -rf /|a b|");
  });
  test("stops a process that does not finish by its deadline", async () => {
    const res = await runCommand(["sleep", "30"], 200);
    expect(res.timedOut).toBe(true);
    expect(res.stderr).toContain("did not finish");
  });
});
