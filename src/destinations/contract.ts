// The destinations contract, a leaf (imports nothing of src/): the Destination interface and its
// request/result types, the error vocabulary (DestinationError kinds), field specs and their parser,
// and the RemoteStore contract every remote store implements (with its error contract per method).

import type { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { PassThrough, type Readable } from "node:stream";
import { type Static, Type as t } from "@sinclair/typebox";

// The one interface every destination implements. The run engine knows only this file: adding a
// destination means a new module here and one `case` in registry.ts, never a change to the engine.
// Domain code only: no HTTP types. Errors are DestinationError with a kind from one shared
// vocabulary (PocketBase's NormalizeError idea), which the API and the run log turn into words.

export const DESTINATION_TYPES = ["local", "s3", "google_drive", "onedrive", "sftp", "webdav"] as const;
export type DestinationType = (typeof DESTINATION_TYPES)[number];

/** A config or credential field, declared as data so the UI can render the form and mask secrets. */
export interface FieldSpec {
  name: string;
  label: string;
  /** path: an absolute folder on this server (the UI offers the folder picker); drive: a
   *  filesystem UUID (the UI lists attached drives); choice: one of `options`. */
  type: "string" | "integer" | "boolean" | "text" | "password" | "path" | "drive" | "choice";
  required: boolean;
  /** The allowed values of a choice field. */
  options?: string[];
  /** Never returned by the API nor logged; sealed at rest when part of a credential. */
  secret?: boolean;
  default?: string | number | boolean | null;
  help?: string;
}

/** The seed's capabilities object, plus whether sync is built for this type yet. */
export interface Capabilities {
  supports_delete: boolean;
  supports_compression: boolean;
  supports_checksum: boolean;
  supports_bandwidth_limit: boolean;
  supports_exclude_patterns: boolean;
  supports_incremental: boolean;
  supports_dry_run: boolean;
  requires_credentials: boolean;
  /** false: the type is listed but cannot run yet; a run or test answers with a clear 400. */
  sync_implemented: boolean;
}

/** rsync switches of a local/USB job (the original's provider_options). */
export const ProviderOptionsSchema = t.Object({
  checksum_mode: t.Boolean({ description: "compare by checksum instead of size and time (rsync --checksum)" }),
  compress: t.Boolean({ description: "compress data in transfer (rsync --compress)" }),
  ignore_times: t.Boolean({ description: "copy files even when size and time match (rsync --ignore-times)" }),
});
export type ProviderOptions = Static<typeof ProviderOptionsSchema>;
export const SPACE_CHECKS = ["fail", "warn", "none"] as const;
/** keep_versions_days: the most a job may keep versions for (ten years). */
export const KEEP_VERSIONS_MAX_DAYS = 3650;
/** Client-side encryption in rclone crypt's format (docs/encryption.md); the password is a credential. */
export const EncryptionOptionsSchema = t.Object({
  password_credential_id: t.Integer({ minimum: 1, description: 'a credential of provider_type "encryption" holding the password (and rclone\'s password2 as salt)' }),
  filename_encryption: t.Union([t.Literal("standard"), t.Literal("off")], { description: "standard: names encrypted as rclone does; off: names in plain with .bin added" }),
  directory_name_encryption: t.Boolean({ description: "encrypt folder names too (rclone's default, true)" }),
});
export type EncryptionOptions = Static<typeof EncryptionOptionsSchema>;

/** What opening an encrypted store needs at run time: the options with the credential opened. */
export interface EncryptionSecret {
  password: string;
  /** rclone's password2; "" for rclone's default salt. */
  salt: string;
  filename_encryption: EncryptionOptions["filename_encryption"];
  directory_name_encryption: boolean;
}

/** A job's sync options (the job view's `sync_options`; the API shows this schema). */
export const SyncOptionsSchema = t.Object({
  delete_extraneous: t.Boolean({ description: "mirror: delete destination files the source no longer has (default false)" }),
  exclude_patterns: t.Array(t.String(), { description: "rsync-style patterns, e.g. *.tmp, .cache/" }),
  bandwidth_limit_kbps: t.Union([t.Integer({ minimum: 1 }), t.Null()], { description: "KiB per second, null for no limit" }),
  dry_run: t.Boolean({ description: "log what would change and change nothing" }),
  verbosity: t.Union([t.Literal("quiet"), t.Literal("normal"), t.Literal("verbose")]),
  exclude_dirs: t.Array(t.String(), { description: "absolute folders inside the job's sources that are not backed up (the original's exclude_dirs)" }),
  provider_options: t.Union([ProviderOptionsSchema, t.Null()], { description: "local/USB only: rsync switches (checksum_mode → --checksum, compress → --compress, ignore_times → --ignore-times)" }),
  space_check: t.Union([t.Literal("fail"), t.Literal("warn"), t.Literal("none")], {
    description: "local/USB: before a run, compare rsync's estimate (+10%) with the free space on the target: fail the run, warn, or skip the check",
  }),
  // Optional in the type so callers that build options by hand (benchmarks, tests) mean "off";
  // normalizeSyncOptions and the API always fill it in.
  keep_versions_days: t.Optional(
    t.Union([t.Integer({ minimum: 1, maximum: KEEP_VERSIONS_MAX_DAYS }), t.Null()], {
      description: `days to keep the old copy of each file a run overwrites or deletes (in <destination>/.dynamight-versions/<run start>/), 1-${KEEP_VERSIONS_MAX_DAYS}; null = off (a mirror). New jobs default to 30`,
    }),
  ),
  encryption: t.Optional(t.Union([EncryptionOptionsSchema, t.Null()], { description: "null: files are stored as they are; else encrypted so rclone crypt can open them (remote types only)" })),
});
export type SyncOptions = Static<typeof SyncOptionsSchema>;

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  delete_extraneous: false,
  exclude_patterns: [],
  bandwidth_limit_kbps: null,
  dry_run: false,
  verbosity: "normal",
  exclude_dirs: [],
  provider_options: null,
  // Off unless asked for: the check is a second rsync pass (a dry run) before each run.
  space_check: "none",
  // Off: what a job saved before versions existed reads as (a new job gets NEW_JOB_KEEP_VERSIONS_DAYS).
  keep_versions_days: null,
  encryption: null,
};

