// Versions on local/USB destinations: real rsync (--backup --backup-dir), the real run engine on
// an injected clock (the run start names the version folder and is what versions expire
// against), the versions API, restore as_of resolution, pruning; and on the USB loop image with
// auto_mount/auto_unmount, read back with plain `cat` on the mounted drive.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { recordInFolder } from "../../src/db/record.ts";
import { versionStamp } from "../../src/destinations/engine/version-names.ts";
import { rsyncArgs } from "../../src/destinations/local/destination.ts";
import { LocalStore } from "../../src/destinations/local/store.ts";
import { DEFAULT_SYNC_OPTIONS } from "../../src/jobs/sync-options.ts";
import { mountAt } from "../../src/system/mounts.ts";
import { resolveRestoreAsOf } from "../../src/versions/service.ts";
import { localJob, tempDir } from "../engine/fixtures.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { sh, startUsb, type UsbDrive } from "../system/helpers.ts";
import { appWithClock, DAY, HOUR, T1, T2, T3, tree, write } from "./helpers.ts";

const [S2, S3] = [versionStamp(T2), versionStamp(T3)];

describeIf(missingCommand("rsync"))("versions on a local destination (rsync --backup-dir)", () => {
  test("a new job keeps versions for 30 days; three runs put each replaced/deleted copy in its run's folder; as_of and the versions API read them; pruning", async () => {
    const t = await appWithClock();
    const src = join(tempDir(), "docs");
    const mount = tempDir();
    write(src, { "a.txt": "A1", "b.txt": "B1", "sub/c.txt": "C1" }, T1 - HOUR);
    const created = await t.api("POST", "/api/jobs", localJob([src], mount, { sync_options: { delete_extraneous: true } }));
    expect(created.status).toBe(201);
    expect(created.body.sync_options.keep_versions_days).toBe(30);
    const job = created.body.id;
    const root = join(mount, "backups");

    const r1 = await t.run(job, T1);
    expect(r1.run).toMatchObject({ status: "completed", files_transferred: 3, versions_pruned: 0 });
    expect(existsSync(join(root, ".dynamight-versions"))).toBe(false);

    write(src, { "a.txt": "A2-longer", "d.txt": "D2" }, T2 - HOUR);
    rmSync(join(src, "b.txt"));
    const r2 = await t.run(job, T2);
    expect(r2.run).toMatchObject({ status: "completed", files_transferred: 2, files_deleted: 1 });

    write(src, { "a.txt": "A3", "d.txt": "D3", "b.txt": "B3" }, T3 - HOUR);
    rmSync(join(src, "sub"), { recursive: true });
    const r3 = await t.run(job, T3);
    expect(r3.run).toMatchObject({ status: "completed", files_transferred: 3 });

    expect(tree(root)).toEqual(
      [
        "docs/a.txt",
        "docs/b.txt",
        "docs/d.txt",
        `.dynamight-versions/${S2}/docs/a.txt`,
        `.dynamight-versions/${S2}/docs/b.txt`,
        `.dynamight-versions/${S3}/docs/a.txt`,
        `.dynamight-versions/${S3}/docs/d.txt`,
        `.dynamight-versions/${S3}/docs/sub/c.txt`,
      ].sort(),
    );
    const cat = async (p: string) => (await sh(["cat", join(root, p)])).out;
    expect(await cat(`.dynamight-versions/${S2}/docs/a.txt`)).toBe("A1");
    expect(await cat(`.dynamight-versions/${S2}/docs/b.txt`)).toBe("B1");
    expect(await cat(`.dynamight-versions/${S3}/docs/a.txt`)).toBe("A2-longer");
    expect(await cat(`.dynamight-versions/${S3}/docs/d.txt`)).toBe("D2");
    expect(await cat(`.dynamight-versions/${S3}/docs/sub/c.txt`)).toBe("C1");

    // The versions API, newest first, with the old copies' mtimes (rsync kept them).
    const v = await t.api("GET", `/api/jobs/${job}/versions?path=docs/a.txt`);
    expect(v.status).toBe(200);
    expect(v.body).toEqual([
      { version: S3, size: 9, modified: new Date(T2 - HOUR).toISOString() },
      { version: S2, size: 2, modified: new Date(T1 - HOUR).toISOString() },
    ]);

    // As of a time: local/USB has no record, so arrival is told by mtimes (docs/versions.md).
    const store = new LocalStore(root);
    const signal = new AbortController().signal;
    const asOf = async (at: number) => {
      const got = await resolveRestoreAsOf(store, recordInFolder(t.ctx.config.dataDir), [], at, signal);
      return Object.fromEntries(got.map((f) => [f.path, readFileSync(join(root, f.from), "utf8")]));
    };
    expect(await asOf(T1 + DAY / 2)).toEqual({ "docs/a.txt": "A1", "docs/b.txt": "B1", "docs/sub/c.txt": "C1" });
    expect(await asOf(T2 + DAY / 2)).toEqual({ "docs/a.txt": "A2-longer", "docs/d.txt": "D2", "docs/sub/c.txt": "C1" });
    expect(await asOf(T3 + DAY / 2)).toEqual({ "docs/a.txt": "A3", "docs/b.txt": "B3", "docs/d.txt": "D3" });
    expect(await asOf(T1 - DAY)).toEqual({});

    // Pruning: 30 days and an hour after run 2, run 2's folder goes, run 3's and a foreign folder stay.
    mkdirSync(join(root, ".dynamight-versions/mine"));
    writeFileSync(join(root, ".dynamight-versions/mine/x.txt"), "mine");
    const r4 = await t.run(job, T2 + 30 * DAY + HOUR);
    expect(r4.run).toMatchObject({ status: "completed", files_transferred: 0, files_deleted: 0, versions_pruned: 2 });
    expect(r4.logs).toContain("pruned 2 old version(s) from 1 version folder(s) older than 30 day(s)");
    expect(readdirSync(join(root, ".dynamight-versions")).sort()).toEqual([S3, "mine"].sort());

    // Bad paths for the versions API: 400 naming the parameter; an unknown job 404.
    for (const bad of ["../etc/passwd", "", ".dynamight-versions/x"]) {
      const r = await t.api("GET", `/api/jobs/${job}/versions?path=${encodeURIComponent(bad)}`);
      expect(r.status).toBe(400);
      expect(r.body.message).toStartWith("Query parameter 'path' must");
    }
    expect((await t.api("GET", `/api/jobs/${job}/versions`)).status).toBe(400);
    expect((await t.api("GET", "/api/jobs/999/versions?path=docs/a.txt")).status).toBe(404);
    await t.engine.stop();
  });

  test("versions off: rsync gets no --backup, deletions are gone, no versions folder", async () => {
    const t = await appWithClock();
    const src = join(tempDir(), "docs");
    const mount = tempDir();
    write(src, { "a.txt": "A1", "b.txt": "B1" }, T1 - HOUR);
    const job = (await t.api("POST", "/api/jobs", localJob([src], mount, { sync_options: { delete_extraneous: true, keep_versions_days: null } }))).body;
    expect(job.sync_options.keep_versions_days).toBeNull();
    await t.run(job.id, T1);
    write(src, { "a.txt": "A2-longer" }, T2 - HOUR);
    rmSync(join(src, "b.txt"));
    const r = await t.run(job.id, T2);
    expect(r.run).toMatchObject({ status: "completed", files_transferred: 1, files_deleted: 1, versions_pruned: 0 });
    expect(tree(join(mount, "backups"))).toEqual(["docs/a.txt"]);
    expect(rsyncArgs("/s/docs", "/m/docs", DEFAULT_SYNC_OPTIONS).some((a) => a.startsWith("--backup"))).toBe(false);
    expect(rsyncArgs("/s/docs", "/m/docs", DEFAULT_SYNC_OPTIONS, "/m/.dynamight-versions/X/docs")).toEqual(expect.arrayContaining(["--backup", "--backup-dir=/m/.dynamight-versions/X/docs"]));
    await t.engine.stop();
  });

  test("excludes and --delete never reach the versions folder; a source named .dynamight-versions is refused", async () => {
    const t = await appWithClock();
    const parent = tempDir();
    const src = join(parent, "docs");
    const mount = tempDir();
    write(src, { "a.txt": "A1", "x.tmp": "T1" }, T1 - HOUR);
    const job = (await t.api("POST", "/api/jobs", localJob([src], mount, { sync_options: { delete_extraneous: true, exclude_patterns: ["*.txt", ".dynamight-versions"], keep_versions_days: 5 } })))
      .body;
    await t.run(job.id, T1);
    // A version from an earlier run, and an excluded pattern matching it: both survive a deleting run.
    mkdirSync(join(mount, "backups/.dynamight-versions", versionStamp(T1 - HOUR), "docs"), { recursive: true });
    writeFileSync(join(mount, "backups/.dynamight-versions", versionStamp(T1 - HOUR), "docs/old.txt"), "old");
    rmSync(join(src, "x.tmp"));
    write(src, { "y.tmp": "Y" }, T2 - HOUR);
    const r = await t.run(job.id, T1 + HOUR);
    expect(r.run.status).toBe("completed");
    expect(tree(join(mount, "backups"))).toEqual([`.dynamight-versions/${versionStamp(T1 - HOUR)}/docs/old.txt`, `.dynamight-versions/${versionStamp(T1 + HOUR)}/docs/x.tmp`, "docs/y.tmp"].sort());

    const bad = join(parent, ".dynamight-versions");
    write(bad, { "z.txt": "Z" }, T1);
    const job2 = (await t.api("POST", "/api/jobs", localJob([bad], tempDir()))).body;
    const r2 = await t.run(job2.id, T2);
    expect(r2.run.status).toBe("failed");
    expect(r2.run.error_message).toContain(".dynamight-versions is where the destination keeps old versions");
    await t.engine.stop();
  });
});

