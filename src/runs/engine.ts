// The run engine: one active run per job whatever its kind, pending → running → completed|failed|cancelled.
// It knows destinations only through the Destination interface (destinations/contract.ts). Every
// kind shares the machinery (the 409, live log and counters, cancel, children, history, retention,
// events); what differs is the body: a backup checks the sources and calls the destination's sync,
// a restore or verify is a RunBody (engine-types.ts) run with the drive mounted and a store opener.
import { eq } from "drizzle-orm";
import { markNeedsReconnect, openCredentialData, openEncryption, saveCredentialData } from "../credentials/service.ts";
import type { Db } from "../db/client.ts";
import { recordDb } from "../db/record.ts";
import { jobs } from "../db/schema.ts";
import { type Destination, DestinationError, normalizeSyncOptions, type RecordDb, type SyncOptions, type SyncRequest } from "../destinations/contract.ts";
import { checkRequestSources } from "../destinations/engine/sources.ts";
import { destinationFor, isDestinationType } from "../destinations/registry.ts";
import { badRequest, conflict, notFound } from "../http/errors.ts";
import type { Logger } from "../logger.ts";
import { type ChildRecord, recordedChildAlive, stopGroups, stopGroupsSync, withChildOwner } from "../system/children.ts";
import { checkJobPaths, refusedAtRun } from "../system/host-paths.ts";
import type { LiveCounters, RunBody, RunContext, RunEngine, RunKind, RunOutcome, StartOptions } from "./engine-types.ts";
import type { RunEvents } from "./events.ts";
import { RunLogWriter } from "./logs.ts";
import * as q from "./queries.ts";
import { withDriveReady, withOpenStore } from "./store-access.ts";

export const INTERRUPTED_MESSAGE = "interrupted by restart";
/** job_progress is emitted at most this often per run. */
export const PROGRESS_INTERVAL_MS = 250;
/** On shutdown, a run's children get this long after SIGTERM before their groups get SIGKILL. */
export const STOP_GRACE_MS = 5000;
/** The same at start-up, for children a crashed process left behind (nothing is waiting on them). */
export const LEFTOVER_GRACE_MS = 2000;

export interface EngineDeps {
  db: Db;
  events: RunEvents;
  logger: Logger;
  secret: Uint8Array;
  dataDir: string;
  /** ALLOWED_BROWSE_PATHS: job sources and local destinations must stay inside (checked before each run). */
  allowedRoots: string[];
  /** Read at the end of each run, so a settings change applies to the next prune. */
  maxRunsPerJob: () => number;
  logCap?: number;
  /** The clock a run's start is read from (versions are named and expire by it); tests drive it. */
  now?: () => number;
}

interface Active {
  runId: number;
  jobId: number;
  kind: RunKind;
  controller: AbortController;
  done: Promise<void>;
  /** Its child processes still running, with their run_children row ids. */
  children: Map<ChildRecord, number>;
  /** What the run has done so far; null from the moment its final values go into the run row. */
  live: LiveCounters | null;
}

type JobRow = typeof jobs.$inferSelect;

export class Engine implements RunEngine {
  private active = new Map<number, Active>();
  private byRun = new Map<number, Active>();
  private stopping = false;

  /** The mirror engine's record, on the app's database (see db/record.ts). */
  private readonly record: RecordDb;
  /** Bodies of the kinds other than backup, for starts that bring none (a scheduled verify). */
  private readonly bodies = new Map<RunKind, RunBody>();

  constructor(private readonly deps: EngineDeps) {
    this.record = recordDb(deps.db, deps.dataDir);
  }

  /** The body a `kind` runs when start() is given none (e.g. verify, for its schedules). */
  register(kind: Exclude<RunKind, "backup">, body: RunBody) {
    this.bodies.set(kind, body);
  }

