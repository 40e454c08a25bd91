// Export → import into a fresh server (replace and setup-from-backup) against the real app, real
// SQLite and a real S3 run on radosgw with the imported credential; merge, wrong password,
// tampered and truncated files, and 409 while a run is active.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { codeAt, enable2fa, PASSWORD, setup } from "../auth/helpers.ts";
import { testApp } from "../helpers/app.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { rclone } from "../remote/harness.ts";
import { BACKUP_PASSWORD, exportFile, upload } from "./helpers.ts";

const PORT = Number(process.env.S3_PORT ?? 7480);
const AK = process.env.S3_ACCESS_KEY ?? "bkpaccess";
const SK = process.env.S3_SECRET_KEY ?? "bkpsecret123";
const BUCKET = `movein-${Date.now().toString(36)}`;
const reason = missingCommand("radosgw", "rclone") ?? notRoot();

async function startS3Peer() {
  const p = Bun.spawn(["bash", join(import.meta.dir, "../../scripts/peers/s3.sh"), "start"], { stdout: "pipe", stderr: "pipe" });
  if ((await p.exited) !== 0) throw new Error(`scripts/peers/s3.sh start failed: ${await new Response(p.stderr).text()}`);
}
const s3Client = () => new S3Client({ region: "us-east-1", endpoint: `http://127.0.0.1:${PORT}`, forcePathStyle: true, credentials: { accessKeyId: AK, secretAccessKey: SK } });
const rcloneS3 = (path: string) => `:s3,provider=Ceph,endpoint='http://127.0.0.1:${PORT}',access_key_id=${AK},secret_access_key=${SK},force_path_style=true:${path}`;

/** Source server: an account with 2FA, an S3 credential and job with two schedules, a local job, settings, a channel, an API key. */
async function populatedServer() {
  const src = testApp();
  await setup(src.client);
  const { secret } = await enable2fa(src.client);
  const folder = realpathSync(mkdtempSync(join(tmpdir(), "movein-src-")));
  mkdirSync(join(folder, "docs"));
  writeFileSync(join(folder, "docs", "a.txt"), "hello from the old server\n");
  const cred = await src.client.json("POST", "/api/credentials", { body: { name: "radosgw", provider_type: "s3", data: { access_key_id: AK, secret_access_key: SK } } });
  expect(cred.status).toBe(201);
  const job = await src.client.json("POST", "/api/jobs", {
    body: {
      name: "Docs to S3",
      description: "moved in",
      source_dirs: [join(folder, "docs")],
      destination_type: "s3",
      destination_config: { bucket: BUCKET, prefix: "roundtrip/", region: "us-east-1", endpoint: `http://127.0.0.1:${PORT}` },
      sync_options: { exclude_patterns: ["*.tmp"], delete_extraneous: true },
      credential_id: cred.body.id,
    },
  });
  expect(job.status).toBe(201);
  expect((await src.client.json("POST", `/api/jobs/${job.body.id}/schedules`, { body: { schedule_type: "daily", hour: 3, minute: 15 } })).status).toBe(201);
  expect((await src.client.json("POST", `/api/jobs/${job.body.id}/schedules`, { body: { schedule_type: "custom", cron_expression: "*/30 * * * *", timezone: "Europe/Berlin" } })).status).toBe(201);
  const local = await src.client.json("POST", "/api/jobs", {
    body: { name: "Local copy", source_dirs: [join(folder, "docs")], destination_type: "local", destination_config: { mount_point: folder, backup_subdir: "copy" }, enabled: false },
  });
  expect(local.status).toBe(201);
  expect((await src.client.json("POST", `/api/jobs/${local.body.id}/schedules`, { body: { schedule_type: "weekly", hour: 23, minute: 5, day_of_week: 0 } })).status).toBe(201);
  expect((await src.client.json("PUT", "/api/settings", { body: { max_runs_per_job: 42, theme: "dark" } })).status).toBe(200);
  const channel = await src.client.json("POST", "/api/notifications", {
    body: { name: "Hook", type: "webhook", config: { url: "http://127.0.0.1:1/hook-secret" }, events: ["run_failed"], job_ids: [job.body.id] },
  });
  expect(channel.status).toBe(201);
  const key = await src.client.json("POST", "/api/auth/api-keys", { body: { name: "monitoring", scope: "read" } });
  expect(key.status).toBe(201);
  return { src, secret, apiKey: key.body.key as string, folder };
}

