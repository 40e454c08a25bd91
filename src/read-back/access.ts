// A job's destination opened for reading back (browse, download, restore, versions): the job row,
// its destination, parsed config and opened credential, its encryption and OAuth hooks; the drive
// mounted (local/USB) and the store opened around the work; store errors worded for HTTP.
import type { AppContext } from "../context.ts";
import { credentialHooks, openCredentialData, openEncryption } from "../credentials/service.ts";
import type { Db } from "../db/client.ts";
import { type Destination, DestinationError, normalizeSyncOptions, type RemoteStore, type RunReporter } from "../destinations/contract.ts";
import { destinationFor, isDestinationType } from "../destinations/registry.ts";
import { ApiError, badRequest, notFound, serviceUnavailable } from "../http/errors.ts";
import { findJob, type JobRow } from "../jobs/queries.ts";
import { describeError } from "../runs/engine.ts";
import { withDriveReady, withOpenStore } from "../runs/store-access.ts";

export interface JobAccess {
  job: JobRow;
  dest: Destination;
  config: unknown;
}

/** The job and its destination, checked for reading back (404 no job; 400 a type that cannot be read). */
export function jobAccess(db: Db, jobId: number): JobAccess {
  const job = findJob(db, jobId);
  if (!job) throw notFound("Job not found");
  if (!isDestinationType(job.destinationType)) throw badRequest(`Destination type '${job.destinationType}' is not known to this version`);
  const dest = destinationFor(job.destinationType);
  if (!dest.openStore || !dest.capabilities.sync_implemented) throw badRequest(`${dest.name} destinations cannot be read back in this version`);
  let config: unknown;
  try {
    config = dest.parseConfig(job.destinationConfig);
  } catch (err) {
    throw badRequest(`The job's destination settings are no longer valid: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { job, dest, config };
}

export interface StoreEnvDeps {
  db: Db;
  secret: Uint8Array;
  dataDir: string;
  allowedRoots: string[];
}

/** What reading back needs of the app: its database and key, data folder and allowed roots. */
export function storeEnvDeps(ctx: Pick<AppContext, "db" | "secret" | "config">): StoreEnvDeps {
  return { db: ctx.db, secret: ctx.secret, dataDir: ctx.config.dataDir, allowedRoots: ctx.config.allowedBrowsePaths };
}

/** A reporter for work outside a run: warnings go to the server log, nothing else is kept. */
export function quietReporter(warn: (message: string) => void): RunReporter {
  return { log: (level, message) => level !== "info" && warn(message), progress: () => {} };
}

/**
 * Runs `fn` on the job's store, the drive mounted around it when the job names one. Store errors
 * become ApiErrors: a missing root or file 404, refused credentials or an unreachable server 502,
 * a guard refusal (not that drive) 409; the words are the run engine's.
 */
export async function withJobStore<T>(deps: StoreEnvDeps, access: JobAccess, report: RunReporter, fn: (store: RemoteStore) => Promise<T>): Promise<T> {
  try {
    const credential = access.job.credentialId === null ? null : openCredentialData(deps.db, deps.secret, access.job.credentialId);
    if (access.dest.capabilities.requires_credentials && !credential) throw new DestinationError("config", `${access.dest.name} needs a credential: choose one in the job`);
    const encryption = openEncryption(deps.db, deps.secret, normalizeSyncOptions(access.job.syncOptions));
    return await withDriveReady(access.dest, access.config, report, deps.allowedRoots, () =>
      withOpenStore(access.dest, access.config, credential, deps.dataDir, fn, {
        encryption,
        warn: (m) => report.log("warning", m),
        // An OAuth store saves refreshed tokens and marks a revoked grant, as in a run.
        ...(access.job.credentialId === null ? {} : credentialHooks(deps.db, deps.secret, access.job.credentialId)),
      }),
    );
  } catch (err) {
    throw httpError(err);
  }
}

export function httpError(err: unknown): unknown {
  if (err instanceof ApiError || !(err instanceof DestinationError)) return err;
  const message = describeError(err);
  switch (err.kind) {
    case "not_found":
      return notFound(message);
    case "config":
    case "refused":
      return new ApiError(409, "Conflict", message);
    case "cancelled":
      return serviceUnavailable(message);
    default:
      return new ApiError(502, "Bad gateway", message);
  }
}
