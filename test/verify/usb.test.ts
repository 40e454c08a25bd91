// Verify of a USB job on a real drive (a loop-device image, scripts/peers/usb.sh): the engine
// mounts the drive for the verify and unmounts it after, as for a backup; a file changed on the
// drive (same size, same mtime) is found by rsync's checksum; an unplugged drive fails the verify
// without creating anything under the mount point.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mountAt } from "../../src/system/mounts.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { sh, startUsb, systemApp, tempDir, type UsbDrive } from "../system/helpers.ts";

describeIf(notRoot() ?? missingCommand("losetup", "mkfs.ext4", "mount", "umount", "blkid", "findmnt", "rsync"))("verify a USB job (root, loop device, rsync)", () => {
  let drive: UsbDrive;
  const base = tempDir("verify-usb-");
  const root = join(base, "media");
  const mountPoint = join(root, "usb");
  const source = join(base, "photos");
  let t: Awaited<ReturnType<typeof systemApp>>;
  let jobId: number;

  beforeAll(async () => {
    mkdirSync(root);
    mkdirSync(join(source, "2026/été"), { recursive: true });
    writeFileSync(join(source, "2026/été/plage.jpg"), "jpeg bytes");
    writeFileSync(join(source, "notes.txt"), "hello");
    writeFileSync(join(source, "empty"), "");
    drive = await startUsb();
    t = await systemApp([root, source]);
    const job = await t.call("POST", "/api/jobs", {
      name: "USB photos",
      source_dirs: [source],
      destination_type: "local",
      destination_config: { mount_point: mountPoint, backup_subdir: "daily", usb_uuid: drive.uuid, auto_mount: true, auto_unmount: true },
      sync_options: {},
    });
    expect(job.status).toBe(201);
    jobId = job.body.id;
  });

  afterAll(async () => {
    await t?.services.stop();
    await drive?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  async function run(path: string, body?: unknown) {
    const started = await t.call("POST", path, body);
    expect(started.status).toBe(202);
    await t.services.engine.waitFor(started.body.run_id);
    const run = (await t.call("GET", `/api/runs/${started.body.run_id}`)).body;
    const logs = (await t.call("GET", `/api/runs/${started.body.run_id}/logs`)).body as { level: string; message: string }[];
    return { run, logs, warnings: logs.filter((l) => l.level === "warning").map((l) => l.message) };
  }

  /** Mounts the drive elsewhere, lets `fn` change it, unmounts. */
  async function onDrive(fn: (top: string) => void) {
    const check = join(base, "check");
    mkdirSync(check, { recursive: true });
    expect((await sh(["mount", drive.dev, check])).code).toBe(0);
    try {
      fn(join(check, "daily", "photos"));
    } finally {
      await sh(["umount", check]);
    }
  }

  test("verify mounts the drive, finds 0 differences after a backup, and unmounts it", async () => {
    expect((await run(`/api/jobs/${jobId}/run`)).run.status).toBe("completed");
    const v = await run(`/api/jobs/${jobId}/verify`, {});
    expect(v.run).toMatchObject({ kind: "verify", status: "completed", files_checked: 3, differences: 0 });
    expect(v.warnings).toEqual([]);
    expect(v.logs.some((l) => l.message.startsWith(`Mounted drive ${drive.uuid}`))).toBe(true);
    expect(v.logs.some((l) => l.message === `Unmounted ${mountPoint}`)).toBe(true);
    expect(mountAt(mountPoint)).toBeNull();
  });

  test("a file changed on the drive (same size and mtime) is the one difference", async () => {
    await onDrive((top) => {
      const p = join(top, "2026/été/plage.jpg");
      const st = statSync(p);
      writeFileSync(p, "JPEG BYTES");
      utimesSync(p, st.atime, st.mtime);
    });
    const v = await run(`/api/jobs/${jobId}/verify`, { deep: true });
    expect(v.run).toMatchObject({ kind: "verify", status: "failed", error_message: "1 difference", differences: 1, files_checked: 3 });
    expect(v.warnings).toEqual(["photos/2026/été/plage.jpg: content differs (checksum)"]);
    expect(mountAt(mountPoint)).toBeNull();
  });

  test("with the drive unplugged the verify fails and creates nothing", async () => {
    await drive.detach();
    try {
      const v = await run(`/api/jobs/${jobId}/verify`, {});
      expect(v.run.status).toBe("failed");
      expect(v.run.error_message).toContain(`UUID ${drive.uuid} is not connected`);
      expect(readdirSync(mountPoint)).toEqual([]);
    } finally {
      await drive.attach();
    }
  });
});
