// The delivery service: listens to the run events bus (and the scheduler's skips), writes one
// outbox row per matching channel, and sends from the outbox in the background. A run only
// pays for a few inserts: sending, retries (3, with backoff) and timeouts happen off its path.
// Rows are removed when sent or given up, so after a restart what was left is sent, once.
import type { Db } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import type { RunKind } from "../runs/engine-types.ts";
import type { RunEvent, RunEvents } from "../runs/events.ts";
import { getSettings } from "../settings/service.ts";
import type { Message, OutboxEvent } from "./contract.ts";
import * as q from "./queries.ts";
import { SENDERS } from "./registry.ts";
import { type Channel, channelOf } from "./service.ts";

export interface NotifierOptions {
  db: Db;
  secret: Uint8Array;
  logger: Logger;
  /** Waits before the 2nd, 3rd and 4th attempt (3 retries). */
  retryDelaysMs?: number[];
  /** Per attempt. */
  timeoutMs?: number;
  /** How often the outbox and the no_success alerts are looked at. */
  pollMs?: number;
  noSuccessEveryMs?: number;
  /** false: no timers (tests call flush/checkNoSuccess). */
  timers?: boolean;
}

const LOG_LINES = 10;

const KIND_TITLE: Record<RunKind, string> = { backup: "Backup", restore: "Restore", verify: "Verify" };

export class Notifier {
  retryDelaysMs: number[];
  timeoutMs: number;
  private inFlight = new Map<number, Promise<void>>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private alertTimer: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  private readonly db: Db;

  constructor(private readonly opts: NotifierOptions) {
    this.db = opts.db;
    this.retryDelaysMs = opts.retryDelaysMs ?? [5_000, 30_000, 120_000];
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Subscribes to the bus; with timers, also polls (startTimers). */
  start(events: RunEvents) {
    this.unsubscribe = events.subscribe((e) => this.onEvent(e));
    if (this.opts.timers !== false) this.startTimers();
  }

  /** Polls the outbox (what a restart left is sent now) and checks the no_success alerts. */
  startTimers() {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.kick(), this.opts.pollMs ?? 2_000);
    this.alertTimer = setInterval(() => this.checkNoSuccess(), this.opts.noSuccessEveryMs ?? 5 * 60_000);
    this.kick();
    this.checkNoSuccess();
  }

  async stop() {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    if (this.alertTimer) clearInterval(this.alertTimer);
    // Unfinished rows stay in the outbox for the next start.
  }

  private onEvent(e: RunEvent) {
    // Restore and verify runs tell of failure and success like backups (a verify that found
    // differences is a failure), worded by kind; run_started is the healthchecks ping of backups only.
    if (e.type === "job_started") {
      if (e.kind === "backup") this.runEvent("run_started", e.job_id, e.run_id, e.kind);
    } else if (e.type === "job_completed" && e.status !== "cancelled") this.runEvent(e.status === "completed" ? "run_succeeded" : "run_failed", e.job_id, e.run_id, e.kind, e.error_message);
    else if (e.type === "alert") {
      const job = q.jobName(this.db, e.job_id) ?? `job ${e.job_id}`;
      const title = e.kind === "reconnect_needed" ? `Reconnect the credential of: ${job}` : `Low space on the backup destination: ${job}`;
      this.publish(e.kind, e.job_id, this.message(e.kind, title, e.job_id, job, e.run_id, e.message, []));
    }
  }

  /** A schedule that could not fire because the job was running (the scheduler calls this). */
  runMissed(info: { job_id: number; due: string; active_run_id: number | null }) {
    const job = q.jobName(this.db, info.job_id) ?? `job ${info.job_id}`;
    const reason = `The schedule due at ${info.due} was skipped: the job was still running${info.active_run_id ? ` (run ${info.active_run_id})` : ""}`;
    this.publish("run_missed", info.job_id, this.message("run_missed", `Scheduled backup skipped: ${job}`, info.job_id, job, info.active_run_id, reason, []));
  }

