// Byte compatibility with the original Dynamight's .dmbackup both ways, checked with the real
// OpenSSL command line the format sheet names: `openssl enc -d` opens our export, and a file
// `openssl enc` made from a plaintext written by the sheet imports (credentials, jobs, schedules,
// the account with its 2FA secret and an Argon2id recovery code).
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "otplib";
import { parse as parseYaml } from "yaml";
import { setup } from "../auth/helpers.ts";
import { testApp } from "../helpers/app.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { BACKUP_PASSWORD, exportFile, upload } from "./helpers.ts";

const OPENSSL = ["openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-iter", "600000", "-md", "sha256"];

async function openssl(args: string[], password: string) {
  const p = Bun.spawn([...OPENSSL, ...args, "-pass", "env:DM_BACKUP_PW"], { env: { ...process.env, DM_BACKUP_PW: password }, stdout: "pipe", stderr: "pipe" });
  const code = await p.exited;
  return { code, err: await new Response(p.stderr).text() };
}

// A made-up install of the original, written as its serde_yaml writes (formats/dmbackup.md §2, §4).
const TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
async function originalPlaintext() {
  const passwordHash = await Bun.password.hash("old dynamight pw", { algorithm: "argon2id", memoryCost: 19456, timeCost: 2 });
  const recovery = await Bun.password.hash("AB12CD34EF56", { algorithm: "argon2id", memoryCost: 19456, timeCost: 2 });
  return `#dynamight-backup-v1
version: 1
exported_at: 2026-03-01T14:30:05.123456789+00:00
app_name: dynamight
settings:
  max_runs_per_job: '7'
  delete_verification_window_minutes: '5'
  search_timeout_seconds: '30'
  show_directory_sizes: 'true'
credentials:
- name: NAS
  provider_type: sftp
  data:
    type: sftp
    password: nas-secret
    private_key: null
    passphrase: null
- name: My Drive
  provider_type: google_drive
  data:
    type: o_auth
    access_token: ya29.x
    refresh_token: 1//0x
    expires_at: 1772379005
- name: Cloud
  provider_type: webdav
  data:
    type: web_dav
    username: alice
    password: dav-secret
jobs:
- name: Photos to NAS
  description: null
  enabled: true
  source_dirs:
  - /home/alice/Photos
  destination_type: sftp
  destination:
    type: sftp
    host: nas.lan
    port: 22
    username: backup
    remote_path: /srv/backup
    key_based_auth: false
    host_key_fingerprint: 'SHA256:AbCd'
  sync_options:
    delete_extraneous: false
    exclude_patterns:
    - '*.tmp'
    exclude_dirs: []
    bandwidth_limit_kbps: null
    dry_run: false
    verbosity: normal
    provider_options: null
    space_check: warn
    compress_dirs: null
  credential_name: NAS
  schedules:
  - enabled: true
    cron_expression: 0 3 * * *
    schedule_type: daily
    time_of_day: 03:00
    day_of_week: null
    day_of_month: null
  - enabled: false
    cron_expression: 30 4 * * 1
    schedule_type: weekly
    time_of_day: 04:30
    day_of_week: 1
    day_of_month: null
- {name: Docs, enabled: false, source_dirs: [/home/alice/Docs], destination_type: google_drive,
   destination: {type: google_drive, folder_id: 1AbC}, sync_options: {}, credential_name: My Drive,
   schedules: []}
- name: USB copy
  description: To the USB drive
  enabled: true
  source_dirs:
  - /home/alice/Docs
  destination_type: local
  destination:
    type: local
    mount_point: /mnt/backup
    backup_subdir: backups
    usb_uuid: 1234-ABCD
  sync_options: {}
  credential_name: null
  schedules:
  - enabled: true
    cron_expression: '15 2 1 * *'
    schedule_type: monthly
    time_of_day: 02:15
    day_of_week: null
    day_of_month: 1
  - enabled: true
    cron_expression: 0 */6 * * *
    schedule_type: custom
    time_of_day: null
user:
  username: alice
  password_hash: ${passwordHash}
  totp_enabled: true
  totp_secret: ${TOTP_SECRET}
  recovery_codes:
  - ${recovery}
`;
}

