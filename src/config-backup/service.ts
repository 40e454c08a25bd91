// Configuration backup: export to a .dmbackup file, preview and import (merge | replace), and a
// fresh install set up from one. Everything a file says is checked and mapped to rows first
// (`plan`); the rows are then written in one SQLite transaction, so an import is all or nothing.
// Secrets travel decrypted inside the encrypted file and are sealed again with this data
// folder's key on the way in. See docs/config-backup.md.
import { forgetPrincipals } from "../auth/principal-cache.ts";
import { credentialFieldsFor, parseCredentialData } from "../credentials/service.ts";
import { open, seal } from "../crypto/seal.ts";
import type { Db } from "../db/client.ts";
import { DEFAULT_SYNC_OPTIONS, DESTINATION_TYPES, DestinationError, type DestinationType, normalizeSyncOptions } from "../destinations/contract.ts";
import { destinationFor, isDestinationType } from "../destinations/registry.ts";
import { ApiError, badRequest, conflict, forbidden } from "../http/errors.ts";
import { insertChannelIn } from "../notifications/queries.ts";
import { cronPattern, type ScheduleDefinition, type ScheduleType } from "../schedules/cron.ts";
import { getSettings, MAX_RUNS_MAX, MAX_RUNS_MIN, THEMES } from "../settings/service.ts";
import { EnvelopeError, MIN_BACKUP_PASSWORD_BYTES, open as openEnvelope, seal as sealEnvelope } from "./envelope.ts";
import { type BackupApiKey, type BackupChannel, type BackupCredential, type BackupDoc, type BackupJob, type BackupSchedule, emit, FORMAT_VERSION, FormatError, parse } from "./format.ts";
import * as q from "./queries.ts";

export type Strategy = "merge" | "replace";

const credentialContext = (id: number) => `credential:${id}`;
const totpContext = (userId: number) => `totp:user:${userId}`;
const channelContext = (id: number) => `notification:${id}`;

/** The 400 every unreadable file gets, with the original's code beside our words. */
function backupError(code: string, message: string): ApiError {
  return badRequest(message, { code });
}

export function checkBackupPassword(password: string) {
  if (Buffer.byteLength(password, "utf8") < MIN_BACKUP_PASSWORD_BYTES) {
    throw Object.assign(backupError("BACKUP_PASSWORD_TOO_SHORT", `Field 'password' must be at least ${MIN_BACKUP_PASSWORD_BYTES} characters`), { field: "password" });
  }
}

export function backupFilename(now = new Date()): string {
  return `dynamight-backup-${now.toISOString().slice(0, 10)}.dmbackup`;
}

// ---- export -------------------------------------------------------------------------------

// Tags of the original's serde enums (formats/dmbackup.md §2): what a provider type's data and
// a destination type's config are called in the file.
const DATA_TAG: Partial<Record<string, string>> = { s3: "s3", sftp: "sftp", webdav: "web_dav", google_drive: "o_auth", onedrive: "o_auth" };
const DEST_TAG: Record<string, string> = { local: "local", s3: "s3", sftp: "sftp", webdav: "web_dav", google_drive: "google_drive", onedrive: "one_drive" };
// Fields of each credential tag, in the original's order; absent optional ones are written null.
const DATA_FIELDS: Record<string, string[]> = {
  s3: ["access_key_id", "secret_access_key"],
  sftp: ["password", "private_key", "passphrase"],
  web_dav: ["username", "password"],
  o_auth: ["access_token", "refresh_token", "expires_at"],
};

function exportCredentialData(tag: string, data: Record<string, string>) {
  const out: Record<string, unknown> = { type: tag };
  for (const f of DATA_FIELDS[tag]!) out[f] = data[f] ?? null;
  if (tag === "o_auth") out.expires_at = Number.parseInt(data.expires_at ?? "0", 10) || 0;
  // Ours beyond the original's fields (an OAuth client's id, secret and tenant): after them, where
  // its reader ignores them.
  for (const [k, v] of Object.entries(data)) if (!(k in out)) out[k] = v;
  return out as { type: string } & Record<string, unknown>;
}

function definitionOfRow(r: q.ScheduleRow): ScheduleDefinition {
  return { schedule_type: r.scheduleType, hour: r.hour, minute: r.minute, day_of_week: r.dayOfWeek, day_of_month: r.dayOfMonth, cron_expression: r.cronExpression, timezone: r.timezone };
}

