// The whole database schema. Migrations in drizzle/ are generated from this file with
// `bun run db:generate`; never edit an applied migration, add a new one.
// Times are ISO-8601 UTC strings (what the API returns); JSON columns hold the seed's objects.
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;
const createdAt = () => text("created_at").notNull().default(now);
const updatedAt = () => text("updated_at").notNull().default(now);

export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    username: text("username").notNull(),
    passwordHash: text("password_hash").notNull(),
    // Sealed with the data folder's key (AES-256-GCM), like credentials.
    totpSecret: text("totp_secret"),
    totpEnabled: integer("totp_enabled", { mode: "boolean" }).notNull().default(false),
    // The last accepted 30 s step: a code for this step or an earlier one is a replay.
    totpLastStep: integer("totp_last_step"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("users_username_unique").on(sql`lower(${t.username})`)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: text("expires_at").notNull(),
    lastSeenAt: text("last_seen_at").notNull().default(now),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    usedAt: text("used_at"),
    createdAt: createdAt(),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    // First characters of the key, shown in lists so a user can tell keys apart.
    prefix: text("prefix").notNull(),
    // SHA-256 of the whole key: keys are 32 random bytes, so a slow hash buys nothing.
    keyHash: text("key_hash").notNull(),
    scope: text("scope", { enum: ["read", "write"] }).notNull(),
    createdAt: createdAt(),
    lastUsedAt: text("last_used_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_unique").on(t.keyHash)],
);

