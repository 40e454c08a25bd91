// Fires enabled schedules of enabled jobs through the run engine.
// One timer for all schedules, never sleeping more than 30 s, so a wall-clock jump (NTP, suspend)
// is noticed quickly. Each schedule's next time comes from croner (time zones, DST), computed
// from the previous due time, so a run is neither doubled nor skipped across DST changes.
// `tick(now)` is the whole firing logic; tests drive it with a fake clock instead of waiting.
import type { Cron } from "croner";
import type { AppContext } from "../context.ts";
import { ApiError } from "../http/errors.ts";
import type { RunEngine } from "../runs/engine-types.ts";
import { compile } from "./cron.ts";
import * as q from "./queries.ts";
import { definitionOf } from "./service.ts";

const MAX_SLEEP_MS = 30_000;

export interface SchedulerOptions {
  /** The clock; tests pass a fake one. */
  now?: () => Date;
  /** false: no background timer, the caller drives `tick` (tests). */
  timers?: boolean;
  /** Told when a due time is skipped because the job was running (notifications' run_missed). Must not throw. */
  onSkipped?: (info: { job_id: number; due: string; active_run_id: number | null }) => void;
}

interface Armed {
  scheduleId: number;
  jobId: number;
  jobName: string;
  cron: Cron;
  /** The definition it was armed with, to tell a re-arm of the same schedule from a change. */
  key: string;
  next: Date | null;
}

export type FireResult = "started" | "skipped" | "failed";

export interface SchedulerStats {
  /** How late the last timer fire was, in seconds (catch-up fires are not counted). */
  lastLagSeconds: number;
  maxLagSeconds: number;
  fires: Record<FireResult, number>;
  caughtUp: number;
}

export class Scheduler {
  private armed = new Map<number, Armed>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private started = false;
  private stopped = false;
  private failure: string | null = null;
  private readonly now: () => Date;
  private readonly timers: boolean;
  private readonly onSkipped: SchedulerOptions["onSkipped"];
  readonly stats: SchedulerStats = { lastLagSeconds: 0, maxLagSeconds: 0, fires: { started: 0, skipped: 0, failed: 0 }, caughtUp: 0 };

  constructor(
    private readonly ctx: AppContext,
    private readonly engine: RunEngine,
    opts: SchedulerOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.timers = opts.timers ?? true;
    this.onSkipped = opts.onSkipped;
    ctx.health.register("scheduler", () => {
      if (this.failure) return { ready: false, error: this.failure };
      if (this.stopped) return { ready: false, error: "stopped" };
      return this.started ? { ready: true, error: null } : { ready: false, error: "not started" };
    });
  }

  /** Arms every schedule, runs the missed ones once (catch-up), then starts the timer. */
  start() {
    try {
      this.load(undefined, true);
      this.catchUp(this.now());
      this.started = true;
      this.arm();
      this.ctx.logger.info("scheduler started", { schedules: this.armed.size });
    } catch (err) {
      this.failure = `scheduler failed to start: ${err instanceof Error ? err.message : String(err)}`;
      this.ctx.logger.error(this.failure);
    }
  }

