// Restore from a real USB drive (a loop-device ext4 image, scripts/peers/usb.sh) whose job mounts
// it before and unmounts it after: browse and download mount it for the request and unmount it
// after; a restore run does the same around rsync; the restored tree is byte-identical with its
// mtimes, and rclone check agrees. With the drive unplugged, browsing refuses and writes nothing.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { mountAt } from "../../src/system/mounts.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { rclone } from "../remote/harness.ts";
import { startUsb, systemApp, tempDir, type UsbDrive } from "../system/helpers.ts";
import { fingerprint, finished, writeAwkwardTree } from "./helpers.ts";

describeIf(notRoot() ?? missingCommand("losetup", "mkfs.ext4", "mount", "umount", "blkid", "findmnt", "rsync", "rclone"))("restore from a USB drive (root, loop device, rsync)", () => {
  let drive: UsbDrive;
  let t: Awaited<ReturnType<typeof systemApp>>;
  let jobId: number;
  const base = tempDir("dm-rusb-");
  const media = join(base, "media");
  const mountPoint = join(media, "usb");
  const source = join(base, "home", "Fotos Été");
  let original: Awaited<ReturnType<typeof fingerprint>>;

  beforeAll(async () => {
    // A 50 MB file and its copies need room; set only while the drive is made (bun runs every
    // test file in one process, so a leaked USB_SIZE would change other files' drives).
    const size = process.env.USB_SIZE;
    process.env.USB_SIZE = "160M";
    try {
      drive = await startUsb();
    } finally {
      if (size === undefined) delete process.env.USB_SIZE;
      else process.env.USB_SIZE = size;
    }
    mkdirSync(mountPoint, { recursive: true });
    await writeAwkwardTree(source);
    original = await fingerprint(source);
    t = await systemApp([media, join(base, "home"), join(base, "restored")]);
    const job = await t.call("POST", "/api/jobs", {
      name: "USB photos",
      source_dirs: [source],
      destination_type: "local",
      destination_config: { mount_point: mountPoint, backup_subdir: "daily", usb_uuid: drive.uuid, auto_mount: true, auto_unmount: true },
      sync_options: {},
    });
    expect(job.status).toBe(201);
    jobId = job.body.id;
    const run = await t.call("POST", `/api/jobs/${jobId}/run`);
    const f = await finished({ api: t.call, services: t.services }, run.body.run_id);
    expect({ status: f.run.status, log: f.run.status === "completed" ? "" : f.text }).toEqual({ status: "completed", log: "" });
    expect(mountAt(mountPoint)).toBeNull();
  }, 300_000);

  afterAll(async () => {
    await t?.services.stop();
    await drive?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  test("browse mounts the drive for the listing and unmounts it after", async () => {
    const r = await t.call("GET", `/api/jobs/${jobId}/files?path=${encodeURIComponent("Fotos Été")}`);
    expect(r.status).toBe(200);
    expect(r.body.entries.map((e: any) => e.name)).toEqual(["nested", "Ünïcödé", "big.bin", "empty.txt", "spaces and 'quotes'.txt"]);
    expect(mountAt(mountPoint)).toBeNull();
    expect(readdirSync(mountPoint)).toEqual([]);
  });

  test("download streams from the mounted drive, which is unmounted once the stream ends", async () => {
    const res = await t.client.request("GET", `/api/jobs/${jobId}/files/download?path=${encodeURIComponent("Fotos Été/big.bin")}`, { headers: { "x-api-key": t.key } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(50 * 1024 * 1024));
    const h = new Bun.CryptoHasher("sha256");
    const reader = res.body!.getReader();
    for (let c = await reader.read(); !c.done; c = await reader.read()) h.update(c.value);
    expect(h.digest("hex")).toBe(original.get("big.bin")!.sha256);
    for (let i = 0; i < 50 && mountAt(mountPoint); i++) await Bun.sleep(100);
    expect(mountAt(mountPoint)).toBeNull();
  });

  test("the source deleted, a restore run mounts, rsyncs back every byte and mtime, unmounts; rclone check agrees", async () => {
    rmSync(source, { recursive: true, force: true });
    const into = join(base, "restored");
    const s = await t.call("POST", `/api/jobs/${jobId}/restore`, { target: { folder: into }, overwrite: "never" });
    expect(s.status).toBe(202);
    const f = await finished({ api: t.call, services: t.services }, s.body.run_id);
    expect({ status: f.run.status, kind: f.run.kind, log: f.run.status === "completed" ? "" : f.text }).toEqual({ status: "completed", kind: "restore", log: "" });
    expect(f.logs.some((l) => l.message.startsWith(`Mounted drive ${drive.uuid}`))).toBe(true);
    expect(f.logs.some((l) => l.message === `Unmounted ${mountPoint}`)).toBe(true);
    expect(mountAt(mountPoint)).toBeNull();
    const got = await fingerprint(join(into, "Fotos Été"));
    expect([...got.keys()]).toEqual([...original.keys()]);
    for (const [p, w] of original) expect({ p, ...got.get(p)! }).toEqual({ p, ...w });

    // rclone reads the drive (mounted read-only for the check) and the restored folder.
    const check = join(base, "check");
    mkdirSync(check);
    const { sh } = await import("../system/helpers.ts");
    expect((await sh(["mount", "-o", "ro", drive.dev, check])).code).toBe(0);
    try {
      const c = await rclone("check", join(into, "Fotos Été"), join(check, "daily", "Fotos Été"));
      expect({ code: c.code, err: c.code === 0 ? "" : c.err }).toEqual({ code: 0, err: "" });
    } finally {
      await sh(["umount", check]);
    }
  }, 120_000);

  test("with the drive unplugged, browse and restore refuse and nothing lands under the mount point", async () => {
    await drive.detach();
    try {
      const r = await t.call("GET", `/api/jobs/${jobId}/files`);
      expect(r.status).toBe(404);
      expect(r.body.message).toContain(`UUID ${drive.uuid} is not connected`);
      const s = await t.call("POST", `/api/jobs/${jobId}/restore`, { target: "original", overwrite: "never" });
      const f = await finished({ api: t.call, services: t.services }, s.body.run_id);
      expect(f.run.status).toBe("failed");
      expect(f.run.error_message).toContain(`UUID ${drive.uuid} is not connected`);
      expect(readdirSync(mountPoint)).toEqual([]);
    } finally {
      await drive.attach();
    }
  });
});
