// The original's remaining job options on real rsync and a loop-device USB drive: exclude_dirs
// (validated inside a source; skipped by rsync and by the remote engine's matcher),
// provider_options (--checksum, --compress, --ignore-times) and space_check with
// GET /api/jobs/:id/check-space (mounting the drive for the check, unmounting after).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { excludeDirPatterns } from "../../src/destinations/contract.ts";
import { ExcludeMatcher } from "../../src/destinations/engine/exclude.ts";
import { rsyncArgs } from "../../src/destinations/local/destination.ts";
import { DEFAULT_SYNC_OPTIONS } from "../../src/jobs/sync-options.ts";
import { mountAt } from "../../src/system/mounts.ts";
import { setup } from "../auth/helpers.ts";
import { testApp } from "../helpers/app.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { startUsb, tempDir, type UsbDrive } from "../system/helpers.ts";
import { getPage, localJobForm, postForm, signedIn as webSignedIn } from "../web/helpers.ts";

async function signedIn(allowed?: string[]) {
  const t = testApp(allowed ? { config: { allowedBrowsePaths: allowed } } : {});
  await setup(t.client);
  return t;
}

async function runJob(t: Awaited<ReturnType<typeof signedIn>>, id: number) {
  const start = await t.client.json("POST", `/api/jobs/${id}/run`);
  expect(start.status).toBe(202);
  await t.services.engine.waitFor(start.body.run_id);
  const run = (await t.client.json("GET", `/api/runs/${start.body.run_id}`)).body;
  const logs = (await t.client.json("GET", `/api/runs/${start.body.run_id}/logs?limit=1000`)).body;
  const lines: string[] = (Array.isArray(logs) ? logs : (logs.logs ?? logs.items ?? [])).map((l: any) => `${l.level}: ${l.message}`);
  return { run, lines };
}

describe("job options: validation", () => {
  test("exclude_dirs must be absolute and inside a source; provider_options and space_check are local-only; bad values name the field", async () => {
    const t = await signedIn();
    const base = { name: "J", source_dirs: ["/srv/data"], destination_type: "local", destination_config: { mount_point: "/mnt", backup_subdir: "j" } };
    const post = (sync_options: unknown, extra: Record<string, unknown> = {}) => t.client.json("POST", "/api/jobs", { body: { ...base, ...extra, sync_options } });
    const outside = await post({ exclude_dirs: ["/srv/other/cache"] });
    expect([outside.status, outside.body.message]).toEqual([400, `Field 'sync_options.exclude_dirs.0' must be a folder inside one of the job's source folders (got "/srv/other/cache")`]);
    const prefixOnly = await post({ exclude_dirs: ["/srv/database"] });
    expect(prefixOnly.body.message).toContain("sync_options.exclude_dirs.0");
    const relative = await post({ exclude_dirs: ["cache"] });
    expect([relative.status, relative.body.message]).toEqual([400, "Field 'sync_options.exclude_dirs.0' must be an absolute folder path on one line"]);
    const badCheck = await post({ space_check: "maybe" });
    expect([badCheck.status, badCheck.body.message]).toEqual([400, `Field 'sync_options.space_check' must be one of "fail", "warn", "none"`]);
    const badFlag = await post({ provider_options: { checksum_mode: "yes" } });
    expect(badFlag.body.message).toBe("Field 'sync_options.provider_options.checksum_mode' must be true or false");
    const unknownFlag = await post({ provider_options: { turbo: true } });
    expect(unknownFlag.body.message).toContain("sync_options.provider_options.turbo");
    const s3 = { destination_type: "s3", destination_config: { bucket: "b1", region: "us-east-1" } };
    const cred = await t.client.json("POST", "/api/credentials", { body: { name: "k", provider_type: "s3", data: { access_key_id: "a", secret_access_key: "b" } } });
    const onS3 = await post({ provider_options: { compress: true } }, { ...s3, credential_id: cred.body.id });
    expect([onS3.status, onS3.body.message]).toEqual([400, "Field 'sync_options.provider_options' is not supported by AWS S3 (local/USB destinations only)"]);
    const spaceOnS3 = await post({ space_check: "fail" }, { ...s3, credential_id: cred.body.id });
    expect(spaceOnS3.body.message).toContain("sync_options.space_check");
    // exclude_dirs work on remote types too.
    const ok = await post({ exclude_dirs: ["/srv/data/cache/"] }, { ...s3, credential_id: cred.body.id });
    expect(ok.status).toBe(201);
    expect(ok.body.sync_options).toMatchObject({ exclude_dirs: ["/srv/data/cache"], provider_options: null, space_check: "none" });
    const good = await post({ exclude_dirs: ["/srv/data/tmp"], provider_options: { checksum_mode: true }, space_check: "warn" });
    expect(good.status).toBe(201);
    expect(good.body.sync_options).toMatchObject({ exclude_dirs: ["/srv/data/tmp"], provider_options: { checksum_mode: true, compress: false, ignore_times: false }, space_check: "warn" });
    const remote = await t.client.json("GET", `/api/jobs/${ok.body.id}/check-space`);
    expect(remote.status).toBe(400);
  });

  test("rsync arguments: anchored excludes per source (wildcards escaped) and the provider switches", () => {
    const o = { ...DEFAULT_SYNC_OPTIONS, exclude_dirs: ["/a/src/cache", "/a/src/x*y", "/a/other/z"], provider_options: { checksum_mode: true, compress: true, ignore_times: true } };
    const args = rsyncArgs("/a/src", "/d/src", o);
    expect(args).toContain("--exclude=/cache/");
    expect(args).toContain("--exclude=/x\\*y/");
    expect(args.some((a) => a.includes("/z/"))).toBe(false);
    for (const flag of ["--checksum", "--compress", "--ignore-times"]) expect(args).toContain(flag);
    expect(rsyncArgs("/a/src", "/d/src", DEFAULT_SYNC_OPTIONS).some((a) => ["--checksum", "--compress", "--ignore-times"].includes(a))).toBe(false);
    // The remote engine's matcher reads the same patterns the same way.
    const m = new ExcludeMatcher(excludeDirPatterns("/a/src", o.exclude_dirs));
    expect([m.matches("cache", true), m.matches("deep/cache", true), m.matches("x*y", true), m.matches("xay", true)]).toEqual([true, false, true, false]);
  });
});