/** What a job created without keep_versions_days keeps versions for. */
export const NEW_JOB_KEEP_VERSIONS_DAYS = 30;

export const VERBOSITY = ["quiet", "normal", "verbose"] as const;

/** Lenient: whatever is stored becomes a full SyncOptions (invalid values fall back to defaults). */
export function normalizeSyncOptions(raw: unknown): SyncOptions {
  const o = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  return {
    delete_extraneous: o.delete_extraneous === true,
    exclude_patterns: Array.isArray(o.exclude_patterns) ? o.exclude_patterns.filter((p): p is string => typeof p === "string" && p !== "") : [],
    bandwidth_limit_kbps: typeof o.bandwidth_limit_kbps === "number" && o.bandwidth_limit_kbps > 0 ? Math.floor(o.bandwidth_limit_kbps) : null,
    dry_run: o.dry_run === true,
    verbosity: VERBOSITY.includes(o.verbosity as never) ? (o.verbosity as SyncOptions["verbosity"]) : "normal",
    exclude_dirs: Array.isArray(o.exclude_dirs) ? o.exclude_dirs.filter((p): p is string => typeof p === "string" && p.startsWith("/")) : [],
    provider_options: normalizeProviderOptions(o.provider_options),
    space_check: SPACE_CHECKS.includes(o.space_check as never) ? (o.space_check as SyncOptions["space_check"]) : "none",
    keep_versions_days: isKeepVersionsDays(o.keep_versions_days) ? o.keep_versions_days : null,
    encryption: normalizeEncryption(o.encryption),
  };
}

function normalizeEncryption(raw: unknown): EncryptionOptions | null {
  const e = (raw && typeof raw === "object" ? raw : null) as Record<string, unknown> | null;
  if (!e || typeof e.password_credential_id !== "number") return null;
  return {
    password_credential_id: e.password_credential_id,
    filename_encryption: e.filename_encryption === "off" ? "off" : "standard",
    directory_name_encryption: e.directory_name_encryption !== false,
  };
}

