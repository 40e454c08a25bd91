// A job's store, opened for reading versions back: the job, its credential, its destination
// config, and for local/USB the drive mounted around the work (the backup's own guard).
import type { AppContext } from "../context.ts";
import { openCredentialData } from "../credentials/service.ts";
import { DestinationError, type RemoteStore, type RunReporter } from "../destinations/contract.ts";
import { destinationFor, isDestinationType } from "../destinations/registry.ts";
import { ApiError, badRequest, notFound } from "../http/errors.ts";
import { findJob } from "../jobs/queries.ts";
import { withAutoMount } from "../system/automount.ts";

const quiet: RunReporter = { log() {}, progress() {} };

/** Runs `fn` on job `jobId`'s store; destination failures become 4xx/5xx answers with their words. */
export async function withJobStore<T>(ctx: AppContext, jobId: number, fn: (store: RemoteStore) => Promise<T>): Promise<T> {
  const job = findJob(ctx.db, jobId);
  if (!job) throw notFound("Job not found");
  if (!isDestinationType(job.destinationType)) throw badRequest(`Destination type '${job.destinationType}' is not known to this version`);
  const dest = destinationFor(job.destinationType);
  if (!dest.openStore) throw badRequest(`${dest.name} destinations cannot be read back in this version`);
  try {
    const config = dest.parseConfig(job.destinationConfig);
    const credential = job.credentialId === null ? null : openCredentialData(ctx.db, ctx.secret, job.credentialId);
    const open = async () => {
      const store = await dest.openStore!(config, credential, { dataDir: ctx.config.dataDir, purpose: "sync" });
      try {
        return await fn(store);
      } finally {
        await store.close().catch(() => {});
      }
    };
    if (dest.type !== "local") return await open();
    const mount = { ...(config as { mount_point: string }), min_free_space_mb: null };
    return await withAutoMount(mount, quiet, open, { allowedRoots: ctx.config.allowedBrowsePaths });
  } catch (err) {
    throw asApiError(err);
  }
}

/** The store's own words for what went wrong, with a status a client can act on. */
function asApiError(err: unknown): unknown {
  if (err instanceof ApiError || !(err instanceof DestinationError)) return err;
  if (err.kind === "config" || err.kind === "refused") return badRequest(err.message);
  if (err.kind === "not_found") return new ApiError(409, "Conflict", `The destination cannot be read: ${err.message}`);
  return new ApiError(502, "Destination error", `The destination cannot be read: ${err.message}`);
}