  start(jobId: number, opts: StartOptions): number {
    if (this.stopping) throw conflict("The server is shutting down");
    const kind = opts.kind ?? "backup";
    const body = opts.body ?? (kind === "backup" ? null : this.bodies.get(kind));
    if (body === undefined) throw badRequest(`Runs of kind '${kind}' are not built in this version`);
    const running = this.active.get(jobId);
    if (running) throw conflict(`Job is already running (run ${running.runId})`, { run_id: running.runId });
    const job = this.deps.db.select().from(jobs).where(eq(jobs.id, jobId)).get();
    if (!job) throw notFound("Job not found");
    if (!isDestinationType(job.destinationType)) throw badRequest(`Destination type '${job.destinationType}' is not known to this version`);
    const dest = destinationFor(job.destinationType);
    if (!dest.sync || !dest.capabilities.sync_implemented) {
      throw badRequest(`Destination type '${dest.type}' (${dest.name}) cannot run yet: its sync is not built in this version`);
    }
    if (body && !dest.openStore) throw badRequest(`Destination type '${dest.type}' (${dest.name}) cannot be read back in this version`);
    // Synchronous from the check above to here: two requests cannot both pass the 409.
    const runId = q.insertRun(this.deps.db, jobId, { kind, trigger: opts.trigger, scheduleId: opts.scheduleId ?? null });
    const controller = new AbortController();
    const entry: Active = {
      runId,
      jobId,
      kind,
      controller,
      done: Promise.resolve(),
      children: new Map(),
      live: { files_transferred: 0, bytes_transferred: 0, files_deleted: 0, files_checked: 0, differences: 0, files_total: null, bytes_total: null },
    };
    this.active.set(jobId, entry);
    this.byRun.set(runId, entry);
    entry.done = new Promise<void>((resolve) => setTimeout(resolve, 0))
      .then(() => this.execute(job, dest, entry, body))
      .catch((err) => this.deps.logger.error("run engine failure", { run: runId, error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        this.active.delete(jobId);
        this.byRun.delete(runId);
      });
    return runId;
  }

  async cancel(jobId: number): Promise<boolean> {
    const entry = this.active.get(jobId);
    if (!entry) return false;
    entry.controller.abort();
    await entry.done;
    return true;
  }

  activeRun(jobId: number): number | null {
    return this.active.get(jobId)?.runId ?? null;
  }

  activeRunIds(): number[] {
    return [...this.byRun.keys()];
  }

  live(runId: number): LiveCounters | null {
    const live = this.byRun.get(runId)?.live;
    return live ? { ...live } : null;
  }

  async waitFor(runId: number): Promise<void> {
    await this.byRun.get(runId)?.done;
  }

  reconcile(): number {
    const active = this.activeRunIds();
    if (active.length) throw new Error("reconcile() is for start-up, before any run starts");
    // First the processes: a run marked failed may be started again, and must not find the
    // previous rsync still writing into the same destination.
    this.stopLeftoverChildren();
    const n = q.failInterrupted(this.deps.db, INTERRUPTED_MESSAGE, new Date().toISOString());
    if (n) this.deps.logger.warn(`${n} run(s) left unfinished by the previous process marked failed`);
    return n;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const all = [...this.active.values()];
    for (const a of all) a.controller.abort(new ShutdownAbort());
    // The abort asks each destination to stop its work; the process groups are stopped here
    // too, so a child that does not listen to the abort (a mount, or anything ignoring SIGTERM)
    // does not outlive the server either.
    const pgids = all.flatMap((a) => [...a.children.keys()].map((c) => c.pid));
    const [stuck] = await Promise.all([stopGroups(pgids, STOP_GRACE_MS), ...all.map((a) => a.done)]);
    if (stuck.length) this.deps.logger.error("child processes still alive after SIGKILL at shutdown", { process_groups: stuck.join(",") });
  }

  /** Kills what a crashed process left running (recorded in run_children), logging each. */
  private stopLeftoverChildren() {
    const { db, events, logger } = this.deps;
    const rows = q.listChildren(db);
    if (rows.length === 0) return;
    const alive = rows.filter((c) => recordedChildAlive(c));
    const stuck = new Set(
      stopGroupsSync(
        alive.map((c) => c.pid),
        LEFTOVER_GRACE_MS,
      ),
    );
    for (const c of alive) {
      const what = `${c.command} (pid ${c.pid}) left running by the previous server process`;
      const message = stuck.has(c.pid) ? `${what} could not be stopped (stuck in disk I/O?)` : `${what} was stopped`;
      if (stuck.has(c.pid)) logger.error(message, { run: c.runId });
      else logger.warn(message, { run: c.runId });
      const log = new RunLogWriter(db, events, c.runId);
      log.write(stuck.has(c.pid) ? "error" : "warning", message, true);
      log.close();
    }
    q.clearChildren(db);
  }

  private async execute(job: JobRow, dest: Destination, entry: Active, body: RunBody | null) {
    const { db, events } = this.deps;
    const { runId, kind } = entry;
    const signal = entry.controller.signal;
    // Every child the sync spawns (rsync, mount, ...) is recorded with the run while it lives.
    const owner = {
      added: (c: ChildRecord) => {
        // In the map before the insert: even if the row cannot be written, shutdown stops it.
        entry.children.set(c, -1);
        entry.children.set(c, q.insertChild(db, runId, c));
      },
      removed: (c: ChildRecord) => {
        const id = entry.children.get(c);
        entry.children.delete(c);
        if (id !== undefined && id !== -1) q.deleteChild(db, id);
      },
    };
    const log = new RunLogWriter(db, events, runId, this.deps.logCap);
    const counters = entry.live!;
    const alerted = new Set<string>();
    let lastProgress = 0;
    let progressTimer: ReturnType<typeof setTimeout> | null = null;
    const emitProgress = () => {
      progressTimer = null;
      lastProgress = performance.now();
      events.emit({ type: "job_progress", job_id: job.id, run_id: runId, kind, ...counters });
    };

    let status: "completed" | "failed" | "cancelled" = "failed";
    let errorMessage: string | null = null;
    let result: RunOutcome | null = null;
    const started = Date.now();
    const startedAt = this.deps.now?.() ?? started;
    try {
      if (signal.aborted) throw new DestinationError("cancelled", "Cancelled before it started");
      q.markRunning(db, runId, new Date().toISOString());
      events.emit({ type: "job_started", job_id: job.id, run_id: runId, kind, job_name: job.name });
      const dry = kind === "backup" && (job.syncOptions as Partial<SyncOptions>).dry_run ? ", dry run" : "";
      log.write("info", `${KIND_WORD[kind]}un ${runId} of "${job.name}" started (${dest.name}${dry})`, true);

      const options = normalizeSyncOptions(job.syncOptions);
      const config = parseStoredConfig(dest, job.destinationConfig);
      const credential = job.credentialId === null ? null : openCredentialData(db, this.deps.secret, job.credentialId);
      if (dest.capabilities.requires_credentials && !credential) throw new DestinationError("config", `${dest.name} needs a credential: choose one in the job`);
      // The guard rails again (a folder can have become a symlink out since the save), then existence.
      checkJobPaths(job.sourceDirs, dest, config, { allowedBrowsePaths: this.deps.allowedRoots, dataDir: this.deps.dataDir }, refusedAtRun);
      // Opened here for every kind of run: restore, verify and versions read through the same store.
      const encryption = openEncryption(db, this.deps.secret, options);
      const report: SyncRequest<unknown>["report"] = {
        log: (level, message) => log.write(level, message),
        progress: (d) => {
          counters.files_transferred += d.files ?? 0;
          counters.bytes_transferred += d.bytes ?? 0;
          counters.files_deleted += d.deleted ?? 0;
          counters.files_checked += d.checked ?? 0;
          counters.differences += d.differences ?? 0;
          if (progressTimer) return;
          const wait = PROGRESS_INTERVAL_MS - (performance.now() - lastProgress);
          if (wait <= 0) emitProgress();
          else progressTimer = setTimeout(emitProgress, wait);
        },
        totals: (t) => {
          counters.files_total = t.files;
          counters.bytes_total = t.bytes;
        },
        alert: (a) => {
          // Once per kind and run: a destination may notice the same thing before and after.
          if (alerted.has(a.kind)) return;
          alerted.add(a.kind);
          events.emit({ type: "alert", kind: a.kind, job_id: job.id, run_id: runId, message: a.message });
        },
      };
      // What an OAuth store needs to save refreshed tokens and say the grant is gone, for every kind of run.
      const credentialId = job.credentialId;
      const oauthHooks =
        credentialId === null
          ? {}
          : {
              updateCredential: async (data: Record<string, string>) => saveCredentialData(db, this.deps.secret, credentialId, data),
              reconnectNeeded: (message: string) => {
                markNeedsReconnect(db, credentialId);
                report.alert?.({ kind: "reconnect_needed", message });
              },
              log: report.log,
            };
      if (body) {
        const rc: RunContext = {
          runId,
          job: { id: job.id, name: job.name, sourceDirs: job.sourceDirs },
          destination: dest,
          config,
          credential,
          options,
          signal,
          report,
          dataDir: this.deps.dataDir,
          allowedRoots: this.deps.allowedRoots,
          withStore: (fn) => withOpenStore(dest, config, credential, this.deps.dataDir, fn, { encryption, warn: (m) => report.log("warning", m), ...oauthHooks }),
        };
        result = await withChildOwner(owner, () => withDriveReady(dest, config, report, this.deps.allowedRoots, () => body(rc)));
        if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
        status = result.failed ? "failed" : "completed";
        errorMessage = result.failed ?? null;
      } else {
        const req: SyncRequest<typeof config> = {
          runId,
          jobId: job.id,
          sources: job.sourceDirs,
          config,
          credential,
          options,
          signal,
          dataDir: this.deps.dataDir,
          record: this.record,
          updateCredential: async (data) => {
            if (job.credentialId === null) throw new DestinationError("config", `${dest.name} refreshed a credential but the job has none`);
            saveCredentialData(db, this.deps.secret, job.credentialId, data);
          },
          markNeedsReconnect: () => {
            if (job.credentialId !== null) markNeedsReconnect(db, job.credentialId);
          },
          allowedRoots: this.deps.allowedRoots,
          startedAt,
          encryption,
          report,
        };
        // The one source check (destinations/engine/sources.ts), before the destination is called: the remote engine
        // sees this request as checked and does not check again.
        checkRequestSources(req);
        result = await withChildOwner(owner, () => dest.sync!(req));
        if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
        status = "completed";
      }
    } catch (err) {
      if (signal.reason instanceof ShutdownAbort) {
        status = "failed";
        errorMessage = "interrupted by server shutdown";
      } else if (signal.aborted || (err instanceof DestinationError && err.kind === "cancelled")) {
        status = "cancelled";
        errorMessage = "Cancelled by user";
      } else {
        status = "failed";
        errorMessage = describeError(err);
        if (!(err instanceof DestinationError)) this.deps.logger.error("run failed unexpectedly", { run: runId, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      }
    }
    if (progressTimer) clearTimeout(progressTimer);

    const final = {
      filesTransferred: result?.filesTransferred ?? counters.files_transferred,
      bytesTransferred: result?.bytesTransferred ?? counters.bytes_transferred,
      filesDeleted: result?.filesDeleted ?? counters.files_deleted,
      versionsPruned: result?.versionsPruned ?? 0,
      filesChecked: result?.filesChecked ?? 0,
      differences: result?.differences ?? 0,
    };
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    log.noteTruncation();
    const pruned = final.versionsPruned ? `, ${final.versionsPruned} old version(s) pruned` : "";
    const summary = result?.summary ?? `${final.filesTransferred} file(s) copied (${final.bytesTransferred} bytes), ${final.filesDeleted} deleted${pruned}`;
    if (status === "completed") log.write("info", `Completed in ${secs} s: ${summary}`, true);
    else if (status === "cancelled") log.write("warning", `Cancelled after ${secs} s`, true);
    else log.write("error", `Failed after ${secs} s: ${errorMessage}`, true);
    log.close();

    // From here the row is the truth: live() answers null, so no reader overlays the counters
    // reported so far on the final ones.
    entry.live = null;
    q.finishRun(db, runId, { status, completedAt: new Date().toISOString(), ...final, errorMessage });
    events.emit({
      type: "job_completed",
      job_id: job.id,
      run_id: runId,
      kind,
      job_name: job.name,
      status,
      files_transferred: final.filesTransferred,
      bytes_transferred: final.bytesTransferred,
      files_deleted: final.filesDeleted,
      error_message: errorMessage,
    });
    this.prune(job.id);
  }

  private prune(jobId: number) {
    try {
      const max = this.deps.maxRunsPerJob();
      const pruned = q.pruneJobRuns(this.deps.db, jobId, max, this.activeRunIds());
      if (pruned) this.deps.logger.debug(`pruned ${pruned} old run(s) of job ${jobId}`);
    } catch (err) {
      this.deps.logger.warn("pruning old runs failed", { job: jobId, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

class ShutdownAbort extends Error {}

/** The first word of a run's first log line. */
const KIND_WORD: Record<RunKind, string> = { backup: "R", restore: "Restore r", verify: "Verify r" };

function parseStoredConfig(dest: Destination, raw: unknown) {
  try {
    return dest.parseConfig(raw);
  } catch (err) {
    if (err instanceof DestinationError) throw new DestinationError("config", `The job's destination settings are no longer valid: ${err.message}`);
    throw err;
  }
}

const KIND_PREFIX: Partial<Record<DestinationError["kind"], string>> = {
  auth: "Authentication failed",
  permission: "Permission denied",
  not_found: "Not found",
  unavailable: "Destination unavailable",
  config: "Configuration error",
  source: "Source problem",
};

export function describeError(err: unknown): string {
  if (err instanceof DestinationError) {
    const prefix = KIND_PREFIX[err.kind];
    return prefix && !err.message.toLowerCase().startsWith(prefix.toLowerCase()) ? `${prefix}: ${err.message}` : err.message;
  }
  return `Unexpected error: ${err instanceof Error ? err.message : String(err)}`;
}
