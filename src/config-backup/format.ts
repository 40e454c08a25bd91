// The .dmbackup plaintext (formats/dmbackup.md §2): `#dynamight-backup-v1` + one YAML document.
// Parsed with `yaml` (YAML 1.2 core schema: no Dates, no sexagesimal numbers) and checked here
// field by field, so an import works on checked values only; emitted with every string quoted
// (what the sheet asks of writers) and multi-line strings (private keys) as literal blocks.
// Our additions live under `x_dynamight` keys, which the original's serde reader ignores.
import { isMap, parseDocument, Scalar, stringify, visit } from "yaml";
import { PLAINTEXT_MAGIC } from "./envelope.ts";

export const FORMAT_VERSION = 1;

export type BackupFailure = "BACKUP_INVALID_FORMAT" | "BACKUP_UNSUPPORTED_VERSION";

export class FormatError extends Error {
  constructor(
    readonly code: BackupFailure,
    message: string,
  ) {
    super(message);
  }
}

export type CredentialData = { type: string } & Record<string, unknown>;

export interface BackupCredential {
  name: string;
  provider_type: string;
  data: CredentialData;
}

export interface BackupSchedule {
  enabled: boolean;
  cron_expression: string;
  schedule_type?: string | null;
  time_of_day?: string | null;
  day_of_week?: number | null;
  day_of_month?: number | null;
  x_dynamight?: { timezone: string | null; catch_up: boolean; action: string };
}

export interface BackupJob {
  name: string;
  description?: string | null;
  enabled: boolean;
  source_dirs: string[];
  destination_type: string;
  destination: { type: string } & Record<string, unknown>;
  sync_options: Record<string, unknown>;
  credential_name?: string | null;
  schedules: BackupSchedule[];
  /** encryption_credential: the name of the "encryption" credential sync_options.encryption uses (ids do not travel). */
  x_dynamight?: { alert_after_hours: number | null; encryption_credential?: string | null };
}

export interface BackupUser {
  username: string;
  password_hash: string;
  totp_enabled: boolean;
  totp_secret?: string | null;
  recovery_codes: string[];
}

export interface BackupChannel {
  name: string;
  type: string;
  enabled: boolean;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  events: string[];
  /** null: every job; else the names of the jobs it is limited to. */
  job_names: string[] | null;
}

export interface BackupApiKey {
  name: string;
  prefix: string;
  key_hash: string;
  scope: string;
}

/** What only Dynamight (this one) reads: kinds of things the original has no place for. */
export interface BackupExtras {
  notification_channels: BackupChannel[];
  api_keys: BackupApiKey[];
  /** Credentials of types the original does not know (its reader would refuse the whole file). */
  credentials: BackupCredential[];
}

export interface BackupDoc {
  version: number;
  exported_at: string;
  app_name: string;
  settings: Record<string, string>;
  credentials: BackupCredential[];
  jobs: BackupJob[];
  user: BackupUser;
  x_dynamight?: BackupExtras;
}

/** The file's plaintext: the magic line and the document, every string quoted. */
export function emit(doc: BackupDoc): string {
  const yamlDoc = parseDocument(stringify(doc, { defaultStringType: "QUOTE_SINGLE", defaultKeyType: "PLAIN", lineWidth: 0, nullStr: "null" }));
  visit(yamlDoc, {
    Scalar(key, node) {
      if (key === "value" && typeof node.value === "string") node.type = node.value.includes("\n") ? Scalar.BLOCK_LITERAL : Scalar.QUOTE_SINGLE;
    },
  });
  return `${PLAINTEXT_MAGIC}\n${yamlDoc.toString({ lineWidth: 0, defaultKeyType: "PLAIN" })}`;
}

const invalid = (where: string, problem: string) => new FormatError("BACKUP_INVALID_FORMAT", `The backup's ${where} ${problem}`);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function obj(v: unknown, where: string): Obj {
  if (!isObj(v)) throw invalid(where, "must be a map");
  return v;
}
function list(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(where, "must be a list");
  return v;
}
function str(v: unknown, where: string): string {
  if (typeof v !== "string") throw invalid(where, "must be a string");
  return v;
}
function optStr(v: unknown, where: string): string | null {
  return v === undefined || v === null ? null : str(v, where);
}
function bool(v: unknown, where: string, fallback?: boolean): boolean {
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v !== "boolean") throw invalid(where, "must be true or false");
  return v;
}
function optInt(v: unknown, where: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isInteger(v)) throw invalid(where, "must be a whole number");
  return v;
}

function credential(v: unknown, where: string): BackupCredential {
  const o = obj(v, where);
  const data = obj(o.data, `${where}.data`);
  return { name: str(o.name, `${where}.name`), provider_type: str(o.provider_type, `${where}.provider_type`), data: { ...data, type: str(data.type, `${where}.data.type`) } };
}

function schedule(v: unknown, where: string): BackupSchedule {
  const o = obj(v, where);
  const out: BackupSchedule = {
    enabled: bool(o.enabled, `${where}.enabled`),
    cron_expression: str(o.cron_expression, `${where}.cron_expression`),
    schedule_type: optStr(o.schedule_type, `${where}.schedule_type`),
    time_of_day: optStr(o.time_of_day, `${where}.time_of_day`),
    day_of_week: optInt(o.day_of_week, `${where}.day_of_week`),
    day_of_month: optInt(o.day_of_month, `${where}.day_of_month`),
  };
  if (isObj(o.x_dynamight)) {
    const x = o.x_dynamight;
    out.x_dynamight = {
      timezone: optStr(x.timezone, `${where}.x_dynamight.timezone`),
      catch_up: bool(x.catch_up, `${where}.x_dynamight.catch_up`, true),
      action: optStr(x.action, `${where}.x_dynamight.action`) ?? "backup",
    };
  }
  return out;
}

