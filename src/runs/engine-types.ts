// What the rest of the app may ask of the run engine (implemented in src/runs/engine.ts).
import type { Destination, RemoteStore, RunReporter, SyncOptions } from "../destinations/contract.ts";

/** What a run does: `backup` (the destination's sync), `restore` and `verify` (read the store back). */
export const RUN_KINDS = ["backup", "restore", "verify"] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export interface StartOptions {
  trigger: "manual" | "scheduled";
  scheduleId?: number | null;
  /** Default "backup". */
  kind?: RunKind;
  /** The work of this run (a restore with its paths and target, a verify with `deep`). Without it
   *  the engine runs the body registered for the kind (`Engine.register`); backup is built in. */
  body?: RunBody;
}

/**
 * What a run body gets from the engine. The engine has already marked the run running, loaded the
 * credential, parsed the destination config, checked the job's host paths and (for local/USB
 * destinations with usb_uuid) mounted and verified the drive; it unmounts after the body. The body
 * reports through `report` (live log and counters) and stops when `signal` aborts.
 */
export interface RunContext {
  runId: number;
  job: { id: number; name: string; sourceDirs: string[] };
  destination: Destination;
  /** The job's destination_config, parsed by its destination. */
  config: unknown;
  credential: Record<string, string> | null;
  options: SyncOptions;
  signal: AbortSignal;
  report: RunReporter;
  dataDir: string;
  allowedRoots: string[];
  /** Opens the job's store (the same one browse reads), runs `fn`, closes the store whatever happens. */
  withStore<T>(fn: (store: RemoteStore) => Promise<T>): Promise<T>;
}

/** What a body did; the run row gets it. Throwing fails (or, on abort, cancels) the run instead. */
export interface RunOutcome {
  filesTransferred: number;
  bytesTransferred: number;
  filesDeleted?: number;
  versionsPruned?: number;
  filesChecked?: number;
  differences?: number;
  /** Set: the run fails with this error message, keeping the counters above (a verify's
   *  "3 differences", a restore's "2 file(s) could not be restored: ..."). */
  failed?: string;
  /** The end of the final log line ("Completed in 3.1 s: <summary>"); a default says files and bytes. */
  summary?: string;
}

export type RunBody = (ctx: RunContext) => Promise<RunOutcome>;

/** What an active run has done so far, as the engine knows it (the run row gets it at the end). */
export interface LiveCounters {
  files_transferred: number;
  bytes_transferred: number;
  files_deleted: number;
  /** Verify runs: source files compared so far, and the differences found so far. */
  files_checked: number;
  differences: number;
  /** What the whole run will move, once the destination knows (null until then). */
  files_total: number | null;
  bytes_total: number | null;
}

export interface RunEngine {
  /** Creates a run and starts it in the background; returns the run id.
   *  Throws ApiError 409 if the job already has an active run (of any kind), 404 if the job does not
   *  exist, 400 if its destination type cannot run yet or the kind has no body. */
  start(jobId: number, opts: StartOptions): number;
  /** Stops the job's active run (SIGTERM, SIGKILL after 5 s; or abort for remote stores). false when none. */
  cancel(jobId: number): Promise<boolean>;
  /** The active run id of a job, or null. */
  activeRun(jobId: number): number | null;
  /** The live counters of an active run (pending or running), or null once it is not active:
   *  from then on the run row holds the final values. */
  live(runId: number): LiveCounters | null;
  /** Resolves when the run has finished (for tests and shutdown). */
  waitFor(runId: number): Promise<void>;
  /** Kills the child processes a crashed server left running (recorded in run_children, verified
   *  by start time), then marks runs left pending/running as failed ("interrupted by restart").
   *  Called once at start-up, before any run. Returns how many runs it marked. */
  reconcile(): number;
  /** Aborts active runs and stops their child process groups; resolves when all have ended. */
  stop(): Promise<void>;
}
