// withAutoMount around a run, on a real loop-device drive: mount, verify, write, unmount; and the
// failures that must write nothing (drive missing, wrong drive mounted, not mounted).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DestinationError } from "../../src/destinations/contract.ts";
import { withAutoMount } from "../../src/system/automount.ts";
import { mountAt } from "../../src/system/mounts.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { sh, silentReport, startUsb, tempDir, type UsbDrive } from "./helpers.ts";

async function failure(p: Promise<unknown>): Promise<DestinationError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DestinationError) return err;
    throw err;
  }
  throw new Error("expected the run to fail");
}

describeIf(notRoot() ?? missingCommand("losetup", "mkfs.ext4", "mount", "umount", "blkid", "findmnt"))("withAutoMount (root, loop device)", () => {
  let drive: UsbDrive;
  let other: UsbDrive;
  let base: string;
  let root: string;
  const roots = () => [root];

  beforeAll(async () => {
    base = tempDir("dm-automount-");
    root = join(base, "allowed");
    mkdirSync(root);
    drive = await startUsb();
    other = await startUsb();
  });

  afterAll(async () => {
    await drive?.stop();
    await other?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  async function readFromImage(file: string): Promise<string | null> {
    const check = join(base, `check-${crypto.randomUUID()}`);
    mkdirSync(check);
    expect((await sh(["mount", "-o", "ro", drive.dev, check])).code).toBe(0);
    try {
      return existsSync(join(check, file)) ? readFileSync(join(check, file), "utf8") : null;
    } finally {
      await sh(["umount", check]);
      rmSync(check, { recursive: true });
    }
  }

  test("mounts (creating the mount point), runs, writes onto the drive and unmounts", async () => {
    const mountPoint = join(root, "usb");
    const report = silentReport();
    const config = { mount_point: mountPoint, usb_uuid: drive.uuid, auto_mount: true, auto_unmount: true };
    const result = await withAutoMount(
      config,
      report,
      async () => {
        expect(mountAt(mountPoint)?.device).toBe(drive.dev);
        writeFileSync(join(mountPoint, "backup.txt"), "on the drive");
        return 42;
      },
      { allowedRoots: roots() },
    );
    expect(result).toBe(42);
    expect(mountAt(mountPoint)).toBeNull();
    expect(readdirSync(mountPoint)).toEqual([]);
    expect(await readFromImage("backup.txt")).toBe("on the drive");
    expect(report.lines.map((l) => l.level)).toEqual(["info", "info"]);
  });

  test("the run fails after unmounting when fn throws (auto_unmount whatever the result)", async () => {
    const mountPoint = join(root, "usb");
    const report = silentReport();
    const config = { mount_point: mountPoint, usb_uuid: drive.uuid, auto_mount: true, auto_unmount: true };
    await expect(
      withAutoMount(
        config,
        report,
        async () => {
          throw new DestinationError("failed", "rsync broke");
        },
        { allowedRoots: roots() },
      ),
    ).rejects.toThrow("rsync broke");
    expect(mountAt(mountPoint)).toBeNull();
  });

  test("drive missing: fails loudly, the underlying folder stays empty, fn never runs", async () => {
    const mountPoint = join(root, "usb");
    await drive.detach();
    try {
      let ran = false;
      const err = await failure(
        withAutoMount(
          { mount_point: mountPoint, usb_uuid: drive.uuid, auto_mount: true, auto_unmount: true },
          silentReport(),
          async () => {
            ran = true;
            writeFileSync(join(mountPoint, "leak.txt"), "must not exist");
          },
          { allowedRoots: roots() },
        ),
      );
      expect(err.kind).toBe("not_found");
      expect(err.message).toContain("not connected");
      expect(ran).toBe(false);
      expect(readdirSync(mountPoint)).toEqual([]);

      // A mount point that does not exist yet is not even created.
      const fresh = join(root, "never-created");
      await failure(withAutoMount({ mount_point: fresh, usb_uuid: drive.uuid, auto_mount: true }, silentReport(), async () => {}, { allowedRoots: roots() }));
      expect(existsSync(fresh)).toBe(false);
    } finally {
      await drive.attach();
    }
  });

  test("auto_mount off and the drive not mounted: fails, nothing written", async () => {
    const mountPoint = join(root, "manual");
    mkdirSync(mountPoint, { recursive: true });
    let ran = false;
    const err = await failure(
      withAutoMount({ mount_point: mountPoint, usb_uuid: drive.uuid, auto_mount: false }, silentReport(), async () => {
        ran = true;
      }),
    );
    expect(err.kind).toBe("not_found");
    expect(err.message).toContain("is not a mount point");
    expect(ran).toBe(false);
    expect(readdirSync(mountPoint)).toEqual([]);
  });

  test("another drive mounted at the mount point: fails, writes nothing, leaves that drive mounted", async () => {
    const mountPoint = join(root, "wrong");
    mkdirSync(mountPoint, { recursive: true });
    expect((await sh(["mount", other.dev, mountPoint])).code).toBe(0);
    try {
      let ran = false;
      const err = await failure(
        withAutoMount(
          { mount_point: mountPoint, usb_uuid: drive.uuid, auto_mount: true, auto_unmount: true },
          silentReport(),
          async () => {
            ran = true;
          },
          { allowedRoots: roots() },
        ),
      );
      expect(err.kind).toBe("config");
      expect(err.message).toContain(`not the drive with UUID ${drive.uuid}`);
      expect(ran).toBe(false);
      expect(mountAt(mountPoint)?.device).toBe(other.dev);
      expect(readdirSync(mountPoint).filter((n) => n !== "lost+found")).toEqual([]);
    } finally {
      await sh(["umount", mountPoint]);
    }
  });

  test("mounted by hand and auto_mount off: verified and used as it is", async () => {
    const mountPoint = join(root, "manual");
    expect((await sh(["mount", drive.dev, mountPoint])).code).toBe(0);
    try {
      const out = await withAutoMount({ mount_point: mountPoint, usb_uuid: drive.uuid.toUpperCase() }, silentReport(), async () => "ok");
      expect(out).toBe("ok");
      expect(mountAt(mountPoint)).not.toBeNull();
    } finally {
      await sh(["umount", mountPoint]);
    }
  });

  test("an unmount failure after the run is a warning, not a failure", async () => {
    const mountPoint = join(root, "usb");
    const report = silentReport();
    let fd = -1;
    const out = await withAutoMount(
      { mount_point: mountPoint, usb_uuid: drive.uuid, auto_mount: true, auto_unmount: true },
      report,
      async () => {
        writeFileSync(join(mountPoint, "held.txt"), "x");
        fd = openSync(join(mountPoint, "held.txt"), "r");
        return "done";
      },
      { allowedRoots: roots() },
    );
    try {
      expect(out).toBe("done");
      const warning = report.lines.find((l) => l.level === "warning");
      expect(warning?.message).toContain(`Could not unmount ${mountPoint}`);
      expect(warning?.message).toContain("in use");
      expect(mountAt(mountPoint)).not.toBeNull();
    } finally {
      closeSync(fd);
      await sh(["umount", mountPoint]);
    }
  });

  test("free space: below min_free_space_mb fails by default and warns with on_low_space warn", async () => {
    const mountPoint = join(root, "usb");
    const config = { mount_point: mountPoint, usb_uuid: drive.uuid, auto_mount: true, auto_unmount: true, min_free_space_mb: 1_000_000 };
    let ran = false;
    const err = await failure(
      withAutoMount(
        config,
        silentReport(),
        async () => {
          ran = true;
        },
        { allowedRoots: roots() },
      ),
    );
    expect(err.message).toContain("the job asks for at least 1000000 MB");
    expect(ran).toBe(false);
    expect(mountAt(mountPoint)).toBeNull();

    const report = silentReport();
    await withAutoMount(
      { ...config, on_low_space: "warn" as const },
      report,
      async () => {
        ran = true;
      },
      { allowedRoots: roots() },
    );
    expect(ran).toBe(true);
    expect(report.lines.some((l) => l.level === "warning" && l.message.includes("MB free"))).toBe(true);

    // Enough space: no warning at all.
    const plenty = silentReport();
    await withAutoMount({ ...config, min_free_space_mb: 1 }, plenty, async () => {}, { allowedRoots: roots() });
    expect(plenty.lines.filter((l) => l.level === "warning")).toEqual([]);
  });

  test("a mount point outside the allowed paths is refused before mounting", async () => {
    const outside = join(base, "outside");
    const err = await failure(withAutoMount({ mount_point: outside, usb_uuid: drive.uuid, auto_mount: true }, silentReport(), async () => {}, { allowedRoots: roots() }));
    expect(err.kind).toBe("permission");
    expect(existsSync(outside)).toBe(false);
  });

  test("a malformed usb_uuid never reaches a process", async () => {
    const err = await failure(withAutoMount({ mount_point: join(root, "usb"), usb_uuid: "$(touch /tmp/dm-pwned)", auto_mount: true }, silentReport(), async () => {}, { allowedRoots: roots() }));
    expect(err.kind).toBe("config");
    expect(existsSync("/tmp/dm-pwned")).toBe(false);
  });
});
