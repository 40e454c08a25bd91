// A job's sync_options: validated on the way in (400 naming the field), defaults filled in on
// the way out, so a job saved by an older version still reads as a complete object.

import { isAbsolute, normalize } from "node:path";
import {
  type Capabilities,
  DEFAULT_SYNC_OPTIONS,
  type EncryptionOptions,
  isKeepVersionsDays,
  KEEP_VERSIONS_MAX_DAYS,
  normalizeSyncOptions,
  SPACE_CHECKS,
  type SyncOptions,
  VERBOSITY,
} from "../destinations/contract.ts";
import { invalidField } from "../http/errors.ts";

// Defaults and the lenient reading live with the options' schema in the contract (the run engine
// reads them too); this module adds the strict check of the API.
export { DEFAULT_SYNC_OPTIONS, normalizeSyncOptions };

const MAX_PATTERNS = 200;

/**
 * Strict: for the API. Refuses options the destination type cannot honour. `keepVersionsDays` is
 * what keep_versions_days becomes when the input leaves it out: 30 for a new job, the job's own
 * value on an update (so saving an old job from a client that does not know the field keeps it off).
 */
export function validateSyncOptions(raw: unknown, caps: Capabilities, typeName: string, type?: string, keepVersionsDays: number | null = null): SyncOptions {
  if (raw === undefined || raw === null) return { ...DEFAULT_SYNC_OPTIONS, keep_versions_days: keepVersionsDays };
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalidField("sync_options", "must be an object");
  const o = raw as Record<string, unknown>;
  const known = Object.keys(DEFAULT_SYNC_OPTIONS);
  for (const k of Object.keys(o)) if (!known.includes(k)) throw invalidField(`sync_options.${k}`, "is not a sync option");
  const bool = (k: string) => {
    if (o[k] !== undefined && o[k] !== null && typeof o[k] !== "boolean") throw invalidField(`sync_options.${k}`, "must be true or false");
    return o[k] === true;
  };
  const out: SyncOptions = { ...DEFAULT_SYNC_OPTIONS, delete_extraneous: bool("delete_extraneous"), dry_run: bool("dry_run") };
  if (o.exclude_patterns !== undefined && o.exclude_patterns !== null) {
    if (!Array.isArray(o.exclude_patterns)) throw invalidField("sync_options.exclude_patterns", "must be a list of strings");
    if (o.exclude_patterns.length > MAX_PATTERNS) throw invalidField("sync_options.exclude_patterns", `must have at most ${MAX_PATTERNS} patterns`);
    out.exclude_patterns = o.exclude_patterns.map((p, i) => {
      if (typeof p !== "string" || p.trim() === "" || p.length > 1024 || /[\n\r\0]/.test(p)) {
        throw invalidField(`sync_options.exclude_patterns.${i}`, "must be a non-empty pattern on one line");
      }
      return p.trim();
    });
  }
  const bw = o.bandwidth_limit_kbps;
  if (bw !== undefined && bw !== null) {
    if (typeof bw !== "number" || !Number.isInteger(bw) || bw < 1 || bw > 10_000_000) throw invalidField("sync_options.bandwidth_limit_kbps", "must be a whole number from 1 to 10000000, or null");
    out.bandwidth_limit_kbps = bw;
  }
  if (o.verbosity !== undefined && o.verbosity !== null) {
    if (!VERBOSITY.includes(o.verbosity as never)) throw invalidField("sync_options.verbosity", `must be one of "quiet", "normal", "verbose"`);
    out.verbosity = o.verbosity as SyncOptions["verbosity"];
  }
  if (o.exclude_dirs !== undefined && o.exclude_dirs !== null) {
    if (!Array.isArray(o.exclude_dirs)) throw invalidField("sync_options.exclude_dirs", "must be a list of absolute folder paths");
    if (o.exclude_dirs.length > MAX_PATTERNS) throw invalidField("sync_options.exclude_dirs", `must have at most ${MAX_PATTERNS} folders`);
    // Inside one of the job's sources: checked with the sources, by the job's validation (checkExcludeDirs).
    out.exclude_dirs = o.exclude_dirs.map((p, i) => {
      if (typeof p !== "string" || !p.startsWith("/") || p.length > 4096 || /[\n\r\0]/.test(p)) throw invalidField(`sync_options.exclude_dirs.${i}`, "must be an absolute folder path on one line");
      return normalize(p.trim()).replace(/(.)\/+$/, "$1");
    });
  }
  if (o.provider_options !== undefined && o.provider_options !== null) {
    const po = o.provider_options;
    if (typeof po !== "object" || Array.isArray(po)) throw invalidField("sync_options.provider_options", "must be an object like {checksum_mode, compress, ignore_times}, or null");
    const known = ["checksum_mode", "compress", "ignore_times"];
    for (const k of Object.keys(po)) if (!known.includes(k)) throw invalidField(`sync_options.provider_options.${k}`, `is not a provider option (${known.join(", ")})`);
    const flag = (k: string) => {
      const v = (po as Record<string, unknown>)[k];
      if (v !== undefined && v !== null && typeof v !== "boolean") throw invalidField(`sync_options.provider_options.${k}`, "must be true or false");
      return v === true;
    };
    out.provider_options = { checksum_mode: flag("checksum_mode"), compress: flag("compress"), ignore_times: flag("ignore_times") };
  }
  if (o.space_check !== undefined && o.space_check !== null) {
    if (!SPACE_CHECKS.includes(o.space_check as never)) throw invalidField("sync_options.space_check", `must be one of "fail", "warn", "none"`);
    out.space_check = o.space_check as SyncOptions["space_check"];
  }
  // rsync switches and a free-space estimate mean something only where rsync writes to a local disk.
  const local = type === "local";
  if (out.provider_options !== null && !local) throw invalidField("sync_options.provider_options", `is not supported by ${typeName} (local/USB destinations only)`);
  if (out.space_check !== "none" && !local) throw invalidField("sync_options.space_check", `is not supported by ${typeName} (local/USB destinations only)`);
  out.keep_versions_days = keepVersionsDays;
  const kv = o.keep_versions_days;
  if (kv !== undefined) {
    if (kv !== null && !isKeepVersionsDays(kv)) throw invalidField("sync_options.keep_versions_days", `must be a whole number of days from 1 to ${KEEP_VERSIONS_MAX_DAYS}, or null (off)`);
    out.keep_versions_days = kv;
  }
  if (o.encryption !== undefined && o.encryption !== null) out.encryption = validateEncryption(o.encryption);
  const unsupported = (field: string, set: boolean, supported: boolean) => {
    if (set && !supported) throw invalidField(`sync_options.${field}`, `is not supported by ${typeName}`);
  };
  unsupported("delete_extraneous", out.delete_extraneous, caps.supports_delete);
  unsupported("exclude_patterns", out.exclude_patterns.length > 0, caps.supports_exclude_patterns);
  unsupported("bandwidth_limit_kbps", out.bandwidth_limit_kbps !== null, caps.supports_bandwidth_limit);
  unsupported("dry_run", out.dry_run, caps.supports_dry_run);
  return out;
}