function normalizeProviderOptions(raw: unknown): ProviderOptions | null {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return null;
  const o = raw as Record<string, unknown>;
  return { checksum_mode: o.checksum_mode === true, compress: o.compress === true, ignore_times: o.ignore_times === true };
}

/**
 * The exclude_dirs inside `source` as rsync patterns anchored at that source folder ("/sub/dir/"),
 * for `rsync source/ dest/` and the remote engine's matcher alike. Wildcard characters in a folder
 * name are escaped, so a folder called "a*b" excludes only itself.
 */
export function excludeDirPatterns(source: string, excludeDirs: string[]): string[] {
  const root = source.replace(/\/+$/, "");
  const out: string[] = [];
  for (const dir of excludeDirs) {
    const d = dir.replace(/\/+$/, "");
    if (!d.startsWith(`${root}/`)) continue;
    const rel = d.slice(root.length + 1);
    out.push(`/${/[*?[\\]/.test(rel) ? rel.replace(/[*?[\\]/g, "\\$&") : rel}/`);
  }
  return out;
}

export function isKeepVersionsDays(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= KEEP_VERSIONS_MAX_DAYS;
}

/** Where a job's host paths may point: ALLOWED_BROWSE_PATHS, and the data folder they must stay out of. */
export interface HostPathRules {
  allowedBrowsePaths: string[];
  dataDir: string;
}

/** Builds the error a refused path throws: 403 for the System API, 400 naming the field at save, the run's error at run time. */
export type Refuse = (message: string) => Error;

export type LogLevel = "info" | "warning" | "error";

/** How a sync talks back to its run. Cheap to call per file: the engine batches what it stores. */
export interface RunReporter {
  log(level: LogLevel, message: string): void;
  /** Adds to the run's counters (and drives live progress). `checked` and `differences` are a
   *  verify run's: source files compared so far, differences found so far. */
  progress(delta: { files?: number; bytes?: number; deleted?: number; checked?: number; differences?: number }): void;
  /** What the whole run is expected to move, when the destination knows it up front. */
  totals?(totals: { files: number; bytes: number }): void;
  /** Something a person should be told beyond the run's outcome (it becomes a notification):
   *  `low_space` when the destination's free space is under the job's threshold. */
  alert?(alert: RunAlert): void;
}

export interface RunAlert {
  /** low_space: the destination's free space is under the job's threshold; reconnect_needed: the
   *  job's OAuth credential was revoked or expired (invalid_grant) and needs a person. */
  kind: "low_space" | "reconnect_needed";
  message: string;
}

export interface SyncRequest<C> {
  runId: number;
  jobId: number;
  /** Absolute source folders; each goes to `<destination root>/<basename>/`. */
  sources: string[];
  config: C;
  /** The decrypted credential data, or null for types that need none. */
  credential: Record<string, string> | null;
  options: SyncOptions;
  /** Aborted on cancel: stop promptly, leave nothing half-written visible. */
  signal: AbortSignal;
  report: RunReporter;
  /** The data folder, for a destination's own state (e.g. SFTP known_hosts). */
  dataDir: string;
  /** The mirror engine's record of what it uploaded, on the app's database (opened and migrated
   *  by the app: the engine knows no file name and runs no migration). */
  record: RecordDb;
  /** Seals and saves refreshed credential data (e.g. OAuth tokens) on the job's credential, so the
   *  next run and test read it. Throws DestinationError("config") when the job has no credential. */
  updateCredential(data: Record<string, string>): Promise<void>;
  /** The job's credential cannot be used until a person reconnects it (OAuth invalid_grant):
   *  marks it needs_reconnect. The destination raises the reconnect_needed alert itself. */
  markNeedsReconnect?(): void;
  /** ALLOWED_BROWSE_PATHS: where a destination may create folders or mount drives. */
  allowedRoots: string[];
  /** When the run started (ms): names the versions folder of what this run replaces
   *  (`.dynamight-versions/<YYYYMMDDTHHMMSSZ>/`) and is the "now" versions expire against.
   *  Absent: the time the sync is called. */
  startedAt?: number;
  /** The job's encryption with its password, when `options.encryption` is set (remote types). */
  encryption?: EncryptionSecret | null;
}

