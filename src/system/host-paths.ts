// The guard rails on the host paths a job touches (SPEC "Guard rails that become contract"),
// checked when a job is saved (400 naming the field) and again before every run (a folder can be
// swapped for a symlink later; the run then fails with the same words and copies nothing).

import { type Destination, DestinationError } from "../destinations/contract.ts";
import { badRequest } from "../http/errors.ts";
import { guardHostPath, type HostPathRules, type Refuse } from "./paths.ts";

/** Refusals at run time: the API's message as the run's error, without a "Configuration error:" prefix. */
export const refusedAtRun: Refuse = (message) => new DestinationError("refused", message);

/**
 * Sources (what is read from this host, whatever the destination) must resolve inside
 * ALLOWED_BROWSE_PATHS and be neither the data folder, inside it, nor a folder containing it;
 * the destination checks the host paths it writes to (`checkHostPaths`, local only; null for a
 * type this version does not know, whose sources are still checked).
 */
export function checkJobPaths(sources: string[], dest: Destination | null, config: unknown, rules: HostPathRules, refuse: Refuse = badRequest) {
  for (const [i, source] of sources.entries()) guardHostPath(source, `source_dirs.${i}`, rules, { refuseAncestorOfData: true, refuse });
  dest?.checkHostPaths?.(config as Record<string, unknown>, sources, rules, refuse);
}