describeIf(notRoot() ?? missingCommand("losetup", "mkfs.ext4", "mount", "umount", "blkid", "findmnt", "rsync"))("versions on a USB drive (loop image, auto_mount)", () => {
  let drive: UsbDrive;
  const base = tempDir("versions-usb-");
  beforeAll(async () => {
    drive = await startUsb();
  });
  afterAll(async () => {
    await drive?.stop();
  });

  test("the old copy lands on the drive, readable with cat once mounted; the versions API mounts the drive to read it", async () => {
    const media = join(base, "media");
    mkdirSync(media, { recursive: true });
    const t = await appWithClock([base]);
    const src = join(base, "photos");
    write(src, { "notes.txt": "first" }, T1 - HOUR);
    const mountPoint = join(media, "usb");
    const created = await t.api("POST", "/api/jobs", {
      name: "USB versions",
      source_dirs: [src],
      destination_type: "local",
      destination_config: { mount_point: mountPoint, backup_subdir: "daily", usb_uuid: drive.uuid, auto_mount: true, auto_unmount: true },
      sync_options: { keep_versions_days: 10 },
    });
    expect(created.status).toBe(201);
    const job = created.body.id;
    expect((await t.run(job, T1)).run.status).toBe("completed");
    write(src, { "notes.txt": "second!" }, T2 - HOUR);
    expect((await t.run(job, T2)).run).toMatchObject({ status: "completed", files_transferred: 1 });
    expect(mountAt(mountPoint)).toBeNull();

    // The API mounts it (auto_mount), reads, unmounts.
    const v = await t.api("GET", `/api/jobs/${job}/versions?path=photos/notes.txt`);
    expect(v.status).toBe(200);
    expect(v.body).toEqual([{ version: S2, size: 5, modified: new Date(T1 - HOUR).toISOString() }]);
    expect(mountAt(mountPoint)).toBeNull();

    // Plain tools on the drive itself.
    const check = join(base, "check");
    mkdirSync(check);
    expect((await sh(["mount", drive.dev, check])).code).toBe(0);
    try {
      expect((await sh(["cat", join(check, "daily/.dynamight-versions", S2, "photos/notes.txt")])).out).toBe("first");
      expect((await sh(["cat", join(check, "daily/photos/notes.txt")])).out).toBe("second!");
    } finally {
      await sh(["umount", check]);
    }
    await t.engine.stop();
  });
});