/** Each exclude_dirs folder must lie inside one of the job's (validated) sources: 400 naming it. */
export function checkExcludeDirs(excludeDirs: string[], sources: string[]) {
  excludeDirs.forEach((dir, i) => {
    if (!isAbsolute(dir) || !sources.some((s) => dir.startsWith(`${s.replace(/\/+$/, "")}/`))) {
      throw invalidField(`sync_options.exclude_dirs.${i}`, `must be a folder inside one of the job's source folders (got "${dir}")`);
    }
  });
}

const FILENAME_ENCRYPTION = ["standard", "off"] as const;

/** The shape of `sync_options.encryption`; the credential and the destination type are checked by the jobs service. */
function validateEncryption(raw: unknown): EncryptionOptions {
  const f = (k: string) => `sync_options.encryption${k ? `.${k}` : ""}`;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalidField(f(""), "must be an object or null");
  const e = raw as Record<string, unknown>;
  for (const k of Object.keys(e)) if (!["password_credential_id", "filename_encryption", "directory_name_encryption"].includes(k)) throw invalidField(f(k), "is not an encryption option");
  const id = e.password_credential_id;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) throw invalidField(f("password_credential_id"), "must be the id of an encryption credential");
  const mode = e.filename_encryption ?? "standard";
  if (!FILENAME_ENCRYPTION.includes(mode as never)) throw invalidField(f("filename_encryption"), `must be "standard" or "off"`);
  const dirs = e.directory_name_encryption ?? true;
  if (typeof dirs !== "boolean") throw invalidField(f("directory_name_encryption"), "must be true or false");
  return { password_credential_id: id, filename_encryption: mode as EncryptionOptions["filename_encryption"], directory_name_encryption: dirs };
}