describe("job options in the job editor", () => {
  test("the local form shows the fields, saves them, and a bad excluded folder is refused on the form", async () => {
    const { client } = await webSignedIn();
    const src = tempDir("movein-editor-");
    const form = localJobForm("Editor opts", src, src, {
      "dest.backup_subdir": "out",
      "sync.exclude_dirs": `${src}/cache\n${src}/tmp`,
      "sync.checksum_mode": "true",
      "sync.compress": "false",
      "sync.ignore_times": "false",
      "sync.space_check": "fail",
    });
    const res = await postForm(client, "/jobs/new", form);
    expect(res.status).toBe(303);
    const id = Number(res.res.headers.get("location")!.split("?")[0]!.split("/").pop());
    const job = (await client.json("GET", `/api/jobs/${id}`)).body;
    expect(job.sync_options).toMatchObject({ exclude_dirs: [`${src}/cache`, `${src}/tmp`], provider_options: { checksum_mode: true, compress: false, ignore_times: false }, space_check: "fail" });
    const edit = await getPage(client, `/jobs/${id}/edit`);
    expect(edit.text).toContain('id="local-sync-options"');
    expect(edit.text).toMatch(/<option value="fail" selected>/);
    expect(edit.text).toContain(`${src}/cache`);
    const bad = await postForm(client, "/jobs/new", { ...form, name: "Bad", "sync.exclude_dirs": "/elsewhere/x" }, { htmx: true });
    // The editor words it for people (issue 16): the field's label and the line.
    expect(bad.text).toContain("Excluded folders, line 1: must be a folder inside one of the job&#x27;s source folders");
    expect(bad.text).toMatch(/name="sync.exclude_dirs"[^>]*aria-invalid="true"/);
  });
});

