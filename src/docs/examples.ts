// Request body examples for /api/openapi.json (and so the Swagger page), taken from the API
// reference (seeds/004) where it has one. Each is attached to its body schema as JSON Schema
// `examples`; test/foundation/openapi.test.ts checks that every one passes its own schema.

export const SETUP = [{ username: "admin", password: "securepassword123" }];
export const LOGIN = [{ username: "admin", password: "securepassword123" }];
export const CHANGE_PASSWORD = [{ current_password: "oldpassword", new_password: "newpassword123" }];
export const TOTP_ENABLE = [{ secret: "JBSWY3DPEHPK3PXP", code: "123456" }];
export const TOTP_DISABLE = [{ code: "123456" }];
export const TOTP_VALIDATE = [{ totp_token: "temporary-token-from-login", code: "123456" }];
export const TOTP_RECOVERY = [{ totp_token: "temporary-token-from-login", recovery_code: "ABCD-1234-EFGH" }];
// Not in the seed (API keys are ours).
export const API_KEY_CREATE = [{ name: "monitoring", scope: "read" }];

export const JOB = [
  {
    name: "S3 Backup",
    description: "Backup to AWS S3",
    enabled: true,
    source_dirs: ["/home/user/documents"],
    destination_type: "s3",
    destination_config: { bucket: "my-backup-bucket", prefix: "backups/server1/", region: "us-east-1", endpoint: null, storage_class: "STANDARD" },
    sync_options: { delete_extraneous: false, exclude_patterns: ["*.tmp"], dry_run: false, verbosity: "normal" },
    credential_id: 1,
  },
  {
    name: "Daily Backup",
    description: "Backup home directory",
    enabled: true,
    source_dirs: ["/home/user/documents", "/home/user/photos"],
    destination_type: "local",
    destination_config: { mount_point: "/mnt/backup", backup_subdir: "daily", usb_uuid: "1234-5678", auto_mount: true, auto_unmount: true },
    sync_options: { delete_extraneous: false, exclude_patterns: ["*.tmp", ".cache"], bandwidth_limit_kbps: null, dry_run: false, verbosity: "normal", keep_versions_days: 30 },
    credential_id: null,
  },
];

export const SCHEDULE = [
  { schedule_type: "daily", hour: 2, minute: 0 },
  { schedule_type: "weekly", hour: 2, minute: 0, day_of_week: 0 },
  { schedule_type: "monthly", hour: 2, minute: 0, day_of_month: 1 },
  { schedule_type: "custom", cron_expression: "0 2 * * 1-5" },
  { schedule_type: "weekly", hour: 4, minute: 0, day_of_week: 0, action: "verify" },
];

export const CREDENTIAL_CREATE = [
  { name: "AWS Production", provider_type: "s3", data: { access_key_id: "AKIAIOSFODNN7EXAMPLE", secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" } },
  { name: "Backup Server", provider_type: "sftp", data: { password: "secretpassword" } },
  { name: "Backup Server", provider_type: "sftp", data: { private_key: "-----BEGIN OPENSSH PRIVATE KEY-----\n...", passphrase: "keypassphrase" } },
  { name: "Nextcloud", provider_type: "webdav", data: { username: "user", password: "password" } },
  { name: "Google Account", provider_type: "google_drive", data: { access_token: "ya29.a0AfH6...", refresh_token: "1//0eXx...", expires_at: 1704499200 } },
];

export const CREDENTIAL_UPDATE = [
  { name: "AWS Production (Updated)", data: { access_key_id: "AKIAIOSFODNN7NEWKEY", secret_access_key: "newSecretKey..." } },
  { name: "AWS Production (renamed only)" },
];

export const PROVIDER_TEST = [
  { destination_type: "s3", destination_config: { bucket: "my-bucket", prefix: "backups/", region: "us-east-1" }, credential_id: 1 },
  {
    destination_type: "sftp",
    destination_config: { host: "backup.example.com", port: 22, username: "backup", remote_path: "/backups", key_based_auth: false },
    credential_data: { password: "testpassword" },
  },
];

export const MOUNT = [{ uuid: "1234-5678", mount_point: "/mnt/backup" }];
export const UNMOUNT = [{ mount_point: "/mnt/backup" }];
export const MKDIR = [{ path: "/mnt/backup/new-folder" }];
export const SETTINGS = [{ max_runs_per_job: 20 }, { theme: "dark" }];

export const NOTIFICATION_CHANNEL = [
  { name: "Phone", type: "ntfy", config: { server_url: "https://ntfy.sh", topic: "my-backups", priority: 4 }, events: ["run_failed", "run_missed", "no_success"], job_ids: null, enabled: true },
  {
    name: "Ops mail",
    type: "email",
    config: { host: "smtp.example.com", port: 587, tls_mode: "starttls", username: "backup", password: "secret", from: "backup@example.com", to: ["ops@example.com"] },
    events: ["run_failed"],
  },
];
export const NOTIFICATION_CHANNEL_UPDATE = [{ enabled: false }, { config: { webhook_url: "****" } }];
