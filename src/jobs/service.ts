// Jobs: validation (400 naming the field), views as the seed shows them, clone. No HTTP types.
import { basename, isAbsolute, normalize } from "node:path";
import type { Db } from "../db/client.ts";
import { DestinationError, type DestinationType, type EncryptionOptions, NEW_JOB_KEEP_VERSIONS_DAYS, type SyncOptions } from "../destinations/contract.ts";
import { ENCRYPTION_CREDENTIAL_TYPE } from "../destinations/crypt/credential.ts";
import { destinationFor, isDestinationType } from "../destinations/registry.ts";
import { conflict, invalidField, nestedFieldError, notFound } from "../http/errors.ts";
import type { RunEngine } from "../runs/engine-types.ts";
import { withLiveCounters } from "../runs/live-counters.ts";
import { failureStreaks, lastRuns } from "../runs/queries.ts";
import { schedulesOfJobs } from "../schedules/service.ts";
import { checkJobPaths } from "../system/host-paths.ts";
import type { HostPathRules } from "../system/paths.ts";
import type { JobView } from "./model.ts";
import * as q from "./queries.ts";
import { checkExcludeDirs, normalizeSyncOptions, validateSyncOptions } from "./sync-options.ts";

export interface JobInput {
  name: string;
  description?: string | null;
  enabled?: boolean;
  source_dirs: string[];
  destination_type: DestinationType;
  destination_config: Record<string, unknown>;
  sync_options?: Partial<SyncOptions> | null;
  credential_id?: number | null;
  /** Left out: unchanged on an update, off (null) on a create. */
  alert_after_hours?: number | null;
}

export type { JobView };

/** Absolute, normalised, not "/", and no two with one basename (they would share a destination folder). */
export function validateSources(dirs: string[]): string[] {
  const out: string[] = [];
  const seen = new Map<string, string>();
  dirs.forEach((raw, i) => {
    const dir = raw.trim();
    if (dir.includes("\0")) throw invalidField(`source_dirs.${i}`, "must not contain a NUL character");
    if (!isAbsolute(dir)) throw invalidField(`source_dirs.${i}`, `must be an absolute path (got "${raw}")`);
    const norm = normalize(dir).replace(/\/+$/, "");
    const base = basename(norm);
    if (norm === "" || base === "") throw invalidField(`source_dirs.${i}`, "cannot be the root folder: pick the folders to back up");
    const other = seen.get(base);
    if (other !== undefined) {
      throw invalidField("source_dirs", `has two folders named "${base}" (${other} and ${norm}): each source goes to <destination>/<basename>/, so basenames must differ`);
    }
    seen.set(base, norm);
    out.push(norm);
  });
  return out;
}

/** A destination's "Field 'x' ..." is "Field 'destination_config.x' ..." in a job. */
function configError(err: unknown): never {
  if (err instanceof DestinationError) throw nestedFieldError("destination_config", err);
  throw err;
}

/**
 * Checks a job for saving. `rules` (ALLOWED_BROWSE_PATHS and the data folder, i.e. ctx.config)
 * confine the host paths it reads and writes: see host-paths.ts.
 */
export function validateJob(db: Db, input: JobInput, rules: HostPathRules, keepVersionsDays: number | null = NEW_JOB_KEEP_VERSIONS_DAYS): q.JobValues {
  const name = input.name.trim();
  if (!name) throw invalidField("name", "must not be blank");
  const dest = destinationFor(input.destination_type);
  let config: Record<string, unknown>;
  try {
    config = dest.parseConfig(input.destination_config) as Record<string, unknown>;
  } catch (err) {
    configError(err);
  }
  const syncOptions = validateSyncOptions(input.sync_options, dest.capabilities, dest.name, input.destination_type, keepVersionsDays);
  const credentialId = input.credential_id ?? null;
  if (credentialId !== null) {
    const cred = q.credentialType(db, credentialId);
    if (!cred) throw invalidField("credential_id", `refers to no credential (${credentialId})`);
    if (cred !== input.destination_type) throw invalidField("credential_id", `is a ${cred} credential, not ${input.destination_type}`);
  } else if (dest.capabilities.requires_credentials) {
    throw invalidField("credential_id", `is required for ${dest.name} destinations`);
  }
  if (syncOptions.encryption) checkEncryption(db, dest.type, syncOptions.encryption);
  const sourceDirs = validateSources(input.source_dirs);
  checkExcludeDirs(syncOptions.exclude_dirs, sourceDirs);
  checkJobPaths(sourceDirs, dest, config!, rules);
  return {
    name,
    description: (input.description ?? "").trim(),
    enabled: input.enabled ?? true,
    sourceDirs,
    destinationType: input.destination_type,
    destinationConfig: config!,
    syncOptions,
    credentialId,
    alertAfterHours: input.alert_after_hours,
  };
}

