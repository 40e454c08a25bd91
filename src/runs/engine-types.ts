// What the rest of the app may ask of the run engine (implemented in src/runs/engine.ts).
export interface StartOptions {
  trigger: "manual" | "scheduled";
  scheduleId?: number | null;
}

/** What an active run has done so far, as the engine knows it (the run row gets it at the end). */
export interface LiveCounters {
  files_transferred: number;
  bytes_transferred: number;
  files_deleted: number;
  /** What the whole run will move, once the destination knows (null until then). */
  files_total: number | null;
  bytes_total: number | null;
}

export interface RunEngine {
  /** Creates a run and starts it in the background; returns the run id.
   *  Throws ApiError 409 if the job already has an active run, 404 if the job does not exist,
   *  400 if its destination type cannot run yet. */
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