  /**
   * Re-reads the schedules of one job (or of all) after a change: schedule created, updated or
   * deleted, job updated, enabled, disabled or deleted. Cheap; call it after every such write.
   */
  rearm(jobId?: number) {
    if (!this.started || this.stopped) return;
    try {
      this.load(jobId, false);
      this.arm();
    } catch (err) {
      this.ctx.logger.error("scheduler re-arm failed", { job_id: jobId ?? "all", error: err instanceof Error ? err.message : String(err) });
    }
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const a of this.armed.values()) a.cron.stop();
    this.armed.clear();
  }

  /** What is armed, soonest first (for tests and diagnostics). */
  armedSchedules(): { schedule_id: number; job_id: number; next_run: string | null }[] {
    return [...this.armed.values()]
      .sort((a, b) => (a.next?.getTime() ?? Infinity) - (b.next?.getTime() ?? Infinity))
      .map((a) => ({ schedule_id: a.scheduleId, job_id: a.jobId, next_run: a.next?.toISOString() ?? null }));
  }

  /** Fires every armed schedule whose next time has come, and moves it to its following time. */
  tick(now: Date = this.now()) {
    if (this.stopped) return;
    for (const a of [...this.armed.values()]) {
      if (!a.next || a.next.getTime() > now.getTime()) continue;
      const due = a.next;
      // From the later of due and now: after a long stall, missed times collapse into this one fire.
      a.next = a.cron.nextRun(due.getTime() >= now.getTime() ? due : now);
      this.fire(a, due, now, "timer");
    }
    this.arm();
  }

  private load(jobId: number | undefined, initial: boolean) {
    const previous = new Map<number, Armed>();
    for (const [id, a] of this.armed) {
      if (jobId === undefined || a.jobId === jobId) {
        previous.set(id, a);
        a.cron.stop();
        this.armed.delete(id);
      }
    }
    const now = this.now();
    for (const row of q.armableSchedules(this.ctx.db, jobId)) {
      const def = definitionOf(row);
      const key = JSON.stringify(def);
      let cron: Cron;
      try {
        cron = compile(def);
      } catch (err) {
        this.ctx.logger.error("schedule cannot be armed", { schedule_id: row.id, job_id: row.jobId, error: (err as Error).message });
        continue;
      }
      const before = previous.get(row.id);
      // Catch-up is for time the server was down, not time the schedule or job was disabled:
      // a schedule armed anew while running starts counting from now.
      if (!initial && !before) q.setLastFired(this.ctx.db, row.id, now.toISOString());
      // An unchanged schedule keeps its pending time: re-arming in the very second it is due
      // (a job edited at 02:00:00) must not move it to tomorrow.
      const next = before && before.key === key ? before.next : cron.nextRun(now);
      this.armed.set(row.id, { scheduleId: row.id, jobId: row.jobId, jobName: row.jobName, cron, key, next });
    }
  }

  private catchUp(now: Date) {
    for (const row of q.armableSchedules(this.ctx.db)) {
      const a = this.armed.get(row.id);
      if (!a || !row.catchUp) continue;
      const base = new Date(row.lastFiredAt ?? row.createdAt);
      const missed = a.cron.previousRuns(1, now)[0];
      if (!missed || missed.getTime() <= base.getTime()) continue;
      this.stats.caughtUp++;
      this.ctx.logger.info("catching up a scheduled run missed while the server was down", { schedule_id: row.id, job_id: row.jobId, due: missed.toISOString() });
      this.fire(a, missed, now, "catch-up");
    }
  }

  private fire(a: Armed, due: Date, now: Date, reason: "timer" | "catch-up"): FireResult {
    // The row may have changed since it was armed (a writer that forgot to re-arm): re-check.
    const current = q.armableSchedules(this.ctx.db, a.jobId).find((r) => r.id === a.scheduleId);
    if (!current) {
      a.cron.stop();
      this.armed.delete(a.scheduleId);
      return "skipped";
    }
    if (reason === "timer") {
      const lag = Math.max(0, (now.getTime() - due.getTime()) / 1000);
      this.stats.lastLagSeconds = lag;
      this.stats.maxLagSeconds = Math.max(this.stats.maxLagSeconds, lag);
    }
    const fields = { schedule_id: a.scheduleId, job_id: a.jobId, job_name: current.jobName, action: current.action, due: due.toISOString() };
    let result: FireResult;
    const active = this.engine.activeRun(a.jobId);
    if (active !== null) {
      result = "skipped";
      this.ctx.logger.warn("scheduled run skipped: the job is already running", { ...fields, active_run_id: active });
    } else {
      try {
        // The action as the row says now: a schedule switched to verify starts a verify run.
        const runId = this.engine.start(a.jobId, { trigger: "scheduled", scheduleId: a.scheduleId, kind: current.action });
        result = "started";
        this.ctx.logger.info(reason === "catch-up" ? "scheduled run started (catch-up)" : "scheduled run started", { ...fields, run_id: runId });
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          result = "skipped";
          this.ctx.logger.warn("scheduled run skipped: the job is already running", fields);
        } else {
          result = "failed";
          this.ctx.logger.error("scheduled run could not start", { ...fields, error: err instanceof Error ? err.message : String(err) });
        }
      }
    }
    this.stats.fires[result]++;
    if (result === "skipped") this.onSkipped?.({ job_id: a.jobId, due: due.toISOString(), active_run_id: active });
    // Recorded whatever happened, so a skipped or refused time is not "caught up" after a restart.
    q.setLastFired(this.ctx.db, a.scheduleId, due.toISOString());
    return result;
  }

  private arm() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.timers || this.stopped || !this.started) return;
    let soonest = Infinity;
    for (const a of this.armed.values()) if (a.next) soonest = Math.min(soonest, a.next.getTime());
    if (soonest === Infinity) return;
    const delay = Math.min(Math.max(soonest - this.now().getTime(), 0), MAX_SLEEP_MS);
    this.timer = setTimeout(() => {
      this.timer = null;
      try {
        this.tick();
      } catch (err) {
        this.ctx.logger.error("scheduler tick failed", { error: err instanceof Error ? err.message : String(err) });
        this.arm();
      }
    }, delay);
    // The HTTP listener keeps the process alive; the scheduler alone must not.
    (this.timer as { unref?: () => void }).unref?.();
  }
}
