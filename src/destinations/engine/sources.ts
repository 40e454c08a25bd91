// The one source check of a run, with its one wording. The run engine makes it before it calls
// any destination (local rsync and remote stores alike); the remote engine (src/destinations/engine/sync.ts)
// asks for it too, which is a no-op for a request the run engine has checked, so it only runs
// for a caller that bypasses the engine (its tests, the benchmark) and never twice.
import { readdirSync, statSync } from "node:fs";
import { DestinationError } from "../contract.ts";

/**
 * Every source must be an existing folder; a deleting sync also refuses an empty one, because an
 * unmounted or emptied source would otherwise wipe the backup. Throws DestinationError("source").
 */
export function checkSources(sources: readonly string[], deleting: boolean) {
  if (sources.length === 0) throw new DestinationError("source", "The job has no source folders");
  for (const src of sources) {
    let isDir = false;
    try {
      isDir = statSync(src).isDirectory();
    } catch {}
    if (!isDir) throw new DestinationError("source", `Source folder ${src} is missing or not a folder${deleting ? "; nothing was deleted" : ""}`);
    if (deleting) {
      let empty = true;
      try {
        empty = readdirSync(src).length === 0;
      } catch (err) {
        throw new DestinationError("source", `Source folder ${src} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}); nothing was deleted`);
      }
      if (empty) throw new DestinationError("source", `Source folder ${src} is empty and the job deletes extraneous files: refusing to run so the backup is not wiped (is a drive unmounted?)`);
    }
  }
}

/** The sync requests whose sources have been checked (by identity: a request is built per run). */
const checked = new WeakSet<object>();

/** Checks a sync request's sources unless this very request has been checked already. */
export function checkRequestSources(req: { sources: readonly string[]; options: { delete_extraneous: boolean } }) {
  if (checked.has(req)) return;
  checkSources(req.sources, req.options.delete_extraneous);
  checked.add(req);
}