function exportSchedule(r: q.ScheduleRow): BackupSchedule {
  let cron: string;
  try {
    cron = cronPattern(definitionOfRow(r));
  } catch {
    cron = r.cronExpression ?? "";
  }
  const hm = r.hour !== null && r.minute !== null ? `${String(r.hour).padStart(2, "0")}:${String(r.minute).padStart(2, "0")}` : null;
  return {
    enabled: r.enabled,
    cron_expression: cron,
    schedule_type: r.scheduleType,
    time_of_day: r.scheduleType === "custom" ? null : hm,
    day_of_week: r.dayOfWeek,
    day_of_month: r.dayOfMonth,
    x_dynamight: { timezone: r.timezone, catch_up: r.catchUp, action: r.action },
  };
}

/** The whole configuration as a document (secrets opened). Never log or return it. */
export function buildDocument(db: Db, key: Uint8Array, now = new Date()): BackupDoc {
  const user = q.firstUser(db);
  if (!user) throw conflict("Nothing to export: no account has been set up");
  const settings: Record<string, string> = {};
  const s = getSettings(db);
  settings.max_runs_per_job = String(s.max_runs_per_job);
  settings.theme = s.theme;
  if (s.public_url !== null) settings.public_url = s.public_url;

  // Names are how the file links things; a second credential of one name becomes "Name (2)".
  const credNames = new Map<number, string>();
  const taken = new Set<string>();
  const credentials: BackupCredential[] = [];
  const extraCredentials: BackupCredential[] = [];
  for (const c of q.allCredentials(db)) {
    let name = c.name;
    for (let n = 2; taken.has(name); n++) name = `${c.name} (${n})`;
    taken.add(name);
    credNames.set(c.id, name);
    let data: Record<string, string>;
    try {
      data = JSON.parse(open(key, c.data, credentialContext(c.id))) as Record<string, string>;
    } catch {
      throw conflict(`Credential '${c.name}' cannot be decrypted with this data folder's key (was the database moved without its secret key?): fix or delete it, then export again`);
    }
    const tag = DATA_TAG[c.providerType];
    if (tag) credentials.push({ name, provider_type: c.providerType, data: exportCredentialData(tag, data) });
    // A type the original has no enum variant for would make its reader refuse the whole file.
    else extraCredentials.push({ name, provider_type: c.providerType, data: { type: c.providerType, ...data } });
  }

  const schedulesByJob = new Map<number, BackupSchedule[]>();
  for (const r of q.allSchedules(db)) {
    const list = schedulesByJob.get(r.jobId) ?? [];
    list.push(exportSchedule(r));
    schedulesByJob.set(r.jobId, list);
  }
  const jobNames = new Map<number, string>();
  const jobs: BackupJob[] = q.allJobs(db).map((j) => {
    jobNames.set(j.id, j.name);
    return {
      name: j.name,
      description: j.description === "" ? null : j.description,
      enabled: j.enabled,
      source_dirs: j.sourceDirs,
      destination_type: j.destinationType,
      destination: { type: DEST_TAG[j.destinationType] ?? j.destinationType, ...j.destinationConfig },
      sync_options: { ...normalizeSyncOptions(j.syncOptions), ...pickKnownSyncOptions(j.syncOptions) },
      credential_name: j.credentialId === null ? null : (credNames.get(j.credentialId) ?? null),
      schedules: schedulesByJob.get(j.id) ?? [],
      x_dynamight: { alert_after_hours: j.alertAfterHours, encryption_credential: encryptionCredentialName(j.syncOptions, credNames) },
    };
  });

  const channels: BackupChannel[] = q.allChannels(db).map((c) => ({
    name: c.name,
    type: c.type,
    enabled: c.enabled,
    config: c.config,
    secrets: c.secrets ? (JSON.parse(open(key, c.secrets, channelContext(c.id))) as Record<string, unknown>) : {},
    events: c.events,
    job_names: c.jobIds === null || c.jobIds === undefined ? null : c.jobIds.map((id) => jobNames.get(id)).filter((n): n is string => n !== undefined),
  }));
  const apiKeys: BackupApiKey[] = q.apiKeysOf(db, user.id).map((k) => ({ name: k.name, prefix: k.prefix, key_hash: k.keyHash, scope: k.scope }));

  return {
    version: FORMAT_VERSION,
    exported_at: now.toISOString(),
    app_name: "dynamight",
    settings,
    credentials,
    jobs,
    user: {
      username: user.username,
      password_hash: user.passwordHash,
      totp_enabled: user.totpEnabled && user.totpSecret !== null,
      totp_secret: user.totpEnabled && user.totpSecret ? open(key, user.totpSecret, totpContext(user.id)) : null,
      // Codes made here are HMACs under this data folder's key: worthless elsewhere, so only
      // codes that came in as the original's Argon2id hashes travel on (docs/config-backup.md).
      recovery_codes: q.unusedRecoveryCodeHashes(db, user.id).filter((h) => h.startsWith("$argon2")),
    },
    x_dynamight: { notification_channels: channels, api_keys: apiKeys, credentials: extraCredentials },
  };
}