/** Connections on the app's database for the mirror engine's record: reads stream on `reader`
 *  while batched writes go to `writer` (two connections, so a write never disturbs a read). */
export interface RecordDb {
  open(): { reader: Database; writer: Database; close(): void };
}

export interface SyncResult {
  filesTransferred: number;
  bytesTransferred: number;
  filesDeleted: number;
  /** Files deleted from expired version folders (keep_versions_days), apart from filesDeleted. */
  versionsPruned?: number;
}

/** How long a connection test may take before it counts as failed (the API's and each store's bound). */
export const TEST_TIMEOUT_MS = 15_000;

export interface TestResult {
  success: boolean;
  message: string;
  details: Record<string, unknown> | null;
}

export type DestinationErrorKind =
  | "config" // the job's settings are wrong or incomplete
  | "auth" // credentials refused
  | "not_found" // bucket, folder, host or object does not exist
  | "permission" // authenticated but not allowed
  | "unavailable" // server down, timeout, DNS, TLS
  | "transient" // worth retrying (5xx, 429, reset)
  | "source" // a source folder is missing, unreadable or (for a deleting sync) empty
  | "refused" // a guard rail refused a job path (outside ALLOWED_BROWSE_PATHS, the data folder): the API's own words, unprefixed
  | "not_implemented"
  | "cancelled"
  | "failed"; // anything else, with the store's own words in the message

export class DestinationError extends Error {
  /** The config or credential field the message names and what is wrong with it ("Field '<field>' <problem>"). */
  readonly field?: string;
  readonly problem?: string;

  constructor(
    readonly kind: DestinationErrorKind,
    message: string,
    options?: { cause?: unknown; field?: string; problem?: string },
  ) {
    super(message, options);
    this.field = options?.field;
    this.problem = options?.problem;
  }
}

/** Anything thrown, in the vocabulary: a DestinationError as it is, anything else "failed" with its words. */
export function asDestinationError(err: unknown): DestinationError {
  return err instanceof DestinationError ? err : new DestinationError("failed", String((err as Error)?.message ?? err), { cause: err });
}

/** What opening a store may depend on besides config and credential. */
export interface StoreEnv {
  /** The data folder (SFTP host keys), or null when a test runs without one. */
  dataDir: string | null;
  /** "test": a connection test, bounded by TEST_TIMEOUT_MS; "sync": a run (or reading back). */
  purpose: "test" | "sync";
  /** Seals and saves refreshed credential data (OAuth tokens, a rotated refresh token) on the saved
   *  credential before the store uses it. Absent (an inline credential in a test): kept in memory. */
  updateCredential?(data: Record<string, string>): Promise<void>;
  /** The credential's grant is gone (OAuth invalid_grant): mark it needs_reconnect, and during a
   *  run raise the reconnect_needed notification. */
  reconnectNeeded?(message: string): void;
  /** A line in the run's log (a store saying the provider is throttling, a duplicate it found); absent outside runs. */
  log?(level: LogLevel, message: string): void;
  /** Set: the store is seen through rclone crypt (plain names and contents above it). */
  encryption?: EncryptionSecret | null;
  /** Told about entries an encrypted store skips because they do not decrypt. */
  warn?: (message: string) => void;
}

/** The hooks of a saved credential a connection test passes on (StoreEnv's). */
export type CredentialHooks = Pick<StoreEnv, "updateCredential" | "reconnectNeeded">;

export interface Destination<C = unknown, T extends DestinationType = DestinationType> {
  type: T;
  name: string;
  description: string;
  configFields: FieldSpec[];
  /** Fields of a saved credential for this type (the seed's Credentials section). */
  credentialFields: FieldSpec[];
  capabilities: Capabilities;
  /** Checks and normalises a job's destination_config; throws DestinationError("config") naming the field. */
  parseConfig(raw: unknown): C;
  /** Checks a credential's data; throws DestinationError("config") naming the field. */
  parseCredential(raw: unknown): Record<string, string>;
  /** Checks that the destination is reachable and usable, within a timeout; never throws.
   *  `env.dataDir` lets a destination check and record state such as an SFTP host key. */
  test?(config: C, credential: Record<string, string> | null, signal: AbortSignal, env?: { dataDir?: string } & CredentialHooks): Promise<TestResult>;
  /** Checks the paths on this host the config writes to (the local destination's folders) against
   *  the guard rails, naming the field; called when a job is saved and again before each run. */
  checkHostPaths?(config: C, sources: string[], rules: HostPathRules, refuse: Refuse): void;
  /** The store that holds this destination's copy, to read it back (browse, restore, verify,
   *  versions): the same RemoteStore the mirror engine writes for remote types; for local, the
   *  backup folder on this host (rsync stays the engine that writes it). Absent while not built. */
  openStore?(config: C, credential: Record<string, string> | null, env: StoreEnv): Promise<RemoteStore>;
  /** Mirrors the sources; absent while the type is not built (capabilities.sync_implemented false). */
  sync?(req: SyncRequest<C>): Promise<SyncResult>;
}