describeIf(missingCommand("openssl"))("the .dmbackup envelope is OpenSSL's", () => {
  test("openssl enc -d opens our export: the sheet's magic line and a YAML document of the install", async () => {
    const { client } = testApp();
    await setup(client);
    const cred = await client.json("POST", "/api/credentials", { body: { name: "store", provider_type: "s3", data: { access_key_id: "AKID", secret_access_key: "s3-secret-in-file" } } });
    expect(cred.status).toBe(201);
    const job = await client.json("POST", "/api/jobs", {
      body: { name: "To S3", source_dirs: ["/srv/data"], destination_type: "s3", destination_config: { bucket: "b1", region: "us-east-1" }, credential_id: cred.body.id },
    });
    expect(job.status).toBe(201);
    const drive = await client.json("POST", "/api/credentials", {
      body: {
        name: "drive",
        provider_type: "google_drive",
        data: { client_id: "cid.apps.googleusercontent.com", client_secret: "csecret", access_token: "ya29.a", refresh_token: "1//r", expires_at: 1772379005 },
      },
    });
    expect(drive.status).toBe(201);
    const dir = mkdtempSync(join(tmpdir(), "movein-openssl-"));
    writeFileSync(join(dir, "x.dmbackup"), await exportFile(client));
    const r = await openssl(["-d", "-in", join(dir, "x.dmbackup"), "-out", join(dir, "x.yaml")], BACKUP_PASSWORD);
    expect([r.code, r.err]).toEqual([0, ""]);
    const text = readFileSync(join(dir, "x.yaml"), "utf8");
    expect(text.startsWith("#dynamight-backup-v1\n")).toBe(true);
    const doc = parseYaml(text);
    expect(doc).toMatchObject({ version: 1, app_name: "dynamight", user: { username: "admin", totp_enabled: false } });
    expect(Object.keys(doc).slice(0, 7)).toEqual(["version", "exported_at", "app_name", "settings", "credentials", "jobs", "user"]);
    expect(doc.credentials[0]).toEqual({ name: "store", provider_type: "s3", data: { type: "s3", access_key_id: "AKID", secret_access_key: "s3-secret-in-file" } });
    // The original's o_auth fields first, then ours (the OAuth client), which its reader ignores.
    expect(doc.credentials[1].data).toEqual({
      type: "o_auth",
      access_token: "ya29.a",
      refresh_token: "1//r",
      expires_at: 1772379005,
      client_id: "cid.apps.googleusercontent.com",
      client_secret: "csecret",
    });
    // And they come back in: an imported Drive credential still names its client.
    const fresh = testApp();
    const restored = await upload(fresh.client, "/api/auth/setup-from-backup", new Uint8Array(readFileSync(join(dir, "x.dmbackup"))), { password: BACKUP_PASSWORD });
    expect(restored.status).toBe(200);
    const { openCredentialData } = await import("../../src/credentials/service.ts");
    const ids = (fresh.ctx.db.$client.query("SELECT id FROM credentials WHERE name = 'drive'").all() as { id: number }[]).map((r) => r.id);
    expect(openCredentialData(fresh.ctx.db, fresh.ctx.secret, ids[0]!)).toMatchObject({ client_id: "cid.apps.googleusercontent.com", client_secret: "csecret", refresh_token: "1//r" });
    expect(doc.jobs[0]).toMatchObject({ name: "To S3", destination_type: "s3", destination: { type: "s3", bucket: "b1", region: "us-east-1" }, credential_name: "store", schedules: [] });
    // Every string is quoted, as the sheet asks of writers (a '5' stays a string for serde).
    expect(text).toContain("max_runs_per_job: '10'");
    expect(text).toContain("bucket: 'b1'");
    const wrong = await openssl(["-d", "-in", join(dir, "x.dmbackup"), "-out", join(dir, "y.yaml")], "not the password");
    expect(wrong.code).not.toBe(0);
  });

  test("a file openssl enc made from the original's plaintext imports: credentials, jobs, schedules, the account with 2FA and a recovery code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "movein-openssl-"));
    writeFileSync(join(dir, "orig.yaml"), await originalPlaintext());
    const made = await openssl(["-salt", "-in", join(dir, "orig.yaml"), "-out", join(dir, "orig.dmbackup")], "original pw 123");
    expect([made.code, made.err]).toEqual([0, ""]);
    const file = new Uint8Array(readFileSync(join(dir, "orig.dmbackup")));
    expect(Buffer.from(file.subarray(0, 8)).toString("latin1")).toBe("Salted__");

    const { client } = testApp();
    const preview = await upload(client, "/api/auth/setup-from-backup", file, { password: "wrong password" });
    expect([preview.status, preview.body.code]).toEqual([400, "BACKUP_INVALID_PASSWORD"]);
    const r = await upload(client, "/api/auth/setup-from-backup", file, { password: "original pw 123" });
    expect([r.status, r.body]).toEqual([200, { success: true, username: "alice" }]);

    // The original's password hash and 2FA secret sign in here.
    const login = await client.json("POST", "/api/auth/login", { body: { username: "alice", password: "old dynamight pw" } });
    expect(login.body.totp_required).toBe(true);
    const code = await generate({ secret: TOTP_SECRET });
    const signed = await client.json("POST", "/api/auth/totp/validate", { body: { totp_token: login.body.totp_token, code } });
    expect(signed.status).toBe(200);

    const jobs = (await client.json("GET", "/api/jobs")).body;
    expect(jobs.map((j: any) => [j.name, j.destination_type, j.enabled])).toEqual([
      ["Photos to NAS", "sftp", true],
      ["Docs", "google_drive", false],
      ["USB copy", "local", true],
    ]);
    expect(jobs[0].destination_config).toMatchObject({ host: "nas.lan", port: 22, username: "backup", remote_path: "/srv/backup", key_based_auth: false });
    expect(jobs[0].sync_options).toMatchObject({ exclude_patterns: ["*.tmp"], delete_extraneous: false, verbosity: "normal" });
    expect(jobs[2].destination_config).toMatchObject({ mount_point: "/mnt/backup", backup_subdir: "backups", usb_uuid: "1234-ABCD", auto_mount: true, auto_unmount: true });
    const sched = (j: any) => j.schedules.map((s: any) => [s.schedule_type, s.hour, s.minute, s.day_of_week, s.day_of_month, s.cron_expression, s.enabled]);
    expect(sched(jobs[0])).toEqual([
      ["daily", 3, 0, null, null, null, true],
      ["weekly", 4, 30, 1, null, null, false],
    ]);
    expect(sched(jobs[2])).toEqual([
      ["monthly", 2, 15, null, 1, null, true],
      ["custom", null, null, null, null, "0 */6 * * *", true],
    ]);
    const creds = (await client.json("GET", "/api/credentials")).body;
    expect(creds.map((c: any) => [c.name, c.provider_type])).toEqual([
      ["NAS", "sftp"],
      ["My Drive", "google_drive"],
      ["Cloud", "webdav"],
    ]);
    expect(jobs[0].credential_id).toBe(creds[0].id);
    expect(jobs[1].credential_id).toBe(creds[1].id);
    expect((await client.json("GET", "/api/settings")).body.max_runs_per_job).toBe(7);

    // The original's recovery code (an Argon2id hash of the bare code) is accepted once.
    await client.json("POST", "/api/auth/logout");
    const again = await client.json("POST", "/api/auth/login", { body: { username: "alice", password: "old dynamight pw" } });
    const rec = await client.json("POST", "/api/auth/totp/recovery", { body: { totp_token: again.body.totp_token, recovery_code: "ab12-cd34-ef56" } });
    expect(rec.status).toBe(200);
    await client.json("POST", "/api/auth/logout");
    const third = await client.json("POST", "/api/auth/login", { body: { username: "alice", password: "old dynamight pw" } });
    const reuse = await client.json("POST", "/api/auth/totp/recovery", { body: { totp_token: third.body.totp_token, recovery_code: "AB12-CD34-EF56" } });
    expect(reuse.status).toBe(401);
    const fourth = await client.json("POST", "/api/auth/login", { body: { username: "alice", password: "old dynamight pw" } });
    const next = await generate({ secret: TOTP_SECRET, epoch: Math.floor(Date.now() / 1000) + 30 });
    expect((await client.json("POST", "/api/auth/totp/validate", { body: { totp_token: fourth.body.totp_token, code: next } })).status).toBe(200);

    // And our export of it opens in openssl and carries that hash on for the original to read.
    const out = await exportFile(client);
    writeFileSync(join(dir, "back.dmbackup"), out);
    expect((await openssl(["-d", "-in", join(dir, "back.dmbackup"), "-out", join(dir, "back.yaml")], BACKUP_PASSWORD)).code).toBe(0);
    const back = parseYaml(readFileSync(join(dir, "back.yaml"), "utf8"));
    expect(back.credentials.map((c: any) => c.data.type)).toEqual(["sftp", "o_auth", "web_dav"]);
    expect(back.credentials[1].data).toEqual({ type: "o_auth", access_token: "ya29.x", refresh_token: "1//0x", expires_at: 1772379005 });
    expect(back.jobs[0].destination.type).toBe("sftp");
    expect(back.jobs[0].schedules[0]).toMatchObject({ cron_expression: "0 3 * * *", schedule_type: "daily", time_of_day: "03:00" });
    expect(back.user).toMatchObject({ username: "alice", totp_enabled: true, totp_secret: TOTP_SECRET });
  });
});