async function loginWith2fa(client: ReturnType<typeof testApp>["client"], secret: string, step = 0) {
  const first = await client.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } });
  expect(first.status).toBe(200);
  expect(first.body.totp_required).toBe(true);
  const done = await client.json("POST", "/api/auth/totp/validate", { body: { totp_token: first.body.totp_token, code: await codeAt(secret, step) } });
  expect(done.status).toBe(200);
  return done;
}

const comparable = (jobs: any[]) =>
  jobs.map((j) => ({
    name: j.name,
    description: j.description,
    enabled: j.enabled,
    source_dirs: j.source_dirs,
    destination_type: j.destination_type,
    destination_config: j.destination_config,
    sync_options: j.sync_options,
    has_credential: j.credential_id !== null,
    schedules: j.schedules.map((s: any) => ({
      enabled: s.enabled,
      schedule_type: s.schedule_type,
      hour: s.hour,
      minute: s.minute,
      day_of_week: s.day_of_week,
      cron_expression: s.cron_expression,
      timezone: s.timezone,
      catch_up: s.catch_up,
    })),
  }));

describeIf(reason)("configuration backup: export, then import into a fresh server", () => {
  let world: Awaited<ReturnType<typeof populatedServer>>;
  let file: Uint8Array;
  beforeAll(async () => {
    await startS3Peer();
    await s3Client().send(new CreateBucketCommand({ Bucket: BUCKET }));
    world = await populatedServer();
    file = await exportFile(world.src.client);
  });
  afterAll(async () => {
    await rclone("purge", rcloneS3(BUCKET));
  });

  test("the export is a download named by the date, an OpenSSL 'Salted__' envelope with no secret in clear", async () => {
    const res = await world.src.client.request("POST", "/api/config/export", { body: { password: BACKUP_PASSWORD } });
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="dynamight-backup-${new Date().toISOString().slice(0, 10)}.dmbackup"`);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(Buffer.from(file.subarray(0, 8)).toString("latin1")).toBe("Salted__");
    expect((file.length - 16) % 16).toBe(0);
    expect(Buffer.from(file).includes(Buffer.from(SK))).toBe(false);
    const short = await world.src.client.json("POST", "/api/config/export", { body: { password: "short" } });
    expect(short.status).toBe(400);
    expect(short.body.message).toContain("password");
    // An API key (even a write one) cannot take every secret home.
    const write = await world.src.client.json("POST", "/api/auth/api-keys", { body: { name: "w", scope: "write" } });
    const viaKey = await world.src.client.json("POST", "/api/config/export", { body: { password: BACKUP_PASSWORD }, headers: { authorization: `Bearer ${write.body.key}`, cookie: "" } });
    expect(viaKey.status).toBe(403);
  });

  test("replace into a fresh server: same jobs, schedules, settings, channel, API key; the old login with 2FA; a real S3 run with the imported credential", async () => {
    const dst = testApp();
    await setup(dst.client, "admin", "another password 9");
    const own = await dst.client.json("POST", "/api/jobs", {
      body: { name: "Replaced away", source_dirs: [world.folder], destination_type: "local", destination_config: { mount_point: "/mnt", backup_subdir: "gone" } },
    });
    expect((await dst.client.json("POST", `/api/jobs/${own.body.id}/schedules`, { body: { schedule_type: "daily", hour: 1, minute: 0 } })).status).toBe(201);
    dst.services.scheduler.start();
    expect(dst.services.scheduler.armedSchedules().map((a) => a.job_id)).toEqual([own.body.id]);
    const preview = await upload(dst.client, "/api/config/import/preview", file, { password: BACKUP_PASSWORD, strategy: "replace" });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ valid: true, version: 1, jobs_count: 2, credentials_count: 1, schedules_count: 3, notification_channels_count: 1, conflicts: [] });
    expect((await dst.client.json("GET", "/api/jobs")).body.map((j: any) => j.name)).toEqual(["Replaced away"]);
    expect(preview.body.items).toContainEqual({ kind: "job", name: "Docs to S3", action: "add" });
    expect(preview.body.items).toContainEqual({ kind: "user", name: "admin", action: "replace" });

    const imported = await upload(dst.client, "/api/config/import", file, { password: BACKUP_PASSWORD, strategy: "replace" });
    expect(imported.status).toBe(200);
    expect(imported.body).toMatchObject({ success: true, jobs_imported: 2, credentials_imported: 1, schedules_imported: 3, notification_channels_imported: 1, api_keys_imported: 1 });
    // Re-armed at once: the enabled job's two schedules (the disabled job's one never fires).
    const armed = dst.services.scheduler.armedSchedules();
    expect(armed.length).toBe(2);
    expect(armed.some((a) => a.job_id === own.body.id)).toBe(false);

    // Replace ended the sessions; the exported account signs in, with its 2FA.
    expect((await dst.client.json("GET", "/api/jobs")).status).toBe(401);
    const wrong = await dst.client.json("POST", "/api/auth/login", { body: { username: "admin", password: "another password 9" } });
    expect(wrong.status).toBe(401);
    await loginWith2fa(dst.client, world.secret);

    const before = (await world.src.client.json("GET", "/api/jobs")).body;
    const after = (await dst.client.json("GET", "/api/jobs")).body;
    expect(comparable(after)).toEqual(comparable(before));
    expect((await dst.client.json("GET", "/api/settings")).body).toMatchObject({ max_runs_per_job: 42, theme: "dark" });
    const channels = (await dst.client.json("GET", "/api/notifications")).body;
    expect(channels.map((c: any) => [c.name, c.type, c.job_ids])).toEqual([["Hook", "webhook", [after[0].id]]]);
    const creds = (await dst.client.json("GET", "/api/credentials")).body;
    expect(creds.map((c: any) => [c.name, c.provider_type])).toEqual([["radosgw", "s3"]]);
    // The API key made on the old server works here.
    const viaKey = await dst.client.json("GET", "/api/jobs", { headers: { authorization: `Bearer ${world.apiKey}`, cookie: "" } });
    expect(viaKey.status).toBe(200);

    // The credential was sealed again with this data folder's key: a real run uploads with it.
    const s3Job = after.find((j: any) => j.name === "Docs to S3");
    const start = await dst.client.json("POST", `/api/jobs/${s3Job.id}/run`);
    expect(start.status).toBe(202);
    await dst.services.engine.waitFor(start.body.run_id);
    const run = (await dst.client.json("GET", `/api/runs/${start.body.run_id}`)).body;
    expect([run.status, run.error_message]).toEqual(["completed", null]);
    expect(run.files_transferred).toBe(1);
    const listed = await s3Client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "roundtrip/" }));
    expect((listed.Contents ?? []).map((o) => o.Key)).toContain("roundtrip/docs/a.txt");
    await dst.services.stop();
  });

  test("setup from a backup: only while setup is required, then the exported account signs in", async () => {
    const fresh = testApp();
    const short = await upload(fresh.client, "/api/auth/setup-from-backup", file, { password: "short" });
    expect(short.status).toBe(400);
    expect(short.body.code).toBe("BACKUP_PASSWORD_TOO_SHORT");
    const r = await upload(fresh.client, "/api/auth/setup-from-backup", file, { password: BACKUP_PASSWORD });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true, username: "admin" });
    expect((await fresh.client.json("GET", "/api/auth/setup-required")).body).toEqual({ setup_required: false });
    const again = await upload(fresh.client, "/api/auth/setup-from-backup", file, { password: BACKUP_PASSWORD });
    expect(again.status).toBe(403);
    await loginWith2fa(fresh.client, world.secret, 1);
    expect((await fresh.client.json("GET", "/api/jobs")).body.map((j: any) => j.name)).toEqual(["Docs to S3", "Local copy"]);
  });

  test("merge skips same-named items and reports them; the account and existing items stay", async () => {
    const dst = testApp();
    await setup(dst.client, "owner", "owner password 1");
    const folder = realpathSync(mkdtempSync(join(tmpdir(), "movein-merge-")));
    const mine = await dst.client.json("POST", "/api/jobs", {
      body: { name: "Local copy", source_dirs: [folder], destination_type: "local", destination_config: { mount_point: "/mnt", backup_subdir: "mine" } },
    });
    expect(mine.status).toBe(201);
    const preview = await upload(dst.client, "/api/config/import/preview", file, { password: BACKUP_PASSWORD, strategy: "merge" });
    expect(preview.status).toBe(200);
    expect(preview.body.conflicts).toContain("Job 'Local copy' already exists (will be skipped)");
    expect(preview.body.items).toContainEqual({ kind: "job", name: "Local copy", action: "skip" });
    expect(preview.body.items).toContainEqual({ kind: "job", name: "Docs to S3", action: "add" });
    expect(preview.body.items.some((i: any) => i.kind === "user")).toBe(false);
    const r = await upload(dst.client, "/api/config/import", file, { password: BACKUP_PASSWORD, strategy: "merge" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ jobs_imported: 1, credentials_imported: 1, schedules_imported: 2 });
    // Still signed in as the owner (merge leaves the account and sessions alone).
    expect((await dst.client.json("GET", "/api/auth/me")).body.username).toBe("owner");
    const jobs = (await dst.client.json("GET", "/api/jobs")).body;
    expect(jobs.map((j: any) => j.name)).toEqual(["Local copy", "Docs to S3"]);
    expect(jobs[0].destination_config.backup_subdir).toBe("mine");
    // Settings only where absent: max_runs_per_job was never set here, so it comes in.
    expect((await dst.client.json("GET", "/api/settings")).body.max_runs_per_job).toBe(42);
  });

  test("a wrong password is a 400 that says so; a tampered or truncated file is a 400; nothing changes", async () => {
    const dst = testApp();
    await setup(dst.client);
    const snapshot = async () =>
      JSON.stringify([(await dst.client.json("GET", "/api/jobs")).body, (await dst.client.json("GET", "/api/credentials")).body, (await dst.client.json("GET", "/api/settings")).body]);
    const before = await snapshot();
    const wrong = await upload(dst.client, "/api/config/import", file, { password: "not the password", strategy: "replace" });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe("BACKUP_INVALID_PASSWORD");
    expect(wrong.body.message).toMatch(/wrong password/i);
    const tampered = new Uint8Array(file);
    tampered[tampered.length - 20]! ^= 0x55;
    const t1 = await upload(dst.client, "/api/config/import", tampered, { password: BACKUP_PASSWORD, strategy: "replace" });
    expect(t1.status).toBe(400);
    const truncated = file.subarray(0, file.length - 7);
    const t2 = await upload(dst.client, "/api/config/import", truncated, { password: BACKUP_PASSWORD, strategy: "replace" });
    expect([t2.status, t2.body.code]).toEqual([400, "BACKUP_INVALID_FORMAT"]);
    const notOurs = await upload(dst.client, "/api/config/import", new TextEncoder().encode("just some text file, long enough to pass 32"), { password: BACKUP_PASSWORD });
    expect([notOurs.status, notOurs.body.code]).toEqual([400, "BACKUP_INVALID_FORMAT"]);
    const missing = await upload(dst.client, "/api/config/import", new Uint8Array(0), { password: BACKUP_PASSWORD });
    expect(missing.status).toBe(400);
    expect(await snapshot()).toBe(before);
    // Still signed in: nothing was replaced.
    expect((await dst.client.json("GET", "/api/auth/me")).status).toBe(200);
  });

  test("an import is refused (409) while a run is active, and changes nothing", async () => {
    const dst = testApp();
    await setup(dst.client);
    const folder = realpathSync(mkdtempSync(join(tmpdir(), "movein-busy-")));
    // Enough files that the rsync run is still going when the import arrives.
    mkdirSync(join(folder, "src"));
    for (let i = 0; i < 2000; i++) writeFileSync(join(folder, "src", `f${i}`), "x".repeat(2048));
    const job = await dst.client.json("POST", "/api/jobs", {
      body: {
        name: "Slow",
        source_dirs: [join(folder, "src")],
        destination_type: "local",
        destination_config: { mount_point: folder, backup_subdir: "out" },
        sync_options: { bandwidth_limit_kbps: 100 },
      },
    });
    expect(job.status).toBe(201);
    const start = await dst.client.json("POST", `/api/jobs/${job.body.id}/run`);
    expect(start.status).toBe(202);
    const r = await upload(dst.client, "/api/config/import", file, { password: BACKUP_PASSWORD, strategy: "replace" });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe("BACKUP_JOBS_RUNNING");
    expect((await dst.client.json("GET", "/api/jobs")).body.map((j: any) => j.name)).toEqual(["Slow"]);
    await dst.client.json("POST", `/api/jobs/${job.body.id}/cancel`);
    await dst.services.engine.waitFor(start.body.run_id);
    await dst.services.stop();
  });
});