// ----

// The small storage interface every remote destination implements (rclone's Fs idea, cut down to
// what a mirror needs). The sync engine (engine.ts) knows only this file: S3, SFTP, WebDAV and
// later Google Drive / OneDrive are each one RemoteStore; walking, comparing, excluding,
// throttling, retrying, the local record and reporting are the engine's job, never the store's.
//
// Paths: relative to the store's root (S3 prefix, SFTP/WebDAV remote_path), "/"-separated, no
// leading or trailing slash, exactly the bytes of the local name (no Unicode normalisation).
//
// Error contract (every method): throw DestinationError (src/destinations/contract.ts) with
//   "auth"        credentials refused (S3 InvalidAccessKeyId/SignatureDoesNotMatch, SSH auth, 401)
//   "permission"  authenticated but not allowed (403 AccessDenied, EACCES/EPERM)
//   "not_found"   the store's ROOT is missing (bucket, base folder, host name unknown); a missing
//                 path below the root is NOT an error where noted
//   "unavailable" cannot reach the server (ECONNREFUSED, DNS, TLS, connect timeout)
//   "transient"   worth retrying (5xx, 429, 503 SlowDown, ECONNRESET, read timeout); use
//                 `transientError()` so a Retry-After is kept
//   "cancelled"   the signal was aborted (or just let the AbortError out: the engine maps it)
//   "failed"      anything else, with the server's own words
// The engine retries "transient" and "unavailable" with backoff (retry.ts) and fails the run on
// anything else. Never put a secret in a message.

/** One file as the store has it. */
export interface RemoteEntry {
  path: string;
  size: number;
  /**
   * The source modification time the store preserved for this file (ms since epoch), or null
   * when the listing cannot tell (S3 keeps it in metadata that ListObjects does not return;
   * WebDAV cannot keep it at all).
   */
  mtime: number | null;
  /** When the server last wrote the object (ms), if the listing says; used to notice foreign writes. */
  serverTime?: number | null;
  /** A content identity that changes when the content changes (S3 ETag, WebDAV getetag), if any. */
  id?: string | null;
  /**
   * The content hash of kind `RemoteStore.hash`, only where the store vouches for it for THIS file
   * (S3: the ETag of a single-part upload; absent for a multipart one). Lowercase hex (md5, sha1,
   * sha256) or base64 as the server gives it (quickxor). Absent or null: unknown.
   */
  hash?: string | null;
}

/** What a successful put left on the remote; stored in the local record (index.ts). */
export interface PutResult {
  id: string | null;
  /** The mtime now stored remotely (ms), or null when the store cannot keep it. */
  mtime: number | null;
  serverTime?: number | null;
}

/** The bytes of one local file. Read them only through open(): that is where throttling and cancel apply. */
export interface PutSource {
  /** A fresh stream from the start of the file; may be called again on a retry. */
  open(): Readable;
  /** The whole file in one buffer, for small files (cheaper than a stream); throttled like open(). */
  readAll(): Promise<Buffer>;
  /** A stream of bytes start..end (inclusive), for stores that upload parts in parallel (S3 multipart). */
  openRange(start: number, end: number): Readable;
  size: number;
  /** Local modification time, whole ms since epoch (floor). */
  mtime: number;
  /** The same in ns, exact, for stores that keep more than ms (S3 metadata as rclone writes it). */
  mtimeNs: bigint;
  /** The local file, for logging only; do not read it directly (it would bypass the bandwidth limit). */
  localPath: string;
  /**
   * Bytes start..end (end exclusive) of the local file as a Blob that Bun's fetch sends from the
   * file itself, with no buffers in JavaScript (S3: a 200 MB upload at idle + 26 MB instead of
   * + 53, scripts/bench-remote). Absent when a bandwidth limit applies (the streams are the limited path) and when the
   * bytes are not the file's (the encrypting store passes its own source without it).
   */
  blob?(start: number, end: number): Blob;
}

