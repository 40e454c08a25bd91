// A verify run's body (run by the run engine like every kind: one run per job, live log, cancel,
// history): the job's destination compared with its sources, nothing changed on either side.
// Remote stores go through verifyRemote (the store contract), local/USB through rsync (verifyLocal);
// the engine has mounted a USB drive before the body and unmounts it after.
import type { LocalConfig } from "../destinations/local/destination.ts";
import type { RunBody, RunOutcome } from "../runs/engine-types.ts";
import { differencesMessage } from "./compare.ts";
import { verifyLocal } from "./local.ts";
import { type VerifyOutcome, verifyRemote } from "./remote.ts";

export interface VerifyOptions {
  /** Read every file back (remote stores); local/USB always compares by checksum. */
  deep: boolean;
}

/** The body of a verify run: completes with 0 differences, fails with "N differences" otherwise. */
export function verifyBody(opts: VerifyOptions): RunBody {
  return async (rc) => {
    const { destination, report, options, signal } = rc;
    const sources = rc.job.sourceDirs;
    let outcome: VerifyOutcome;
    if (destination.type === "local") {
      if (opts.deep) report.log("info", "Local and USB destinations are always compared by checksum: deep changes nothing here");
      outcome = await verifyLocal({ config: rc.config as LocalConfig, sources, options, signal, report, allowedRoots: rc.allowedRoots, dataDir: rc.dataDir });
    } else {
      outcome = await rc.withStore((store) => verifyRemote(store, { sources, options, deep: opts.deep, signal, report }));
    }
    return outcomeOf(outcome);
  };
}

export function outcomeOf(o: VerifyOutcome): RunOutcome {
  const summary = `${o.filesChecked} file(s) checked, ${differencesMessage(o.differences)}${o.bytesRead ? ` (${o.bytesRead} bytes read back)` : ""}`;
  return {
    // What a deep verify read from the destination is the traffic the run made.
    filesTransferred: 0,
    bytesTransferred: o.bytesRead,
    filesChecked: o.filesChecked,
    differences: o.differences,
    failed: o.differences > 0 ? differencesMessage(o.differences) : undefined,
    summary,
  };
}
