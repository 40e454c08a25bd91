// Restore runs: the request checked at the edge (paths inside the destination, a target inside
// the allowed folders), then a `restore` run on the run engine whose body reads the store back:
// rsync for local/USB destinations, streaming for remote stores. A file that cannot be restored
// is a warning line; the run goes on and fails at the end naming it.
import { basename, join } from "node:path";
import type { Db } from "../db/client.ts";
import type { RemoteStore } from "../destinations/contract.ts";
import { LocalStore } from "../destinations/local/store.ts";
import { invalidField } from "../http/errors.ts";
import { jobAccess } from "../read-back/access.ts";
import type { RunBody, RunContext, RunEngine, RunOutcome } from "../runs/engine-types.ts";
import { refusedAtRun } from "../system/host-paths.ts";
import { guardHostPath, type HostPathRules } from "../system/paths.ts";
import { restoreWithRsync } from "./local.ts";
import type { Overwrite, RestoreRequest } from "./model.ts";
import { storePathParam } from "./paths.ts";
import { UploadRecord } from "./queries.ts";
import { type RestoreTally, restoreFromStore } from "./remote.ts";
import { currentTree, type Selector } from "./select.ts";
import { type ResolvedTarget, TargetMap } from "./target.ts";

export interface RestorePlan {
  /** Store paths ("" never: [] means everything). */
  paths: string[];
  target: ResolvedTarget;
  overwrite: Overwrite;
  /** Which stored files are read for the paths (default: the current tree; versions add as_of). */
  select?: Selector;
}

export interface RestoreDeps {
  db: Db;
  engine: Pick<RunEngine, "start">;
  rules: HostPathRules;
}

/** How many failed paths the run's error names (all of them are warning lines). */
const NAMED_FAILURES = 5;

/** Checks the request (400 naming the field) and starts the restore run; returns its id. 409 if the job runs. */
export function startRestore(deps: RestoreDeps, jobId: number, req: RestoreRequest, select?: Selector): number {
  const { job } = jobAccess(deps.db, jobId);
  const paths = [...new Set((req.paths ?? []).map((p, i) => storePathParam(p, `paths.${i}`)))];
  // "" among the paths is the whole destination.
  const plan: RestorePlan = { paths: paths.includes("") ? [] : paths, target: resolveTarget(req.target, job.sourceDirs, deps.rules), overwrite: req.overwrite, select };
  return deps.engine.start(jobId, { trigger: "manual", kind: "restore", body: restoreBody(plan, deps.db) });
}

function resolveTarget(target: RestoreRequest["target"], sources: string[], rules: HostPathRules): ResolvedTarget {
  if (target === "original") return { kind: "original", sources };
  if (!target.folder.startsWith("/")) throw invalidField("target.folder", "must be an absolute path");
  // The guard rails of job sources: inside ALLOWED_BROWSE_PATHS, not the data folder nor inside it.
  const folder = guardHostPath(target.folder, "target", rules, { subject: "Field 'target'" });
  for (const s of sources) guardHostPath(join(folder, basename(s)), "target", rules, { subject: "Field 'target'", refuseAncestorOfData: true });
  return { kind: "folder", folder };
}

/** The run body of a restore: the plan against the job's store. */
export function restoreBody(plan: RestorePlan, db: Db): RunBody {
  return async (ctx: RunContext): Promise<RunOutcome> => {
    const rules: HostPathRules = { allowedBrowsePaths: ctx.allowedRoots, dataDir: ctx.dataDir };
    // Again at run time: the folder may have become a symbolic link out since the request.
    const target: ResolvedTarget = plan.target.kind === "folder" ? { kind: "folder", folder: guardHostPath(plan.target.folder, "target", rules, { refuse: refusedAtRun }) } : plan.target;
    const targets = new TargetMap(target, rules);
    const where = target.kind === "original" ? "the job's source folders" : target.folder;
    const what = plan.paths.length ? plan.paths.join(", ") : "everything";
    ctx.report.log("info", `Restoring ${what} to ${where} (existing files: ${plan.overwrite.replace("_", " ")})`);
    const tally = await ctx.withStore((store) => run(plan, db, store, targets, ctx));
    return outcome(tally);
  };
}

async function run(plan: RestorePlan, db: Db, store: RemoteStore, targets: TargetMap, ctx: RunContext): Promise<RestoreTally> {
  const common = { paths: plan.paths, targets, overwrite: plan.overwrite, options: ctx.options, report: ctx.report, signal: ctx.signal };
  // A local backup of the current tree is rsync's job; anything else (remote stores, old versions) streams.
  if (store instanceof LocalStore && !plan.select) {
    await store.check(ctx.signal);
    return restoreWithRsync({ ...common, root: store.root });
  }
  const record = new UploadRecord(db, ctx.dataDir);
  try {
    return await restoreFromStore({ ...common, record, store, select: plan.select ?? currentTree });
  } finally {
    record.close();
  }
}

function outcome(t: RestoreTally): RunOutcome {
  const summary = `${t.restored} file(s) restored (${t.bytes} bytes)${t.skipped ? `, ${t.skipped} kept as they were` : ""}`;
  const result: RunOutcome = { filesTransferred: t.restored, bytesTransferred: t.bytes, summary };
  if (t.failed.length === 0) return result;
  const named = t.failed
    .slice(0, NAMED_FAILURES)
    .map((f) => f.path)
    .join(", ");
  const more = t.failed.length > NAMED_FAILURES ? ` and ${t.failed.length - NAMED_FAILURES} more` : "";
  return { ...result, failed: `${t.failed.length} file(s) could not be restored: ${named}${more}` };
}
