// A job's store, opened for reading versions back, the way browse opens it (src/runs/store-access.ts):
// the drive of a local/USB destination mounted around the read, the store closed after; store
// errors worded by the run engine, with a status a client can act on.
import type { AppContext } from "../context.ts";
import { credentialHooks, openCredentialData, openEncryption } from "../credentials/service.ts";
import { DestinationError, normalizeSyncOptions, type RemoteStore } from "../destinations/contract.ts";
import { destinationFor, isDestinationType } from "../destinations/registry.ts";
import { ApiError, badRequest, notFound } from "../http/errors.ts";
import { findJob } from "../jobs/queries.ts";
import { describeError } from "../runs/engine.ts";
import { withDriveReady, withOpenStore } from "../runs/store-access.ts";

/** Runs `fn` on job `jobId`'s store: 404 no job (or a missing root), 409 a refused drive, 502 unreachable. */
export async function withJobStore<T>(ctx: AppContext, jobId: number, fn: (store: RemoteStore) => Promise<T>): Promise<T> {
  const job = findJob(ctx.db, jobId);
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
  const report = { log: (level: string, message: string) => level !== "info" && ctx.logger.warn(message), progress() {} };
  try {
    const credential = job.credentialId === null ? null : openCredentialData(ctx.db, ctx.secret, job.credentialId);
    // As browse opens it: plain names through the job's encryption, refreshed OAuth tokens saved.
    const env = {
      encryption: openEncryption(ctx.db, ctx.secret, normalizeSyncOptions(job.syncOptions)),
      warn: (m: string) => ctx.logger.warn(m),
      ...(job.credentialId === null ? {} : credentialHooks(ctx.db, ctx.secret, job.credentialId)),
    };
    return await withDriveReady(dest, config, report, ctx.config.allowedBrowsePaths, () => withOpenStore(dest, config, credential, ctx.config.dataDir, fn, env));
  } catch (err) {
    if (err instanceof ApiError || !(err instanceof DestinationError)) throw err;
    const message = describeError(err);
    if (err.kind === "not_found") throw notFound(message);
    if (err.kind === "config" || err.kind === "refused") throw new ApiError(409, "Conflict", message);
    throw new ApiError(502, "Bad gateway", message);
  }
}