export interface StoreCapabilities {
  /**
   * Where the preserved mtime comes from: "listing" (list() fills mtime, e.g. SFTP), "stat"
   * (only stat() returns it, e.g. S3 object metadata), "none" (never kept: the engine relies on
   * the local record and serverTime, e.g. Apache WebDAV).
   */
  mtime: "listing" | "stat" | "none";
  /** Two mtimes closer than this are equal (SFTP keeps seconds: 1000; S3 metadata: 1). */
  mtimePrecisionMs: number;
  /** Default number of concurrent transfers for this store. */
  concurrency: number;
  /** Default number of concurrent stat() calls during a full comparison without a record. */
  statConcurrency?: number;
}

/** Content hashes a store can give without reading the file back. */
export type HashKind = "md5" | "sha1" | "sha256" | "quickxor";

export interface RemoteStore {
  readonly capabilities: StoreCapabilities;
  /**
   * Which content hash list() and stat() fill in `RemoteEntry.hash` where they can (S3 "md5",
   * later Drive "md5" and OneDrive "quickxor"); null when the store gives none (SFTP, WebDAV,
   * local). Even with a kind, a given entry may have none (an S3 multipart upload).
   */
  readonly hash: HashKind | null;
  /**
   * Identifies the remote location for the local record: type + endpoint + bucket/host + root,
   * e.g. "s3|http://127.0.0.1:7480|bucket|prefix". Two jobs with the same key share a record.
   * No credentials in it.
   */
  readonly key: string;

  /**
   * Every file under `prefix` (a directory path; "" for the root), recursively, as a stream;
   * paths relative to the store's root like everywhere (so they start with `prefix/`).
   * MUST yield in ascending `compareUtf8` order of path (the order S3 returns; for tree stores
   * use `walkSorted` from ordered.ts), because the engine merges it with the local walk without
   * holding either in memory. Directories themselves are not yielded.
   * A missing prefix yields nothing (not an error); a missing root throws "not_found".
   */
  list(prefix: string, signal: AbortSignal): AsyncIterable<RemoteEntry>;

  /**
   * Uploads one file, replacing what is at `path` and creating parent folders as needed; stores
   * source.mtime when the store can. Must be atomic as seen by others: on failure or abort nothing
   * new is visible at `path` (abort S3 multipart uploads; upload to a temporary name then rename
   * where the store has no atomic put).
   */
  put(path: string, source: PutSource, signal: AbortSignal): Promise<PutResult>;

  /**
   * A read stream of the whole file at `path`, for restore and verify.
   * Errors: a missing file (or a folder at `path`) is "not_found" (unlike remove). Anything that
   * goes wrong before the first byte (auth, permission, unavailable, transient) rejects the
   * promise with a DestinationError; a failure after that errors the stream with a
   * DestinationError (a lost connection is "transient"; the caller decides whether to start
   * over). Aborting `signal` destroys the stream with a DestinationError "cancelled" (before the
   * stream exists: the promise rejects "cancelled"). The caller must read or destroy the stream;
   * it holds a connection (SFTP) or a socket (S3, WebDAV) until it ends.
   */
  open(path: string, signal: AbortSignal): Promise<Readable>;

  /**
   * Moves one file, server-side where the store can (S3 CopyObject + DeleteObject, SFTP rename,
   * WebDAV MOVE, local rename): replaces what is at `to`, creates the parent folders of `to`,
   * keeps the preserved mtime where the store keeps one. `from === to` only checks it exists.
   * Errors: a missing `from` is "not_found" (and `to` is left as it was); otherwise the kinds
   * above. On any failure `from` is still there, whole (S3 deletes it only after the copy
   * succeeded; a failed delete leaves both). A store that cannot move a file (an S3 object
   * over 5 GiB, a WebDAV server without MOVE) throws "failed" saying so.
   */
  move(from: string, to: string, signal: AbortSignal): Promise<void>;