function encryptionCredentialName(raw: unknown, names: Map<number, string>): string | null {
  const id = normalizeSyncOptions(raw).encryption?.password_credential_id;
  return id === undefined ? null : (names.get(id) ?? null);
}

/** Keys of the stored options this version knows, as stored (so options added later travel unchanged). */
function pickKnownSyncOptions(raw: unknown): Record<string, unknown> {
  const o = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(DEFAULT_SYNC_OPTIONS)) if (k in o) out[k] = o[k];
  return out;
}

export async function exportBackup(db: Db, key: Uint8Array, password: string, now = new Date()): Promise<{ filename: string; bytes: Uint8Array }> {
  checkBackupPassword(password);
  const text = emit(buildDocument(db, key, now));
  return { filename: backupFilename(now), bytes: await sealEnvelope(text, password) };
}

// ---- reading a file -----------------------------------------------------------------------

export async function readBackup(file: Uint8Array, password: string): Promise<BackupDoc> {
  if (file.byteLength === 0) throw backupError("BACKUP_INVALID_FORMAT", "Field 'file' is empty: choose a .dmbackup file");
  checkBackupPassword(password);
  let text: string;
  try {
    text = await openEnvelope(file, password);
  } catch (err) {
    if (err instanceof EnvelopeError) throw backupError(err.code, err.message);
    throw err;
  }
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof FormatError) throw backupError(err.code, err.message);
    throw err;
  }
}

// ---- planning an import -------------------------------------------------------------------

export interface PlanItem {
  kind: "setting" | "credential" | "job" | "schedule" | "notification_channel" | "api_key" | "user";
  name: string;
  action: "add" | "replace" | "skip";
}

interface PlannedCredential {
  name: string;
  providerType: string;
  data: Record<string, string>;
}
interface PlannedJob {
  values: Omit<q.JobInsert, "credentialId">;
  credentialName: string | null;
  /** The "encryption" credential sync_options.encryption names (its id is set on apply). */
  encryptionCredential: string | null;
  schedules: q.ScheduleInsert[];
}
interface PlannedChannel {
  channel: BackupChannel;
}

export interface ImportPlan {
  strategy: Strategy;
  version: number;
  settings: [string, unknown][];
  credentials: PlannedCredential[];
  jobs: PlannedJob[];
  channels: PlannedChannel[];
  apiKeys: BackupApiKey[];
  user: { username: string; passwordHash: string; totpSecret: string | null; recoveryCodes: string[] } | null;
  items: PlanItem[];
  conflicts: string[];
  warnings: string[];
  hasOauth: boolean;
  schedulesCount: number;
}

const inFile = (where: string, message: string) => backupError("BACKUP_INVALID_FORMAT", `${where}: ${message}`);
const words = (err: unknown) => (err instanceof ApiError || err instanceof DestinationError || err instanceof Error ? err.message : String(err));

/** A credential type this server has: a destination type with credentials, or "encryption". */
function providerTypeOf(c: BackupCredential): string | null {
  const t = c.provider_type === "web_dav" ? "webdav" : c.provider_type === "one_drive" ? "onedrive" : c.provider_type;
  return credentialFieldsFor(t)?.length ? t : null;
}

function planCredentialData(c: BackupCredential, providerType: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.data)) {
    if (k === "type" || v === null || v === undefined) continue;
    fields[k] = typeof v === "string" ? v : String(v);
  }
  const known = new Set((credentialFieldsFor(providerType) ?? []).map((f) => f.name));
  for (const k of Object.keys(fields)) if (!known.has(k)) delete fields[k];
  try {
    return parseCredentialData(providerType, fields);
  } catch (err) {
    throw inFile(`Credential '${c.name}'`, words(err));
  }
}

