// GET /api/jobs/:id/check-space: would the job's next run fit on its local/USB destination?
import type { Db } from "../db/client.ts";
import { DestinationError } from "../destinations/contract.ts";
import { backupRoot, checkLocalPaths, localDestination, rsyncArgs } from "../destinations/local/destination.ts";
import { checkJobSpace } from "../destinations/local/space.ts";
import { ApiError, badRequest, conflict, notFound, serviceUnavailable } from "../http/errors.ts";
import type { HostPathRules } from "../system/paths.ts";
import * as q from "./queries.ts";
import { normalizeSyncOptions } from "./sync-options.ts";

export async function checkSpace(db: Db, id: number, rules: HostPathRules, isRunning: (jobId: number) => boolean) {
  const job = q.findJob(db, id);
  if (!job) throw notFound("Job not found");
  if (job.destinationType !== "local") throw badRequest("check-space is for local/USB destinations: remote stores do not report free space");
  // A run mounts and writes the drive: a second rsync and a mount/unmount under it would race it.
  if (isRunning(id)) throw conflict("The job is running: check its space when the run is over");
  const options = normalizeSyncOptions(job.syncOptions);
  try {
    const config = localDestination.parseConfig(job.destinationConfig);
    checkLocalPaths(config, job.sourceDirs, rules, (m) => new DestinationError("refused", m));
    const e = await checkJobSpace(config, backupRoot(config), job.sourceDirs, options, rsyncArgs, rules.allowedBrowsePaths);
    return { job_id: id, space_check: options.space_check, ...e, margin_percent: 10 };
  } catch (err) {
    if (err instanceof ApiError || !(err instanceof DestinationError)) throw err;
    if (err.kind === "unavailable") throw serviceUnavailable(err.message);
    if (err.kind === "not_found" || err.kind === "config" || err.kind === "refused") throw badRequest(err.message);
    throw new ApiError(500, "Space check failed", err.message);
  }
}
