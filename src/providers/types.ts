// The one interface every destination implements. The run engine knows only this file: adding a
// destination means a new module here and one `case` in registry.ts, never a change to the engine.
// Domain code only: no HTTP types. Errors are DestinationError with a kind from one shared
// vocabulary (PocketBase's NormalizeError idea), which the API and the run log turn into words.
import type { SyncOptions } from "../jobs/model.ts";
import type { HostPathRules, Refuse } from "../system/paths.ts";

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

/** A job's sync options: the type of their schema (SyncOptionsSchema in jobs/model.ts). */
export type { SyncOptions };

export type LogLevel = "info" | "warning" | "error";

/** How a sync talks back to its run. Cheap to call per file: the engine batches what it stores. */
export interface RunReporter {
  log(level: LogLevel, message: string): void;
  /** Adds to the run's counters (and drives live progress). */
  progress(delta: { files?: number; bytes?: number; deleted?: number }): void;
  /** What the whole run is expected to move, when the destination knows it up front. */
  totals?(totals: { files: number; bytes: number }): void;
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
  /** The data folder, for a destination's own state (e.g. a record of what was uploaded). */
  dataDir: string;
  /** ALLOWED_BROWSE_PATHS: where a destination may create folders or mount drives. */
  allowedRoots: string[];
}

export interface SyncResult {
  filesTransferred: number;
  bytesTransferred: number;
  filesDeleted: number;
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

export interface Destination<C = Record<string, unknown>> {
  type: DestinationType;
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
  test?(config: C, credential: Record<string, string> | null, signal: AbortSignal, env?: { dataDir?: string }): Promise<TestResult>;
  /** Checks the paths on this host the config writes to (the local destination's folders) against
   *  the guard rails, naming the field; called when a job is saved and again before each run. */
  checkHostPaths?(config: C, sources: string[], rules: HostPathRules, refuse: Refuse): void;
  /** Mirrors the sources; absent while the type is not built (capabilities.sync_implemented false). */
  sync?(req: SyncRequest<C>): Promise<SyncResult>;
}