const SIMPLE_CRON = /^(\d{1,2}) (\d{1,2}) (\*|\d{1,2}) \* (\*|\d)$/;

/** A file's schedule as ours: a daily/weekly/monthly one when its cron says exactly that, else a custom one. */
export function planSchedule(s: BackupSchedule, where: string): q.ScheduleInsert {
  const cron = s.cron_expression.trim().replace(/\s+/g, " ");
  const x = s.x_dynamight;
  const base = { enabled: s.enabled, timezone: x?.timezone ?? null, catchUp: x?.catch_up ?? true, action: x?.action === "verify" ? ("verify" as const) : ("backup" as const) };
  const m = SIMPLE_CRON.exec(cron);
  let def: ScheduleDefinition = { schedule_type: "custom", hour: null, minute: null, day_of_week: null, day_of_month: null, cron_expression: cron, timezone: base.timezone };
  if (m) {
    const [minute, hour] = [Number(m[1]), Number(m[2])];
    const type: ScheduleType = m[3] === "*" && m[4] === "*" ? "daily" : m[3] === "*" ? "weekly" : m[4] === "*" ? "monthly" : "custom";
    if (type !== "custom" && minute <= 59 && hour <= 23) {
      def = {
        schedule_type: type,
        hour,
        minute,
        day_of_week: type === "weekly" ? Number(m[4]) % 7 : null,
        day_of_month: type === "monthly" ? Number(m[3]) : null,
        cron_expression: null,
        timezone: base.timezone,
      };
    }
  }
  try {
    cronPattern(def);
  } catch (err) {
    throw inFile(where, words(err));
  }
  return { ...base, scheduleType: def.schedule_type, hour: def.hour, minute: def.minute, dayOfWeek: def.day_of_week, dayOfMonth: def.day_of_month, cronExpression: def.cron_expression };
}

function planJob(j: BackupJob, where: string, warnings: string[]): PlannedJob {
  const type = j.destination_type === "web_dav" ? "webdav" : j.destination_type === "one_drive" ? "onedrive" : j.destination_type;
  if (!isDestinationType(type)) throw inFile(where, `destination_type '${j.destination_type}' is not one of ${DESTINATION_TYPES.join(", ")}`);
  const dest = destinationFor(type);
  const known = new Set(dest.configFields.map((f) => f.name));
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(j.destination)) if (k !== "type" && known.has(k)) raw[k] = v;
  // The original mounts and unmounts a USB drive unless told otherwise (formats/dmbackup.md §2).
  if (type === "local") {
    raw.auto_mount ??= true;
    raw.auto_unmount ??= true;
  }
  let config: Record<string, unknown>;
  try {
    config = dest.parseConfig(raw) as Record<string, unknown>;
  } catch (err) {
    throw inFile(where, `destination: ${words(err)}`);
  }
  if (type === "sftp" && j.destination.host_key_fingerprint) warnings.push(`Job '${j.name}': the SFTP host key is pinned again on the first connection`);
  const sourceDirs = j.source_dirs.map((d) => d.trim()).filter((d) => d !== "");
  if (sourceDirs.some((d) => !d.startsWith("/"))) throw inFile(where, "source_dirs must be absolute paths");
  return {
    values: {
      name: j.name.trim() || "Imported job",
      description: (j.description ?? "").trim(),
      enabled: j.enabled,
      sourceDirs,
      destinationType: type,
      destinationConfig: config,
      syncOptions: importedSyncOptions(j.sync_options, type),
      alertAfterHours: j.x_dynamight?.alert_after_hours ?? null,
    },
    credentialName: j.credential_name ?? null,
    encryptionCredential: j.x_dynamight?.encryption_credential ?? null,
    schedules: j.schedules.map((s, i) => planSchedule(s, `${where} schedule ${i + 1}`)),
  };
}

/** The file's options as ours; the original checks space by default ("warn") where we can (local). */
function importedSyncOptions(raw: Record<string, unknown>, type: DestinationType): Record<string, unknown> {
  const out: Record<string, unknown> = { ...normalizeSyncOptions(raw), ...pickKnownSyncOptions(raw) };
  if (type !== "local") {
    out.provider_options = null;
    out.space_check = "none";
  } else if (raw.space_check === undefined) out.space_check = "warn";
  return normalizeSyncOptions(out);
}