  /** Jobs past their alert_after_hours without a successful run: one alert per stale spell (kept across restarts). */
  checkNoSuccess(now = new Date()) {
    try {
      for (const j of q.alertingJobs(this.db)) {
        const since = j.lastAt ?? j.createdAt;
        const ref = j.lastId ?? 0;
        if (j.alerted === ref) continue;
        if (now.getTime() - Date.parse(since) < (j.hours ?? 0) * 3_600_000) continue;
        q.markAlerted(this.db, j.id, ref);
        const reason = j.lastId ? `No successful run for ${j.hours} h (last success ${since}, run ${j.lastId})` : `No successful run in the ${j.hours} h since the job was created`;
        this.publish("no_success", j.id, this.message("no_success", `No successful backup: ${j.name}`, j.id, j.name, j.lastId, reason, []));
      }
    } catch (err) {
      this.opts.logger.error("notifications: no_success check failed", { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private runEvent(event: "run_started" | "run_succeeded" | "run_failed", jobId: number, runId: number, kind: RunKind, error: string | null = null) {
    const job = q.jobName(this.db, jobId) ?? `job ${jobId}`;
    const lines = event === "run_failed" ? q.lastProblemLines(this.db, runId, LOG_LINES) : [];
    const reason = event === "run_failed" ? (error ?? q.runRow(this.db, runId)?.errorMessage ?? "The run failed") : null;
    const what = KIND_TITLE[kind];
    const title = event === "run_started" ? `${what} started: ${job} (run ${runId})` : event === "run_succeeded" ? `${what} succeeded: ${job} (run ${runId})` : `${what} failed: ${job} (run ${runId})`;
    // healthchecks pings follow backups only: a restore or verify is not the job's heartbeat.
    this.publish(event, jobId, this.message(event, title, jobId, job, runId, reason, lines), kind !== "backup");
  }

  message(event: OutboxEvent, title: string, jobId: number | null, job: string | null, runId: number | null, reason: string | null, lines: string[]): Message {
    const base = getSettings(this.db).public_url ?? "";
    const url = runId !== null ? `${base}/runs/${runId}` : jobId !== null ? `${base}/jobs/${jobId}` : base || null;
    const text = [
      job !== null ? `Job: ${job}` : null,
      runId !== null ? `Run: ${runId}` : null,
      reason ? `Reason: ${reason}` : null,
      lines.length ? `Last warnings and errors:\n${lines.join("\n")}` : null,
      url ? `Details: ${url}` : null,
    ]
      .filter((l) => l !== null)
      .join("\n");
    return { event, title, text, job_id: jobId, job_name: job, run_id: runId, reason, log_lines: lines, url, at: new Date().toISOString() };
  }

  /** One outbox row per enabled channel that wants the event for this job. Never throws. */
  private publish(event: OutboxEvent, jobId: number | null, m: Message, notBackup = false) {
    try {
      for (const r of q.listChannels(this.db)) {
        if (!r.enabled) continue;
        if (jobId !== null && r.jobIds && !r.jobIds.includes(jobId)) continue;
        // healthchecks pings follow the backup runs (start, success, fail) whatever the event list says about runs.
        const ping = !notBackup && ["run_started", "run_succeeded", "run_failed"].includes(event);
        const wants = r.type === "healthchecks" ? ping || (!notBackup && r.events.includes(event)) : event !== "run_started" && r.events.includes(event);
        if (!wants) continue;
        q.enqueue(this.db, r.id, event, m as unknown as Record<string, unknown>);
      }
    } catch (err) {
      this.opts.logger.error("notifications: could not queue", { event, error: err instanceof Error ? err.message : String(err) });
    }
    this.kick();
  }

  /** Starts sending what is due (not awaited by callers on a run's path). */
  kick() {
    if (this.stopped) return;
    queueMicrotask(() => void this.flush(false));
  }

  /** Sends every due row; with wait, resolves when those sends are over (tests, shutdown). */
  async flush(wait = true): Promise<void> {
    let rows: q.OutboxRow[];
    try {
      rows = q.dueOutbox(this.db, new Date().toISOString(), [...this.inFlight.keys()]);
    } catch {
      return;
    }
    for (const row of rows) {
      const p = this.deliver(row).finally(() => this.inFlight.delete(row.id));
      this.inFlight.set(row.id, p);
    }
    if (wait) await Promise.all(this.inFlight.values());
  }

  /** Waits until the outbox is empty (tests). */
  async drain(limitMs = 30_000) {
    const end = Date.now() + limitMs;
    while (Date.now() < end) {
      await this.flush(true);
      if (q.countOutbox(this.db) === 0) return;
      await Bun.sleep(20);
    }
  }

  private async deliver(row: q.OutboxRow) {
    const channelRow = q.findChannel(this.db, row.channelId);
    let channel: Channel | null = null;
    let error: string | null = null;
    try {
      channel = channelRow ? channelOf(this.opts.secret, channelRow) : null;
      if (!channel) error = "the channel's type is unknown";
    } catch {
      error = "the channel's secrets cannot be decrypted with this data folder's key";
    }
    if (channel) error = await this.attempt(channel, row.message as unknown as Message);
    if (error === null) {
      q.recordAttempt(this.db, row, "sent", null, null);
      return;
    }
    const delay = channel ? this.retryDelaysMs[row.attempts] : undefined;
    const retryAt = delay === undefined ? null : new Date(Date.now() + delay).toISOString();
    q.recordAttempt(this.db, row, "failed", error, retryAt);
    this.opts.logger.warn(retryAt ? "notification failed, will retry" : "notification failed, given up", { channel_id: row.channelId, event: row.event, attempt: row.attempts + 1, error });
    if (retryAt && delay !== undefined) setTimeout(() => this.kick(), delay + 5);
  }

  /** One try: null when sent, else why not (no secret in it). */
  async attempt(channel: Channel, m: Message): Promise<string | null> {
    try {
      await SENDERS[channel.type].send(channel.config, m, AbortSignal.timeout(this.timeoutMs));
      return null;
    } catch (err) {
      return scrub(err instanceof Error ? err.message : String(err), channel);
    }
  }

  /** A test message, sent now (not through the outbox), recorded as a delivery. */
  async test(channel: Channel): Promise<{ success: boolean; message: string }> {
    const m = this.message("test", "Dynamight test notification", null, null, null, `Test of the channel "${channel.name}"`, []);
    const error = await this.attempt(channel, m);
    q.recordDelivery(this.db, channel.id, "test", error ? "failed" : "sent", error);
    return error ? { success: false, message: `Not delivered: ${error}` } : { success: true, message: `Test message sent through ${SENDERS[channel.type].name}` };
  }
}

/** Removes any secret value of the channel from an error text (URLs with keys end up in fetch errors). */
function scrub(text: string, channel: Channel): string {
  let out = text;
  for (const f of SENDERS[channel.type].fields) {
    const v = channel.config[f.name];
    if (f.secret && typeof v === "string" && v.length >= 4) out = out.split(v).join("****");
  }
  return out.slice(0, 500);
}
