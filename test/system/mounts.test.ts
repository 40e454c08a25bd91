// Real drives: an ext4 image on a loop device (scripts/peers/usb.sh), mounted and unmounted by UUID
// through the HTTP API. Needs root and util-linux.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mountAt } from "../../src/system/mounts.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { sh, startUsb, systemApp, tempDir, type UsbDrive } from "./helpers.ts";

describeIf(notRoot() ?? missingCommand("losetup", "mkfs.ext4", "mkswap", "mount", "umount", "blkid", "lsblk", "findmnt"))("drives and mounts (root, loop device)", () => {
  let drive: UsbDrive;
  let swap: UsbDrive;
  let base: string;
  let root: string;
  let app: Awaited<ReturnType<typeof systemApp>>;

  beforeAll(async () => {
    base = tempDir("dm-mounts-");
    root = join(base, "allowed");
    mkdirSync(root);
    drive = await startUsb({ label: "DMDRIVE" });
    swap = await startUsb({ fs: "swap" });
    app = await systemApp([root]);
  });

  afterAll(async () => {
    await drive?.stop();
    await swap?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  test("GET /api/system/drives lists the drive with its UUID, label and filesystem", async () => {
    const { status, body } = await app.call("GET", "/api/system/drives");
    expect(status).toBe(200);
    const name = drive.dev.replace("/dev/", "");
    const found = body.find((d: any) => d.name === name);
    // With or without udev: lsblk knows the size, blkid fills in what lsblk could not.
    expect(found).toMatchObject({ name, uuid: drive.uuid, label: "DMDRIVE", fstype: "ext4", size: "16M", size_bytes: 16 * 1024 * 1024, mountpoint: null, type: "loop" });
    // Swap is not a place for backups.
    expect(body.find((d: any) => d.uuid === swap.uuid)).toBeUndefined();
  });

  test("mount by UUID into an allowed path (created), see it in mounts and drives, unmount", async () => {
    const mountPoint = join(root, "usb");
    const res = await app.call("POST", "/api/system/mount", { uuid: drive.uuid, mount_point: mountPoint });
    expect(res).toMatchObject({ status: 200, body: { message: "Drive mounted", mount_point: mountPoint } });
    expect(mountAt(mountPoint)).toMatchObject({ device: drive.dev, fstype: "ext4" });
    expect(mountAt(mountPoint)!.options).toContain("nosuid");

    const findmnt = await sh(["findmnt", "-n", "-o", "UUID", "--mountpoint", mountPoint]);
    expect(findmnt.out.trim()).toBe(drive.uuid);

    const mounts = await app.call("GET", "/api/system/mounts");
    expect(mounts.body).toContainEqual({ device: drive.dev, mountpoint: mountPoint, fstype: "ext4", options: expect.stringContaining("nodev") });
    const drives = await app.call("GET", "/api/system/drives");
    expect(drives.body.find((d: any) => d.uuid === drive.uuid)?.mountpoint).toBe(mountPoint);

    const again = await app.call("POST", "/api/system/mount", { uuid: drive.uuid, mount_point: mountPoint });
    expect(again).toMatchObject({ status: 200, body: { message: "Drive already mounted" } });

    const un = await app.call("POST", "/api/system/unmount", { mount_point: mountPoint });
    expect(un).toMatchObject({ status: 200, body: { message: "Drive unmounted" } });
    expect(mountAt(mountPoint)).toBeNull();
  });

  test("a busy drive is not unmounted: 409 with a clear message", async () => {
    const mountPoint = join(root, "busy");
    expect((await app.call("POST", "/api/system/mount", { uuid: drive.uuid, mount_point: mountPoint })).status).toBe(200);
    writeFileSync(join(mountPoint, "open.txt"), "x");
    const fd = openSync(join(mountPoint, "open.txt"), "r");
    // A second process with its working folder on the drive, as a shell left in it would be.
    const sleeper = Bun.spawn(["sleep", "60"], { cwd: mountPoint, stdout: "ignore", stderr: "ignore" });
    try {
      const res = await app.call("POST", "/api/system/unmount", { mount_point: mountPoint });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ error: "Conflict", message: expect.stringContaining("is in use") });
      expect(mountAt(mountPoint)).not.toBeNull();
    } finally {
      closeSync(fd);
      sleeper.kill("SIGKILL");
      await sleeper.exited;
    }
    const un = await app.call("POST", "/api/system/unmount", { mount_point: mountPoint });
    expect(un.status).toBe(200);
  });

  test("a drive busy for a moment only (a program just ending) is unmounted after a short wait", async () => {
    const mountPoint = join(root, "brief");
    expect((await app.call("POST", "/api/system/mount", { uuid: drive.uuid, mount_point: mountPoint })).status).toBe(200);
    const holder = Bun.spawn(["sleep", "0.4"], { cwd: mountPoint, stdout: "ignore", stderr: "ignore" });
    try {
      const res = await app.call("POST", "/api/system/unmount", { mount_point: mountPoint });
      // 200 while the holder sat in the folder only after it left: a single umount answers busy (409).
      expect(res).toMatchObject({ status: 200 });
      expect(mountAt(mountPoint)).toBeNull();
      // The holder ran its course (not killed to free the drive).
      expect(await holder.exited).toBe(0);
    } finally {
      holder.kill("SIGKILL");
      await holder.exited;
    }
  });

  test("another filesystem already mounted there: 409", async () => {
    const mountPoint = join(root, "taken");
    mkdirSync(mountPoint);
    expect((await sh(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint])).code).toBe(0);
    try {
      const res = await app.call("POST", "/api/system/mount", { uuid: drive.uuid, mount_point: mountPoint });
      expect(res.status).toBe(409);
      expect(mountAt(mountPoint)?.fstype).toBe("tmpfs");
    } finally {
      await sh(["umount", mountPoint]);
    }
  });

  test("an unknown UUID is 404 and leaves no folder behind", async () => {
    const mountPoint = join(root, "ghost");
    const res = await app.call("POST", "/api/system/mount", { uuid: crypto.randomUUID(), mount_point: mountPoint });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: "Not found", message: expect.stringContaining("is connected") });
    expect(existsSync(mountPoint)).toBe(false);
  });

  test("a filesystem the kernel cannot mount is 422 with a clear message", async () => {
    const mountPoint = join(root, "swap");
    const res = await app.call("POST", "/api/system/mount", { uuid: swap.uuid, mount_point: mountPoint });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ error: "Unsupported filesystem", message: expect.stringContaining("no driver for its filesystem") });
    expect(mountAt(mountPoint)).toBeNull();
    expect(existsSync(mountPoint)).toBe(false);
  });

  test("a symlink in an allowed path pointing out cannot be used as a mount point", async () => {
    const target = join(base, "outside-target");
    mkdirSync(target);
    symlinkSync(target, join(root, "escape"));
    const res = await app.call("POST", "/api/system/mount", { uuid: drive.uuid, mount_point: join(root, "escape") });
    expect(res.status).toBe(403);
    expect(mountAt(target)).toBeNull();
    expect(readdirSync(target)).toEqual([]);
  });
});