export const credentials = sqliteTable("credentials", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  providerType: text("provider_type").notNull(),
  // AES-256-GCM sealed JSON of the secret fields; never leaves the server.
  data: text("data").notNull(),
  // Set when the provider refused the refresh token (invalid_grant): the UI offers "Reconnect".
  needsReconnect: integer("needs_reconnect", { mode: "boolean" }).notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const jobs = sqliteTable("jobs", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  sourceDirs: text("source_dirs", { mode: "json" }).$type<string[]>().notNull(),
  destinationType: text("destination_type").notNull(),
  destinationConfig: text("destination_config", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  syncOptions: text("sync_options", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  // Deleting a credential in use is refused by the API (409), the FK is the last line.
  credentialId: integer("credential_id").references(() => credentials.id, { onDelete: "restrict" }),
  // Hours without a successful run before a no_success notification; null = off.
  alertAfterHours: integer("alert_after_hours"),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const schedules = sqliteTable(
  "schedules",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    jobId: integer("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    scheduleType: text("schedule_type", { enum: ["daily", "weekly", "monthly", "custom"] }).notNull(),
    hour: integer("hour"),
    minute: integer("minute"),
    dayOfWeek: integer("day_of_week"),
    dayOfMonth: integer("day_of_month"),
    cronExpression: text("cron_expression"),
    timezone: text("timezone"),
    catchUp: integer("catch_up", { mode: "boolean" }).notNull().default(true),
    // What a firing starts: a backup run (default) or a verify run.
    action: text("action", { enum: ["backup", "verify"] })
      .notNull()
      .default("backup"),
    // When the scheduler last fired (or deliberately skipped) this schedule: the base for catch-up.
    lastFiredAt: text("last_fired_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("schedules_job_idx").on(t.jobId)],
);

export const runs = sqliteTable(
  "runs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    jobId: integer("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    status: text("status", { enum: ["pending", "running", "completed", "failed", "cancelled"] }).notNull(),
    kind: text("kind", { enum: ["backup", "restore", "verify"] })
      .notNull()
      .default("backup"),
    trigger: text("trigger", { enum: ["manual", "scheduled"] }).notNull(),
    scheduleId: integer("schedule_id").references(() => schedules.id, { onDelete: "set null" }),
    startedAt: text("started_at"),
    completedAt: text("completed_at"),
    filesTransferred: integer("files_transferred").notNull().default(0),
    bytesTransferred: integer("bytes_transferred").notNull().default(0),
    filesDeleted: integer("files_deleted").notNull().default(0),
    // Version folders deleted by pruning (keep_versions_days), apart from files_deleted.
    versionsPruned: integer("versions_pruned").notNull().default(0),
    // Verify runs: source files compared, and differences found.
    filesChecked: integer("files_checked").notNull().default(0),
    differences: integer("differences").notNull().default(0),
    errorMessage: text("error_message"),
    createdAt: createdAt(),
  },
  (t) => [index("runs_job_idx").on(t.jobId, t.id), index("runs_status_idx").on(t.status)],
);

export const runLogs = sqliteTable(
  "run_logs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    runId: integer("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    timestamp: text("timestamp").notNull(),
    level: text("level", { enum: ["info", "warning", "error"] }).notNull(),
    message: text("message").notNull(),
  },
  (t) => [index("run_logs_run_idx").on(t.runId, t.id)],
);

// The child processes (rsync, mount, ...) a run has running, with what identifies each beyond
// its pid: start time in clock ticks since boot (/proc/<pid>/stat field 22) and the boot id.
// A row lives while its child does; rows found at start-up belong to a process that crashed,
// and their children, if still the same processes, are killed before the run is marked failed.
export const runChildren = sqliteTable(
  "run_children",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    runId: integer("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    pid: integer("pid").notNull(),
    startTime: integer("start_time"),
    bootId: text("boot_id"),
    command: text("command").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("run_children_run_idx").on(t.runId)],
);

export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).notNull(),
  updatedAt: updatedAt(),
});

// The remote sync engine's record of what it uploaded (src/destinations/engine/record.ts), so a no-change sync
// need not list or stat the remote. store_key names the remote root (type|endpoint|bucket|root),
// path is relative to it ("<source basename>/<file>"); mtimes in ms since epoch.
export const remoteIndex = sqliteTable(
  "remote_index",
  {
    storeKey: text("store_key").notNull(),
    path: text("path").notNull(),
    size: integer("size").notNull(),
    // The source file's mtime when uploaded (what an unchanged source must still have); null for
    // files we found on the remote but did not upload (extraneous or excluded ones).
    mtime: integer("mtime"),
    remoteId: text("remote_id"),
    // The server's own write time of the object, when it told us: a later one means a foreign write.
    serverTime: integer("server_time"),
    uploadedAt: integer("uploaded_at").notNull(),
    // The start of the run that first uploaded this path (kept when later runs replace it), for
    // restore as_of (src/versions/); null when unknown (recorded before versions, or adopted).
    firstSeen: integer("first_seen"),
  },
  (t) => [uniqueIndex("remote_index_key_path").on(t.storeKey, t.path)],
);

// One row per (remote root, source folder): whether the record above is complete, and when it
// was last checked against a full remote listing.
// The versions the engine made (keep_versions_days): for each file moved into
// `.dynamight-versions/<stamp>/<path>`, when that life of the path began (remote_index.first_seen
// at the move), so restore as_of knows whether the copy was on the destination at a given time.
// Pruning deletes a folder's rows with it; the store stays the truth of what exists.
export const remoteVersions = sqliteTable(
  "remote_versions",
  {
    storeKey: text("store_key").notNull(),
    stamp: text("stamp").notNull(),
    path: text("path").notNull(),
    firstSeen: integer("first_seen"),
  },
  (t) => [uniqueIndex("remote_versions_key_stamp_path").on(t.storeKey, t.stamp, t.path)],
);

export const remoteIndexState = sqliteTable(
  "remote_index_state",
  {
    storeKey: text("store_key").notNull(),
    top: text("top").notNull(),
    complete: integer("complete", { mode: "boolean" }).notNull().default(false),
    lastFullAt: integer("last_full_at"),
    runsSinceFull: integer("runs_since_full").notNull().default(0),
  },
  (t) => [uniqueIndex("remote_index_state_key_top").on(t.storeKey, t.top)],
);

// Notification channels (src/notifications/): config holds the non-secret fields; secrets is the
// AES-256-GCM sealed JSON of the secret ones (context "notification:<id>"), never returned.
export const notificationChannels = sqliteTable("notification_channels", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull(),
  type: text("type").notNull(),
  config: text("config", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  secrets: text("secrets").notNull(),
  events: text("events", { mode: "json" }).$type<string[]>().notNull(),
  // null = every job.
  jobIds: text("job_ids", { mode: "json" }).$type<number[] | null>(),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

// Messages waiting to be delivered: written on the event, removed once sent or given up, so a
// restart sends what was left (once). attempts counts the tries made so far.
export const notificationOutbox = sqliteTable(
  "notification_outbox",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    channelId: integer("channel_id")
      .notNull()
      .references(() => notificationChannels.id, { onDelete: "cascade" }),
    event: text("event").notNull(),
    message: text("message", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: text("next_attempt_at").notNull().default(now),
    createdAt: createdAt(),
  },
  (t) => [index("notification_outbox_due_idx").on(t.nextAttemptAt)],
);

// One row per delivery attempt (sent or failed), the newest 50 per channel are shown.
export const notificationDeliveries = sqliteTable(
  "notification_deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    channelId: integer("channel_id")
      .notNull()
      .references(() => notificationChannels.id, { onDelete: "cascade" }),
    at: text("at").notNull().default(now),
    event: text("event").notNull(),
    status: text("status", { enum: ["sent", "failed"] }).notNull(),
    error: text("error"),
  },
  (t) => [index("notification_deliveries_channel_idx").on(t.channelId, t.id)],
);

// no_success alerts already sent: one per job and last successful run, so the periodic check
// alerts once per stale spell, also across restarts.
export const notificationAlerts = sqliteTable("notification_alerts", {
  jobId: integer("job_id")
    .primaryKey()
    .references(() => jobs.id, { onDelete: "cascade" }),
  // The last successful run id the alert was about (0: the job never succeeded).
  lastSuccessRunId: integer("last_success_run_id").notNull(),
  alertedAt: text("alerted_at").notNull().default(now),
});