describeIf(missingCommand("rsync"))("job options on real rsync", () => {
  test("exclude_dirs are not copied; checksum_mode copies a change that kept size and time; ignore_times copies everything", async () => {
    const t = await signedIn();
    const dir = tempDir("movein-opts-");
    const src = join(dir, "photos");
    mkdirSync(join(src, "cache", "thumbs"), { recursive: true });
    mkdirSync(join(src, "albums", "cache"), { recursive: true });
    writeFileSync(join(src, "a.jpg"), "aaaa");
    writeFileSync(join(src, "cache", "thumbs", "t.jpg"), "thumb");
    writeFileSync(join(src, "albums", "cache", "keep.jpg"), "kept: only the top cache is excluded");
    const job = await t.client.json("POST", "/api/jobs", {
      body: {
        name: "Photos",
        source_dirs: [src],
        destination_type: "local",
        destination_config: { mount_point: dir, backup_subdir: "out" },
        sync_options: { exclude_dirs: [join(src, "cache")], verbosity: "verbose" },
      },
    });
    expect(job.status).toBe(201);
    const first = await runJob(t, job.body.id);
    expect(first.run.status).toBe("completed");
    const out = join(dir, "out", "photos");
    expect(readFileSync(join(out, "a.jpg"), "utf8")).toBe("aaaa");
    expect(existsSync(join(out, "cache"))).toBe(false);
    expect(readFileSync(join(out, "albums", "cache", "keep.jpg"), "utf8")).toContain("kept");

    // Same size, same mtime, other bytes: rsync's quick check misses it, --checksum does not.
    const stamp = new Date("2025-01-01T00:00:00Z");
    utimesSync(join(src, "a.jpg"), stamp, stamp);
    await runJob(t, job.body.id);
    writeFileSync(join(src, "a.jpg"), "bbbb");
    utimesSync(join(src, "a.jpg"), stamp, stamp);
    const quick = await runJob(t, job.body.id);
    expect(quick.run.files_transferred).toBe(0);
    expect(readFileSync(join(out, "a.jpg"), "utf8")).toBe("aaaa");
    const upd = async (provider_options: unknown) => {
      const cur = (await t.client.json("GET", `/api/jobs/${job.body.id}`)).body;
      const r = await t.client.json("PUT", `/api/jobs/${job.body.id}`, {
        body: { name: cur.name, source_dirs: cur.source_dirs, destination_type: "local", destination_config: cur.destination_config, sync_options: { ...cur.sync_options, provider_options } },
      });
      expect(r.status).toBe(200);
    };
    await upd({ checksum_mode: true });
    const sums = await runJob(t, job.body.id);
    expect(sums.run.files_transferred).toBe(1);
    expect(readFileSync(join(out, "a.jpg"), "utf8")).toBe("bbbb");
    expect(sums.lines.some((l) => l.includes("rsync ") && l.includes("--checksum"))).toBe(true);
    await upd({ ignore_times: true, compress: true });
    const all = await runJob(t, job.body.id);
    expect(all.run.files_transferred).toBe(2);
    expect(all.lines.some((l) => l.includes("--ignore-times") && l.includes("--compress"))).toBe(true);
    await t.services.stop();
  });
});

describeIf(notRoot() ?? missingCommand("rsync", "losetup", "mkfs.ext4", "mount", "umount", "blkid", "findmnt"))("space_check on a USB drive (root, loop device)", () => {
  let drive: UsbDrive;
  let base: string;
  beforeAll(async () => {
    drive = await startUsb();
    base = tempDir("movein-space-");
  });
  afterAll(async () => {
    await drive?.stop();
  });

  test("check-space mounts the drive, estimates, unmounts; space_check fail stops a run that cannot fit, before writing", async () => {
    const t = await signedIn([base]);
    const mnt = join(base, "usb");
    mkdirSync(mnt);
    const src = join(base, "big");
    mkdirSync(src);
    // 24 MiB of incompressible data for a 16 MiB drive.
    for (let i = 0; i < 3; i++) writeFileSync(join(src, `blob${i}`), crypto.getRandomValues(new Uint8Array(8 * 1024 * 1024)));
    const small = join(base, "small");
    mkdirSync(small);
    writeFileSync(join(small, "note.txt"), "fits");
    const make = async (name: string, source: string, space_check: string) => {
      const r = await t.client.json("POST", "/api/jobs", {
        body: {
          name,
          source_dirs: [source],
          destination_type: "local",
          destination_config: { mount_point: mnt, backup_subdir: "b", usb_uuid: drive.uuid, auto_mount: true, auto_unmount: true },
          sync_options: { space_check },
        },
      });
      expect(r.status).toBe(201);
      return r.body.id as number;
    };
    const bigJob = await make("Big", src, "fail");
    const check = await t.client.json("GET", `/api/jobs/${bigJob}/check-space`);
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({ job_id: bigJob, space_check: "fail", enough: false, mounted: true, margin_percent: 10 });
    expect(check.body.estimated_bytes).toBe(24 * 1024 * 1024);
    expect(check.body.required_bytes).toBe(check.body.estimated_bytes + check.body.margin_bytes);
    expect(check.body.free_bytes).toBeGreaterThan(1024 * 1024);
    expect(check.body.free_bytes).toBeLessThan(16 * 1024 * 1024);
    // Unmounted again: the drive was not mounted before the check.
    expect(mountAt(mnt)).toBeNull();

    const failed = await runJob(t, bigJob);
    expect(failed.run.status).toBe("failed");
    expect(failed.run.error_message).toContain("Not enough free space");
    expect(failed.run.files_transferred).toBe(0);

    const smallJob = await make("Small", small, "warn");
    const fits = await t.client.json("GET", `/api/jobs/${smallJob}/check-space`);
    expect(fits.body).toMatchObject({ enough: true, estimated_bytes: 4 });
    const ok = await runJob(t, smallJob);
    expect(ok.run.status).toBe("completed");
    expect(ok.lines.some((l) => l.startsWith("info: Space check: about"))).toBe(true);
    await t.services.stop();
  });
});
