// End to end on a real drive: a local job with usb_uuid + auto_mount + auto_unmount, run by the
// real engine (rsync), lands on the drive, which is unmounted afterwards; with the drive
// unplugged the run fails and the folder under the mount point stays empty.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jobs } from "../../src/db/schema.ts";
import { Engine } from "../../src/runs/engine.ts";
import { RunEvents } from "../../src/runs/events.ts";
import { getRun, listLogs } from "../../src/runs/queries.ts";
import { mountAt } from "../../src/system/mounts.ts";
import { testContext } from "../helpers/app.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { sh, startUsb, tempDir, type UsbDrive } from "./helpers.ts";

describeIf(notRoot() ?? missingCommand("losetup", "mkfs.ext4", "mount", "umount", "blkid", "findmnt", "rsync"))("a USB job run by the engine (root, loop device, rsync)", () => {
  let drive: UsbDrive;
  const base = tempDir("dm-usbjob-");
  const root = join(base, "media");
  let source: string;
  const ctx = testContext();
  const engine = new Engine({
    db: ctx.db,
    events: new RunEvents(),
    logger: ctx.logger,
    secret: ctx.secret,
    dataDir: ctx.config.dataDir,
    allowedRoots: [root, join(base, "photos")],
    maxRunsPerJob: () => 10,
  });

  beforeAll(async () => {
    source = join(base, "photos");
    mkdirSync(root);
    mkdirSync(join(source, "2026"), { recursive: true });
    writeFileSync(join(source, "2026/beach.jpg"), "jpeg bytes");
    writeFileSync(join(source, "notes.txt"), "hello");
    drive = await startUsb();
  });

  afterAll(async () => {
    await engine.stop();
    await drive?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  function createJob(mountPoint: string) {
    return ctx.db
      .insert(jobs)
      .values({
        name: "USB photos",
        sourceDirs: [source],
        destinationType: "local",
        destinationConfig: { mount_point: mountPoint, backup_subdir: "daily", usb_uuid: drive.uuid, auto_mount: true, auto_unmount: true },
        syncOptions: {},
      })
      .returning()
      .get().id;
  }

  async function run(jobId: number) {
    const runId = engine.start(jobId, { trigger: "manual" });
    await engine.waitFor(runId);
    return { run: getRun(ctx.db, runId)!, logs: listLogs(ctx.db, runId, { limit: 500, offset: 0 }).rows };
  }

  test("the job mounts the drive, backs up onto it and unmounts it", async () => {
    const mountPoint = join(root, "usb");
    const { run: r, logs } = await run(createJob(mountPoint));
    expect(r.error_message).toBeNull();
    expect(r.status).toBe("completed");
    expect(r.files_transferred).toBe(2);
    expect(logs.some((l) => l.message.startsWith(`Mounted drive ${drive.uuid}`))).toBe(true);
    expect(logs.some((l) => l.message === `Unmounted ${mountPoint}`)).toBe(true);

    // Unmounted, and nothing landed on the disk under the mount point.
    expect(mountAt(mountPoint)).toBeNull();
    expect(readdirSync(mountPoint)).toEqual([]);

    const check = join(base, "check");
    mkdirSync(check);
    expect((await sh(["mount", "-o", "ro", drive.dev, check])).code).toBe(0);
    try {
      expect(readFileSync(join(check, "daily/photos/2026/beach.jpg"), "utf8")).toBe("jpeg bytes");
      expect(readFileSync(join(check, "daily/photos/notes.txt"), "utf8")).toBe("hello");
    } finally {
      await sh(["umount", check]);
    }
  });

  test("with the drive unplugged the run fails loudly and writes nothing", async () => {
    const mountPoint = join(root, "usb");
    await drive.detach();
    try {
      const { run: r } = await run(createJob(mountPoint));
      expect(r.status).toBe("failed");
      expect(r.error_message).toContain(`UUID ${drive.uuid} is not connected`);
      expect(existsSync(mountPoint)).toBe(true);
      expect(readdirSync(mountPoint)).toEqual([]);
    } finally {
      await drive.attach();
    }
  });
});