  /** Deletes one file. A file that is already gone is success (no error). */
  remove(path: string, signal: AbortSignal): Promise<void>;

  /**
   * Optional batch delete (S3 DeleteObjects, up to `maxBatch` paths per call). Already-gone
   * paths are success; any per-path failure throws (kind as above) naming the first path.
   */
  removeMany?(paths: string[], signal: AbortSignal): Promise<void>;
  readonly maxBatch?: number;

  /** Optional: one file's entry with its preserved mtime (capabilities.mtime "stat"), null when absent. */
  stat?(path: string, signal: AbortSignal): Promise<RemoteEntry | null>;

  /** Optional: changes the preserved mtime without re-uploading (SFTP utimes, S3 copy-in-place). */
  setModTime?(path: string, mtime: number, signal: AbortSignal): Promise<void>;

  /**
   * Optional, for tree stores: removes the directory `path` if it is empty. Not empty or already
   * gone resolves false, never throws for those. The engine calls it, deepest first, for the
   * folders it emptied with delete_extraneous.
   */
  removeDir?(path: string, signal: AbortSignal): Promise<boolean>;

  /**
   * Proves the store is reachable and the credentials and root work (S3 HeadBucket, SFTP
   * stat(remote_path), WebDAV PROPFIND depth 0). Returns details for the "Test connection"
   * answer (no secrets). Throws like every method; the destination turns errors into words.
   */
  check(signal: AbortSignal): Promise<Record<string, unknown>>;

  /** Releases connections. Safe to call twice, and after a failed open. */
  close(): Promise<void>;
}

/** A transient failure, with the wait the server asked for (Retry-After) when it said. */
export class TransientError extends DestinationError {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super("transient", message, options);
  }
}

export function transientError(message: string, retryAfterMs: number | null = null, cause?: unknown): TransientError {
  return new TransientError(message, retryAfterMs, { cause });
}

/**
 * Compares two paths in UTF-8 byte order (= code point order), the order S3 lists keys in and
 * SQLite's BINARY collation sorts TEXT in. Plain `<` compares UTF-16 units, which differs for
 * characters above U+FFFF versus U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    return x - y;
  }
  return a.length - b.length;
}

/** signal.throwIfAborted(), as the DestinationError "cancelled" every store method throws. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
}

/**
 * The stream open() hands out: `source`'s bytes, its errors mapped by `mapError` (DestinationErrors
 * pass as they are), destroyed with "cancelled" when `signal` aborts. `onClose` runs once, when
 * the stream ends, errors or is destroyed (release a connection there).
 */
export function guardStream(source: Readable, signal: AbortSignal, mapError: (err: unknown) => DestinationError, onClose?: () => void): Readable {
  const out = new PassThrough();
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    signal.removeEventListener("abort", onAbort);
    onClose?.();
  };
  const onAbort = () => {
    const err = new DestinationError("cancelled", "Cancelled");
    source.destroy(err);
    out.destroy(err);
  };
  source.on("error", (err) => {
    out.destroy(signal.aborted ? new DestinationError("cancelled", "Cancelled", { cause: err }) : err instanceof DestinationError ? err : mapError(err));
  });
  out.on("close", () => {
    if (!source.destroyed) source.destroy();
    finish();
  });
  source.on("close", () => {
    // A source that closes without 'end' or 'error' (destroyed from outside) must not leave the reader hanging.
    if (!source.readableEnded && !out.destroyed) out.destroy(new DestinationError("failed", "The read stream closed early"));
  });
  source.pipe(out);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return out;
}

/** Uploads to tree stores go to a hidden temp name, then are renamed over the target, so an
 *  interrupted upload is never visible under the real name; leftovers end in TEMP_SUFFIX. */
export const TEMP_SUFFIX = ".dmpartial";

/** A store path's folder ("" at the root) and its last name. */
export function splitStorePath(path: string): { dir: string; base: string } {
  const slash = path.lastIndexOf("/");
  return { dir: slash < 0 ? "" : path.slice(0, slash), base: path.slice(slash + 1) };
}