/** Encryption is for remote stores, with a password kept as an "encryption" credential. */
function checkEncryption(db: Db, type: string, enc: EncryptionOptions) {
  if (type === "local") throw invalidField("sync_options.encryption", "is not available for local/USB destinations: use an encrypted disk for local/USB destinations");
  const cred = q.credentialType(db, enc.password_credential_id);
  if (!cred) throw invalidField("sync_options.encryption.password_credential_id", `refers to no credential (${enc.password_credential_id})`);
  if (cred !== ENCRYPTION_CREDENTIAL_TYPE) throw invalidField("sync_options.encryption.password_credential_id", `is a ${cred} credential, not an encryption credential`);
}

const sameEncryption = (a: EncryptionOptions | null | undefined, b: EncryptionOptions | null | undefined) =>
  (a ?? null) === (b ?? null) ||
  (!!a && !!b && a.password_credential_id === b.password_credential_id && a.filename_encryption === b.filename_encryption && a.directory_name_encryption === b.directory_name_encryption);

function toViews(db: Db, engine: RunEngine, rows: q.JobRow[]): JobView[] {
  const ids = rows.map((r) => r.id);
  const last = lastRuns(db, ids);
  const streaks = failureStreaks(db, ids);
  const scheds = schedulesOfJobs(db, ids);
  // An active last run shows the engine's live counters (its row gets them at the end).
  for (const [jobId, run] of last) last.set(jobId, withLiveCounters(run, engine));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    enabled: r.enabled,
    source_dirs: r.sourceDirs,
    destination_type: r.destinationType,
    destination_config: r.destinationConfig,
    sync_options: normalizeSyncOptions(r.syncOptions),
    credential_id: r.credentialId,
    alert_after_hours: r.alertAfterHours,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    last_run: last.get(r.id) ?? null,
    active_run_id: engine.activeRun(r.id),
    failing_since: streaks.get(r.id)?.since ?? null,
    failed_runs_in_a_row: streaks.get(r.id)?.count ?? 0,
    schedules: scheds.get(r.id) ?? [],
  }));
}

export function listJobs(db: Db, engine: RunEngine): JobView[] {
  return toViews(db, engine, q.allJobs(db));
}

/** One page of the job list (limit null: all from offset) and how many jobs there are. */
export function listJobsPage(db: Db, engine: RunEngine, limit: number | null, offset: number): { rows: JobView[]; total: number } {
  const { rows, total } = q.pageJobs(db, limit, offset);
  return { rows: toViews(db, engine, rows), total };
}

export function getJob(db: Db, engine: RunEngine, id: number): JobView {
  const row = q.findJob(db, id);
  if (!row) throw notFound("Job not found");
  return toViews(db, engine, [row])[0]!;
}

export function createJob(db: Db, engine: RunEngine, input: JobInput, rules: HostPathRules): JobView {
  const id = q.insertJob(db, validateJob(db, input, rules));
  return getJob(db, engine, id);
}

export function updateJob(db: Db, engine: RunEngine, id: number, input: JobInput, rules: HostPathRules): JobView {
  const before = q.findJob(db, id);
  if (!before) throw notFound("Job not found");
  // An update without keep_versions_days keeps the job's own (docs/versions.md).
  const values = validateJob(db, input, rules, normalizeSyncOptions(before.syncOptions).keep_versions_days ?? null);
  // The destination holds files in the old form: mixing two forms in one place would leave a
  // backup neither rclone nor Dynamight reads whole (docs/encryption.md).
  if (!sameEncryption(normalizeSyncOptions(before.syncOptions).encryption, normalizeSyncOptions(values.syncOptions).encryption) && q.hasCompletedRun(db, id)) {
    throw invalidField(
      "sync_options.encryption",
      "cannot change once the job has backed up: the destination holds files in the old form. Create a new job with another destination folder (clone this one)",
    );
  }
  q.updateJob(db, id, values);
  return getJob(db, engine, id);
}

export function deleteJob(db: Db, engine: RunEngine, id: number) {
  if (!q.findJob(db, id)) throw notFound("Job not found");
  const active = engine.activeRun(id);
  if (active !== null) throw conflict(`Job is running (run ${active}): cancel it first`, { run_id: active });
  q.deleteJob(db, id);
}

/**
 * A copy named "<name> (Copy)"; schedules are not copied (two jobs would fire at once onto one
 * destination). The copy passes the same path guard rails as a save: a job saved before they
 * existed, or whose folder became a symlink out, is not copied.
 */
export function cloneJob(db: Db, engine: RunEngine, id: number, rules: HostPathRules): JobView {
  const row = q.findJob(db, id);
  if (!row) throw notFound("Job not found");
  const dest = isDestinationType(row.destinationType) ? destinationFor(row.destinationType) : null;
  let config: unknown = null;
  try {
    config = dest?.parseConfig(row.destinationConfig) ?? null;
  } catch (err) {
    configError(err);
  }
  checkJobPaths(row.sourceDirs, dest, config, rules);
  const name = `${row.name} (Copy)`.slice(0, 200);
  const newId = q.insertJob(db, {
    name,
    description: row.description,
    enabled: row.enabled,
    sourceDirs: row.sourceDirs,
    destinationType: row.destinationType,
    destinationConfig: row.destinationConfig,
    syncOptions: row.syncOptions,
    credentialId: row.credentialId,
    alertAfterHours: row.alertAfterHours,
  });
  return getJob(db, engine, newId);
}