describe("the YAML reader", () => {
  test("an unsupported version and a document that is not the sheet's are 400s with the original's codes", async () => {
    const { seal } = await import("../../src/config-backup/envelope.ts");
    const { client } = testApp();
    const v2 = await seal("#dynamight-backup-v1\nversion: 2\n", "original pw 123");
    const r = await upload(client, "/api/auth/setup-from-backup", v2, { password: "original pw 123" });
    expect([r.status, r.body.code]).toEqual([400, "BACKUP_UNSUPPORTED_VERSION"]);
    const noJobs = await seal("#dynamight-backup-v1\nversion: 1\nexported_at: x\napp_name: dynamight\nsettings: {}\ncredentials: []\nuser: {username: a}\n", "original pw 123");
    const r2 = await upload(client, "/api/auth/setup-from-backup", noJobs, { password: "original pw 123" });
    expect([r2.status, r2.body.code]).toEqual([400, "BACKUP_INVALID_FORMAT"]);
    expect(r2.body.message).toContain("jobs");
    const bad = await seal("#dynamight-backup-v1\nversion: [1\n", "original pw 123");
    const r3 = await upload(client, "/api/auth/setup-from-backup", bad, { password: "original pw 123" });
    expect([r3.status, r3.body.code]).toEqual([400, "BACKUP_INVALID_FORMAT"]);
    expect((await client.json("GET", "/api/auth/setup-required")).body).toEqual({ setup_required: true });
  });
});