function planSettings(raw: Record<string, string>): [string, unknown][] {
  const out: [string, unknown][] = [];
  const maxRuns = raw.max_runs_per_job === undefined ? Number.NaN : Number(raw.max_runs_per_job);
  if (Number.isInteger(maxRuns) && maxRuns >= MAX_RUNS_MIN && maxRuns <= MAX_RUNS_MAX) out.push(["max_runs_per_job", maxRuns]);
  if (raw.theme && (THEMES as string[]).includes(raw.theme)) out.push(["theme", raw.theme]);
  if (raw.public_url && /^https?:\/\/[^\s?#]+$/.test(raw.public_url)) out.push(["public_url", raw.public_url.replace(/\/+$/, "")]);
  return out;
}

/** What an import of `doc` would do to `db`: every value checked, nothing written. */
export function planImport(db: Db, doc: BackupDoc, strategy: Strategy): ImportPlan {
  const merge = strategy === "merge";
  const items: PlanItem[] = [];
  const conflicts: string[] = [];
  const warnings: string[] = [];
  const existingCreds = new Set(q.allCredentials(db).map((c) => c.name));
  const existingJobs = new Set(q.allJobs(db).map((j) => j.name));
  const action = (exists: boolean) => (exists ? (merge ? "skip" : "replace") : "add") as PlanItem["action"];

  const presentSettings = q.settingKeys(db);
  const settings = planSettings(doc.settings).filter(([k]) => {
    const skip = merge && presentSettings.has(k);
    items.push({ kind: "setting", name: k, action: skip ? "skip" : presentSettings.has(k) ? "replace" : "add" });
    return !skip;
  });

  const credentials: PlannedCredential[] = [];
  let hasOauth = false;
  const fileCreds = [...doc.credentials, ...(doc.x_dynamight?.credentials ?? [])];
  const names = new Set<string>();
  for (const c of fileCreds) {
    const type = providerTypeOf(c);
    if (!type) {
      warnings.push(`Credential '${c.name}': provider type '${c.provider_type}' is not known here, skipped`);
      items.push({ kind: "credential", name: c.name, action: "skip" });
      continue;
    }
    const data = planCredentialData(c, type);
    if (merge && existingCreds.has(c.name)) {
      conflicts.push(`Credential '${c.name}' already exists (will be skipped)`);
      items.push({ kind: "credential", name: c.name, action: "skip" });
      continue;
    }
    items.push({ kind: "credential", name: c.name, action: action(existingCreds.has(c.name)) });
    names.add(c.name);
    credentials.push({ name: c.name, providerType: type, data });
    if (c.data.type === "o_auth" || c.data.type === "oauth") hasOauth = true;
  }

  const jobs: PlannedJob[] = [];
  let schedulesCount = 0;
  doc.jobs.forEach((j, i) => {
    if (merge && existingJobs.has(j.name)) {
      conflicts.push(`Job '${j.name}' already exists (will be skipped)`);
      items.push({ kind: "job", name: j.name, action: "skip" });
      return;
    }
    const planned = planJob(j, `Job '${j.name}' (jobs[${i}])`, warnings);
    items.push({ kind: "job", name: j.name, action: action(existingJobs.has(j.name)) });
    for (const s of planned.schedules)
      items.push({
        kind: "schedule",
        name: `${j.name}: ${s.scheduleType === "custom" ? s.cronExpression : `${s.scheduleType} ${String(s.hour).padStart(2, "0")}:${String(s.minute).padStart(2, "0")}`}`,
        action: "add",
      });
    schedulesCount += planned.schedules.length;
    jobs.push(planned);
  });
  for (const j of doc.jobs) {
    if (j.credential_name && !fileCreds.some((c) => c.name === j.credential_name)) conflicts.push(`Job '${j.name}' references credential '${j.credential_name}' which is not in the backup`);
  }
  for (const c of credentials) {
    if (DATA_TAG[c.providerType] === "o_auth") conflicts.push(`Credential '${c.name}' uses OAuth tokens which may be expired on restore`);
  }

  const existingChannels = new Set(q.allChannels(db).map((c) => c.name));
  const channels: PlannedChannel[] = [];
  for (const ch of doc.x_dynamight?.notification_channels ?? []) {
    if (merge && existingChannels.has(ch.name)) {
      conflicts.push(`Notification channel '${ch.name}' already exists (will be skipped)`);
      items.push({ kind: "notification_channel", name: ch.name, action: "skip" });
      continue;
    }
    items.push({ kind: "notification_channel", name: ch.name, action: action(existingChannels.has(ch.name)) });
    channels.push({ channel: ch });
  }
  const hashes = q.apiKeyHashes(db);
  const apiKeys: BackupApiKey[] = [];
  for (const k of doc.x_dynamight?.api_keys ?? []) {
    if (!/^[0-9a-f]{64}$/.test(k.key_hash) || (k.scope !== "read" && k.scope !== "write")) throw inFile(`API key '${k.name}'`, "has no valid SHA-256 hash or scope");
    const exists = hashes.has(k.key_hash);
    if (merge && exists) {
      items.push({ kind: "api_key", name: k.name, action: "skip" });
      continue;
    }
    items.push({ kind: "api_key", name: k.name, action: action(exists) });
    apiKeys.push(k);
  }

  let user: ImportPlan["user"] = null;
  if (!merge) {
    const u = doc.user;
    if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(u.username)) throw inFile("user", "username is not a valid user name");
    if (!u.password_hash.startsWith("$argon2") && !u.password_hash.startsWith("$2")) throw inFile("user", "password_hash is not an Argon2 or bcrypt hash");
    let totpSecret: string | null = null;
    if (u.totp_enabled) {
      const secret = (u.totp_secret ?? "").toUpperCase().replace(/=+$/, "");
      if (!/^[A-Z2-7]{16,128}$/.test(secret)) throw inFile("user", "totp_enabled is true but totp_secret is not a base32 secret");
      totpSecret = secret;
    }
    const recoveryCodes = u.recovery_codes.filter((h) => h.startsWith("$argon2"));
    user = { username: u.username, passwordHash: u.password_hash, totpSecret, recoveryCodes };
    items.push({ kind: "user", name: u.username, action: "replace" });
    if (u.totp_enabled && recoveryCodes.length === 0) warnings.push("The backup holds no recovery codes usable here: generate new ones under Account after the restore");
  }

  return { strategy, version: doc.version, settings, credentials, jobs, channels, apiKeys, user, items, conflicts, warnings, hasOauth, schedulesCount };
}

export function previewOf(plan: ImportPlan) {
  return {
    valid: true,
    version: plan.version,
    strategy: plan.strategy,
    settings_count: plan.settings.length,
    credentials_count: plan.credentials.length,
    jobs_count: plan.jobs.length,
    schedules_count: plan.schedulesCount,
    notification_channels_count: plan.channels.length,
    api_keys_count: plan.apiKeys.length,
    conflicts: plan.conflicts,
    warnings: plan.warnings,
    has_oauth_credentials: plan.hasOauth,
    items: plan.items,
  };
}

// ---- applying an import -------------------------------------------------------------------

export interface ImportResult {
  success: true;
  settings_imported: number;
  credentials_imported: number;
  jobs_imported: number;
  schedules_imported: number;
  notification_channels_imported: number;
  api_keys_imported: number;
  warnings: string[];
}

function applyPlan(tx: q.Tx, key: Uint8Array, plan: ImportPlan, userId: number): ImportResult {
  const warnings = [...plan.warnings];
  if (plan.strategy === "replace") q.clearForReplace(tx);
  for (const [k, v] of plan.settings) q.setSetting(tx, k, v);

  const credIds = new Map<string, { id: number; type: string }>();
  for (const c of q.allCredentials(tx)) credIds.set(c.name, { id: c.id, type: c.providerType });
  for (const c of plan.credentials) {
    const json = JSON.stringify(c.data);
    const id = q.insertCredential(tx, c.name, c.providerType, (id) => seal(key, json, credentialContext(id)));
    credIds.set(c.name, { id, type: c.providerType });
  }

  const jobIds = new Map<string, number>();
  for (const j of q.allJobs(tx)) jobIds.set(j.name, j.id);
  let schedules = 0;
  let skippedJobs = 0;
  for (const j of plan.jobs) {
    let credentialId: number | null = null;
    if (j.credentialName) {
      const c = credIds.get(j.credentialName);
      if (c && c.type === j.values.destinationType) credentialId = c.id;
      else warnings.push(`Job '${j.values.name}': credential '${j.credentialName}' not found, setting to null`);
    }
    const syncOptions = { ...j.values.syncOptions };
    if (syncOptions.encryption) {
      // Never import an encrypted job as a plain one: without its password credential it is left out.
      const enc = j.encryptionCredential ? credIds.get(j.encryptionCredential) : undefined;
      if (!enc || enc.type !== "encryption") {
        warnings.push(`Job '${j.values.name}': its encryption credential${j.encryptionCredential ? ` '${j.encryptionCredential}'` : ""} is not in the backup or here, so the job was not imported`);
        skippedJobs++;
        continue;
      }
      syncOptions.encryption = { ...(syncOptions.encryption as Record<string, unknown>), password_credential_id: enc.id };
    }
    const id = q.insertJob(tx, { ...j.values, syncOptions, credentialId });
    jobIds.set(j.values.name, id);
    for (const s of j.schedules) q.insertSchedule(tx, id, s);
    schedules += j.schedules.length;
  }

  for (const { channel: ch } of plan.channels) {
    const ids = ch.job_names === null ? null : ch.job_names.map((n) => jobIds.get(n)).filter((n): n is number => n !== undefined);
    const secrets = JSON.stringify(ch.secrets);
    insertChannelIn(tx, { name: ch.name, type: ch.type, config: ch.config, events: ch.events, jobIds: ids, enabled: ch.enabled }, (id) => seal(key, secrets, channelContext(id)));
  }

  if (plan.user) {
    const u = plan.user;
    q.overwriteUser(tx, userId, { username: u.username, passwordHash: u.passwordHash, totpSecret: u.totpSecret === null ? null : seal(key, u.totpSecret, totpContext(userId)) });
    q.insertRecoveryCodes(tx, userId, u.recoveryCodes);
  }
  for (const k of plan.apiKeys) q.insertApiKey(tx, { userId, name: k.name, prefix: k.prefix, keyHash: k.key_hash, scope: k.scope as "read" | "write" });

  return {
    success: true,
    settings_imported: plan.settings.length,
    credentials_imported: plan.credentials.length,
    jobs_imported: plan.jobs.length - skippedJobs,
    schedules_imported: schedules,
    notification_channels_imported: plan.channels.length,
    api_keys_imported: plan.apiKeys.length,
    warnings,
  };
}

export interface ImportDeps {
  /** Ids of runs the engine has in hand (a run may be live before its row says "running"). */
  activeRunIds: () => number[];
  /** Re-arms every schedule from the database (the scheduler's rearm()). */
  rearm: () => void;
}

function refuseWhileRunning(db: Db, deps: ImportDeps) {
  if (deps.activeRunIds().length > 0 || q.activeRunCount(db) > 0) {
    throw conflict("A backup run is active: wait for it to finish (or cancel it) before importing a configuration", { code: "BACKUP_JOBS_RUNNING" });
  }
}

/** Applies a file to this install, atomically, then re-arms the scheduler. */
export async function importBackup(db: Db, key: Uint8Array, file: Uint8Array, password: string, strategy: Strategy, userId: number, deps: ImportDeps): Promise<ImportResult> {
  const doc = await readBackup(file, password);
  refuseWhileRunning(db, deps);
  const result = db.transaction((tx) => {
    // Checked again inside the transaction: nothing can start a run between the check and the write.
    if (q.activeRunCount(tx) > 0) throw conflict("A backup run is active: wait for it to finish before importing", { code: "BACKUP_JOBS_RUNNING" });
    return applyPlan(tx, key, planImport(db, doc, strategy), userId);
  });
  // Sessions, API keys and the account may have changed under the guard's cache.
  forgetPrincipals(db);
  deps.rearm();
  return result;
}

export async function previewBackup(db: Db, file: Uint8Array, password: string, strategy: Strategy) {
  return previewOf(planImport(db, await readBackup(file, password), strategy));
}

/** A fresh install becomes the exported one: the user from the file, then a replace import. */
export async function setupFromBackup(db: Db, key: Uint8Array, file: Uint8Array, password: string, deps: ImportDeps): Promise<{ success: true; username: string }> {
  if (q.countUsers(db) > 0) throw forbidden("Setup is already done: sign in and use Settings → Restore configuration");
  const doc = await readBackup(file, password);
  refuseWhileRunning(db, deps);
  const plan = planImport(db, doc, "replace");
  db.transaction((tx) => {
    if (q.countUsers(tx) > 0) throw forbidden("Setup is already done: sign in and use Settings → Restore configuration");
    const userId = q.insertUser(tx, plan.user!.username, plan.user!.passwordHash);
    applyPlan(tx, key, plan, userId);
  });
  forgetPrincipals(db);
  deps.rearm();
  return { success: true, username: plan.user!.username };
}
