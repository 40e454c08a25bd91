// Jobs API: CRUD, validation naming the field, clone, run/cancel errors, auth.
import { describe, expect, test } from "bun:test";
import { hashApiKey } from "../../src/auth/guard.ts";
import { apiKeys } from "../../src/db/schema.ts";
import { createSchedule } from "../../src/schedules/service.ts";
import { authedApp, localJob, tempDir } from "../engine/fixtures.ts";

describe("jobs API", () => {
  test("create, get, list, update, delete", async () => {
    const t = await authedApp();
    const mount = tempDir();
    const created = await t.api("POST", "/api/jobs", { ...localJob(["/home/user/documents/"], mount), sync_options: { exclude_patterns: ["*.tmp"] } });
    expect(created.status).toBe(201);
    const job = created.body;
    expect(job).toMatchObject({
      name: "Local job",
      enabled: true,
      source_dirs: ["/home/user/documents"],
      destination_type: "local",
      destination_config: { mount_point: mount, backup_subdir: "backups", usb_uuid: null, auto_mount: false, auto_unmount: false },
      sync_options: { delete_extraneous: false, exclude_patterns: ["*.tmp"], bandwidth_limit_kbps: null, dry_run: false, verbosity: "normal" },
      credential_id: null,
      last_run: null,
      active_run_id: null,
      schedules: [],
    });
    expect(job.created_at).toMatch(/Z$/);

    createSchedule(t.ctx.db, job.id, { schedule_type: "daily", hour: 2, minute: 0 });
    const got = await t.api("GET", `/api/jobs/${job.id}`);
    expect(got.status).toBe(200);
    expect(got.body.schedules).toHaveLength(1);
    expect(got.body.schedules[0].next_run).toBeString();

    const list = await t.api("GET", "/api/jobs");
    expect(list.body.map((j: any) => j.id)).toEqual([job.id]);

    const updated = await t.api("PUT", `/api/jobs/${job.id}`, { ...localJob(["/srv/photos"], mount), name: "Renamed", enabled: false });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: "Renamed", enabled: false, source_dirs: ["/srv/photos"] });
    expect(updated.body.schedules[0].next_run).toBeNull();

    expect((await t.api("DELETE", `/api/jobs/${job.id}`)).body).toEqual({ message: "Job deleted" });
    expect((await t.api("GET", `/api/jobs/${job.id}`)).status).toBe(404);
  });

  test("clone: '(Copy)', same settings, a new id, no schedules", async () => {
    const t = await authedApp();
    const job = (await t.api("POST", "/api/jobs", localJob(["/a/b"], tempDir(), { name: "S3 Backup" }))).body;
    createSchedule(t.ctx.db, job.id, { schedule_type: "daily", hour: 2, minute: 0 });
    const clone = await t.api("POST", `/api/jobs/${job.id}/clone`);
    expect(clone.status).toBe(201);
    expect(clone.body.id).not.toBe(job.id);
    expect(clone.body.name).toBe("S3 Backup (Copy)");
    expect(clone.body.destination_config).toEqual(job.destination_config);
    expect(clone.body.schedules).toEqual([]);
    expect((await t.api("POST", "/api/jobs/999/clone")).status).toBe(404);
  });

  const cases: [string, (m: string) => Record<string, unknown>, string][] = [
    ["missing name", (m) => ({ ...localJob(["/a"], m), name: undefined }), "Field 'name' is required"],
    ["blank name", (m) => ({ ...localJob(["/a"], m), name: "   " }), "Field 'name' must not be blank"],
    ["no sources", (m) => localJob([], m), "Field 'source_dirs' must be a list of at least 1 item(s)"],
    ["relative source", (m) => localJob(["docs"], m), "Field 'source_dirs.0' must be an absolute path"],
    ["root as source", (m) => localJob(["/"], m), "Field 'source_dirs.0' cannot be the root folder"],
    ["same basename twice", (m) => localJob(["/a/docs", "/b/docs"], m), "Field 'source_dirs' has two folders named \"docs\""],
    ["unknown type", (m) => ({ ...localJob(["/a"], m), destination_type: "ftp" }), "Field 'destination_type' must be one of"],
    ["missing mount point", () => ({ ...localJob(["/a"], "/x"), destination_config: { backup_subdir: "b" } }), "Field 'destination_config.mount_point' is required"],
    ["relative mount point", () => localJob(["/a"], "mnt"), "Field 'destination_config.mount_point' must be an absolute path"],
    ["subdir escaping", (m) => localJob(["/a"], m, { backup_subdir: "../etc" }), "Field 'destination_config.backup_subdir' must stay inside"],
    ["unknown config key", (m) => ({ ...localJob(["/a"], m), destination_config: { mount_point: m, mountpoint: "/x" } }), "Field 'destination_config.mountpoint' is not a setting of Local / USB"],
    ["bad verbosity", (m) => localJob(["/a"], m, { sync_options: { verbosity: "loud" } }), "Field 'sync_options.verbosity' must be one of"],
    ["bad bwlimit", (m) => localJob(["/a"], m, { sync_options: { bandwidth_limit_kbps: -5 } }), "Field 'sync_options.bandwidth_limit_kbps' must be"],
    ["unknown credential", (m) => ({ ...localJob(["/a"], m), credential_id: 77 }), "Field 'credential_id' refers to no credential (77)"],
    [
      "s3 without credential",
      () => ({ name: "s3", source_dirs: ["/a"], destination_type: "s3", destination_config: { bucket: "my-backup-bucket", region: "us-east-1" } }),
      "Field 'credential_id' is required for",
    ],
    ["s3 without bucket", () => ({ name: "s3", source_dirs: ["/a"], destination_type: "s3", destination_config: {} }), "Field 'destination_config.bucket' is required"],
  ];
  for (const [name, body, message] of cases) {
    test(`400 on ${name}, naming the field`, async () => {
      const t = await authedApp();
      const res = await t.api("POST", "/api/jobs", body(tempDir()));
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("Invalid request");
      expect(res.body.message).toStartWith(message);
    });
  }

  test("credential of another provider type is refused", async () => {
    const t = await authedApp();
    const cred = (await t.api("POST", "/api/credentials", { name: "dav", provider_type: "webdav", data: { username: "u", password: "p" } })).body;
    const res = await t.api("POST", "/api/jobs", { name: "s3", source_dirs: ["/a"], destination_type: "s3", destination_config: { bucket: "my-backup-bucket" }, credential_id: cred.id });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Field 'credential_id' is a webdav credential, not s3");
  });

  test("404s and bad ids", async () => {
    const t = await authedApp();
    for (const [m, p] of [
      ["GET", "/api/jobs/42"],
      ["PUT", "/api/jobs/42"],
      ["DELETE", "/api/jobs/42"],
      ["POST", "/api/jobs/42/run"],
      ["POST", "/api/jobs/42/cancel"],
    ] as const) {
      const res = await t.api(m, p, m === "PUT" ? localJob(["/a"], tempDir()) : undefined);
      expect([m, p, res.status]).toEqual([m, p, 404]);
      expect(res.body.error).toBe("Not found");
    }
    const bad = await t.api("GET", "/api/jobs/abc");
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("'id'");
  });

  test("cancel when nothing runs: 409", async () => {
    const t = await authedApp();
    const job = (await t.api("POST", "/api/jobs", localJob(["/a"], tempDir()))).body;
    const res = await t.api("POST", `/api/jobs/${job.id}/cancel`);
    expect(res.status).toBe(409);
    expect(res.body.message).toBe("Job is not running");
  });

  test("a read-only API key may list but not create or run", async () => {
    const t = await authedApp();
    const job = (await t.api("POST", "/api/jobs", localJob(["/a"], tempDir()))).body;
    const readKey = "dm_read_" + crypto.randomUUID();
    t.ctx.db
      .insert(apiKeys)
      .values({ userId: 1, name: "ro", prefix: readKey.slice(0, 8), keyHash: await hashApiKey(readKey), scope: "read" })
      .run();
    const as = (method: string, path: string, body?: unknown) => t.client.json(method, path, { body, headers: { "x-api-key": readKey } });
    expect((await as("GET", "/api/jobs")).status).toBe(200);
    expect((await as("POST", `/api/jobs/${job.id}/run`)).status).toBe(403);
    expect((await as("POST", "/api/jobs", localJob(["/b"], tempDir()))).status).toBe(403);
    expect((await as("DELETE", `/api/jobs/${job.id}`)).status).toBe(403);
  });

  test("without authentication: 401", async () => {
    const t = await authedApp();
    const res = await t.client.json("GET", "/api/jobs");
    expect(res.status).toBe(401);
    const post = await t.client.json("POST", "/api/jobs/1/run");
    expect(post.status).toBe(401);
  });
});