/** `.name.<8 hex>.dmpartial` in the same folder, kept under common 255-byte name limits. */
export function tempUploadName(base: string): string {
  return `.${truncateUtf8(base, 180)}.${randomBytes(4).toString("hex")}${TEMP_SUFFIX}`;
}

function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = "";
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > maxBytes) break;
    out += ch;
  }
  return out;
}

// ----

// Validates a config or credential object against its type's FieldSpec list. Destinations declare
// their fields as data (for the UI and OpenAPI) and call this, so every type words errors the same.

const MAX_STRING = 4096;
const MAX_TEXT = 64 * 1024;

/** Every remote destination's "full comparison" switch (the sync engine's local record: docs/remote.md). */
export const FULL_COMPARE_FIELD: FieldSpec = {
  name: "full_compare",
  label: "Always compare with the remote",
  type: "boolean",
  required: false,
  default: false,
  help: "List the destination on every run instead of trusting the local record of uploads (slower; the record is re-checked every 24 h or 20 runs anyway)",
};

/** What every destination on the remote sync engine (src/destinations/engine/) can do; a store adds checksums when it has them. */
export const REMOTE_CAPABILITIES: Capabilities = {
  supports_delete: true,
  supports_compression: false,
  supports_checksum: false,
  supports_bandwidth_limit: true,
  supports_exclude_patterns: true,
  supports_incremental: true,
  supports_dry_run: true,
  requires_credentials: true,
  sync_implemented: true,
};

export function fieldError(name: string, problem: string): DestinationError {
  return new DestinationError("config", `Field '${name}' ${problem}`, { field: name, problem });
}

/** Parses `raw` into one value per field (defaults applied); unknown keys are refused so typos surface. */
export function parseFields(fields: FieldSpec[], raw: unknown, typeName: string): Record<string, string | number | boolean | null> {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new DestinationError("config", "must be an object");
  const input = raw as Record<string, unknown>;
  const known = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw fieldError(key, `is not a setting of ${typeName}`);
  }
  const out: Record<string, string | number | boolean | null> = {};
  for (const f of fields) {
    const v = input[f.name];
    const empty = v === undefined || v === null || (typeof v === "string" && v.trim() === "");
    if (empty) {
      if (f.required && (f.default === undefined || f.default === null)) throw fieldError(f.name, "is required");
      out[f.name] = f.default ?? null;
      continue;
    }
    out[f.name] = coerce(f, v);
  }
  return out;
}

function coerce(f: FieldSpec, v: unknown): string | number | boolean {
  switch (f.type) {
    case "choice": {
      if (typeof v !== "string" || !(f.options ?? []).includes(v)) {
        throw fieldError(f.name, `must be one of ${(f.options ?? []).map((o) => JSON.stringify(o)).join(", ")}`);
      }
      return v;
    }
    case "string":
    case "path":
    case "drive":
    case "password":
    case "text": {
      if (typeof v !== "string") throw fieldError(f.name, "must be a string");
      const max = f.type === "text" ? MAX_TEXT : MAX_STRING;
      if (v.length > max) throw fieldError(f.name, `must be at most ${max} characters`);
      // A NUL byte ends a path or a name at the C level: whatever follows would be silently cut.
      if (f.type !== "password" && f.type !== "text" && v.includes("\0")) throw fieldError(f.name, "must not contain a NUL character");
      // Secrets and multi-line text are kept byte for byte; plain strings lose stray spaces.
      return f.type === "password" || f.type === "text" ? v : v.trim();
    }
    case "integer": {
      const n = typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
      if (typeof n !== "number" || !Number.isSafeInteger(n)) throw fieldError(f.name, "must be a whole number");
      return n;
    }
    case "boolean": {
      if (typeof v === "boolean") return v;
      if (v === "true" || v === "false") return v === "true";
      throw fieldError(f.name, "must be true or false");
    }
  }
}

/** Credential data is stored as strings (the Destination contract); numbers and booleans become text. */
export function asStrings(values: Record<string, string | number | boolean | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (v !== null) out[k] = String(v);
  return out;
}