function job(v: unknown, where: string): BackupJob {
  const o = obj(v, where);
  const destination = obj(o.destination, `${where}.destination`);
  const out: BackupJob = {
    name: str(o.name, `${where}.name`),
    description: optStr(o.description, `${where}.description`),
    enabled: bool(o.enabled, `${where}.enabled`),
    source_dirs: list(o.source_dirs, `${where}.source_dirs`).map((d, i) => str(d, `${where}.source_dirs[${i}]`)),
    destination_type: optStr(o.destination_type, `${where}.destination_type`) ?? "local",
    destination: { ...destination, type: str(destination.type, `${where}.destination.type`) },
    sync_options: o.sync_options === undefined || o.sync_options === null ? {} : obj(o.sync_options, `${where}.sync_options`),
    credential_name: optStr(o.credential_name, `${where}.credential_name`),
    schedules: list(o.schedules, `${where}.schedules`).map((s, i) => schedule(s, `${where}.schedules[${i}]`)),
  };
  if (isObj(o.x_dynamight)) {
    out.x_dynamight = {
      alert_after_hours: optInt(o.x_dynamight.alert_after_hours, `${where}.x_dynamight.alert_after_hours`),
      encryption_credential: optStr(o.x_dynamight.encryption_credential, `${where}.x_dynamight.encryption_credential`),
    };
  }
  return out;
}

function user(v: unknown): BackupUser {
  const o = obj(v, "user");
  return {
    username: str(o.username, "user.username"),
    password_hash: str(o.password_hash, "user.password_hash"),
    totp_enabled: bool(o.totp_enabled, "user.totp_enabled"),
    totp_secret: optStr(o.totp_secret, "user.totp_secret"),
    recovery_codes: list(o.recovery_codes, "user.recovery_codes").map((c, i) => str(c, `user.recovery_codes[${i}]`)),
  };
}

function extras(v: unknown): BackupExtras {
  const o = obj(v, "x_dynamight");
  const arr = (k: string) => (o[k] === undefined || o[k] === null ? [] : list(o[k], `x_dynamight.${k}`));
  return {
    notification_channels: arr("notification_channels").map((c, i) => {
      const w = `x_dynamight.notification_channels[${i}]`;
      const ch = obj(c, w);
      return {
        name: str(ch.name, `${w}.name`),
        type: str(ch.type, `${w}.type`),
        enabled: bool(ch.enabled, `${w}.enabled`, true),
        config: obj(ch.config ?? {}, `${w}.config`),
        secrets: obj(ch.secrets ?? {}, `${w}.secrets`),
        events: list(ch.events ?? [], `${w}.events`).map((e, j) => str(e, `${w}.events[${j}]`)),
        job_names: ch.job_names === undefined || ch.job_names === null ? null : list(ch.job_names, `${w}.job_names`).map((e, j) => str(e, `${w}.job_names[${j}]`)),
      };
    }),
    api_keys: arr("api_keys").map((k, i) => {
      const w = `x_dynamight.api_keys[${i}]`;
      const ko = obj(k, w);
      return { name: str(ko.name, `${w}.name`), prefix: str(ko.prefix, `${w}.prefix`), key_hash: str(ko.key_hash, `${w}.key_hash`), scope: str(ko.scope, `${w}.scope`) };
    }),
    credentials: arr("credentials").map((c, i) => credential(c, `x_dynamight.credentials[${i}]`)),
  };
}

/** A checked document from the plaintext (magic line included), or FormatError. */
export function parse(plaintext: string): BackupDoc {
  let text = plaintext;
  // The reader strips leading copies of the magic line and whitespace (formats/dmbackup.md §2).
  for (;;) {
    const trimmed = text.replace(/^\s+/, "");
    if (!trimmed.startsWith(PLAINTEXT_MAGIC)) {
      text = trimmed;
      break;
    }
    text = trimmed.slice(PLAINTEXT_MAGIC.length);
  }
  const parsed = parseDocument(text, { schema: "core", uniqueKeys: true });
  if (parsed.errors.length > 0) throw new FormatError("BACKUP_INVALID_FORMAT", `The backup is not valid YAML (${parsed.errors[0]!.message.split("\n")[0]})`);
  if (!isMap(parsed.contents)) throw invalid("content", "must be a map");
  const raw = parsed.toJS({ maxAliasCount: 100 }) as unknown;
  const o = obj(raw, "content");
  if (typeof o.version !== "number" || !Number.isInteger(o.version)) throw invalid("version", "must be a whole number");
  if (o.version !== FORMAT_VERSION) throw new FormatError("BACKUP_UNSUPPORTED_VERSION", `Backup format version ${o.version} is not supported (this server reads version ${FORMAT_VERSION})`);
  const settings: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(o.settings, "settings"))) settings[k] = typeof v === "string" ? v : JSON.stringify(v ?? null);
  return {
    version: o.version,
    exported_at: str(o.exported_at, "exported_at"),
    app_name: str(o.app_name, "app_name"),
    settings,
    credentials: list(o.credentials, "credentials").map((c, i) => credential(c, `credentials[${i}]`)),
    jobs: list(o.jobs, "jobs").map((j, i) => job(j, `jobs[${i}]`)),
    user: user(o.user),
    x_dynamight: o.x_dynamight === undefined || o.x_dynamight === null ? undefined : extras(o.x_dynamight),
  };
}
