// One job on the dashboard. The card re-renders itself (hx-trigger "dm:refresh", fired by
// public/js/live.js on job_started/job_completed); job_progress only updates its counters.
import { escapeHtml } from "@kitajs/html";
import { ErrorAlert, formatBytes, formatDuration, StatusBadge, Time } from "./format.tsx";
import type { JobProps, ProgressProps, RunStatus } from "./types.ts";

export interface JobCardProps {
  job: JobProps;
  /** The job's active run, when there is one. */
  activeRunId: number | null;
  progress?: ProgressProps | null;
  providerName?: string;
  error?: string | null;
  /** On the job's own page, whose heading already names it. */
  compact?: boolean;
}

// While a run is active the card also re-reads itself now and then: a job_completed that lands
// before the "Run now" answer is swapped in would otherwise leave the card showing "running".
export const ACTIVE_TRIGGER = "dm:refresh, every 5s";

export function nextRunOf(job: JobProps): string | null {
  if (!job.enabled) return null;
  const times = job.schedules.map((s) => s.next_run).filter((t): t is string => !!t);
  times.sort();
  return times[0] ?? null;
}

export function jobStatus(job: JobProps, activeRunId: number | null): RunStatus | null {
  // "pending" lasts a moment before the transfer starts: to a person the job is running.
  if (activeRunId !== null) return "running";
  return job.last_run?.status ?? null;
}

/** How much of a failure message the card shows; the whole text is in its title. */
export const REASON_MAX = 200;

export function shortReason(message: string): string {
  const text = message.trim();
  if (text.length <= REASON_MAX) return text;
  return `${text.slice(0, REASON_MAX - 1).trimEnd()}…`;
}

/**
 * Why the last run failed (its error message, linked to the run) and since when the job fails:
 * the oldest run of the current streak of failed runs, with the count when it is more than one.
 * Cancelled runs are not part of a streak, so "Failing since" can stand under a cancelled run.
 */
export function FailureNotice(props: { job: JobProps }) {
  const { job } = props;
  const run = job.last_run;
  const reason = run?.status === "failed" ? (run.error_message ?? "").trim() || "No reason was recorded." : null;
  if (reason === null && !job.failing_since) return "";
  const count = job.failed_runs_in_a_row;
  return (
    <div class="failure">
      {reason !== null && run ? (
        <p class="failure-reason m0">
          {/* kitajs escapes only quotes in attributes: the title is escaped whole. */}
          <a href={`/runs/${run.id}`} title={escapeHtml(reason)} safe>
            {shortReason(reason)}
          </a>
        </p>
      ) : (
        ""
      )}
      {job.failing_since ? (
        <p class="failure-since small m0">
          Failing since <Time iso={job.failing_since} />
          {count > 1 ? ` · ${count} failed runs in a row` : ""}
        </p>
      ) : (
        ""
      )}
    </div>
  );
}

/** Percent of `done` over `total`, or null when the total is unknown. */
export function percentOf(done: number, total: number | null | undefined): number | null {
  if (!total || total <= 0) return null;
  return Math.min(100, Math.floor((done / total) * 100));
}

/**
 * An active run's progress: bar, % of bytes and files once the destination knows its totals,
 * speed and time left, and a duration that ticks. Rendered by the server (average speed so far),
 * then kept current by public/js/live.js from job_progress (speed over the last updates).
 */
export function LiveProgress(props: { jobId: number; runId: number; progress?: ProgressProps | null; startedAt?: string | null; logLink?: boolean }) {
  const p = props.progress;
  const done = p?.bytes_transferred ?? 0;
  const total = p?.bytes_total ?? null;
  const pct = percentOf(done, total);
  const filesPct = percentOf(p?.files_transferred ?? 0, p?.files_total ?? null);
  const elapsed = props.startedAt ? Math.max(0, (Date.now() - Date.parse(props.startedAt)) / 1000) : null;
  const speed = elapsed && elapsed >= 1 && done > 0 ? done / elapsed : null;
  const eta = speed && total ? Math.max(0, (total - done) / speed) : null;
  const run = String(props.runId);
  const text = {
    pct: pct === null ? "" : `${pct}%`,
    filesTotal: p?.files_total ? ` of ${p.files_total}` : "",
    filesPct: filesPct === null ? "" : ` (${filesPct}%)`,
    bytesTotal: total ? ` of ${formatBytes(total)}` : "",
    speed: speed ? `${formatBytes(speed)}/s` : "",
    eta: eta === null ? "" : `${formatDuration(eta)} left`,
  };
  return (
    <div class="live-progress" data-progress-for={String(props.jobId)} data-progress-run={run} data-started={props.startedAt ?? undefined}>
      {/* No value = indeterminate bar until the destination reports totals. */}
      <progress class="bar" data-bar-for-run={run} max={total ? String(total) : undefined} value={total ? String(Math.min(done, total)) : undefined} aria-label="Progress"></progress>
      <div class="progress-line small">
        <strong data-pct-for-run={run} safe>
          {text.pct}
        </strong>
        <span>
          <span data-files-for-run={run}>{p?.files_transferred ?? 0}</span>
          <span data-files-total-for-run={run} safe>
            {text.filesTotal}
          </span>{" "}
          files
          <span class="muted" data-files-pct-for-run={run} safe>
            {text.filesPct}
          </span>
        </span>
        <span>
          <span data-bytes-for-run={run} safe>
            {formatBytes(done)}
          </span>
          <span data-bytes-total-for-run={run} safe>
            {text.bytesTotal}
          </span>
        </span>
        <span data-speed-for-run={run} safe>
          {text.speed}
        </span>
        <span data-eta-for-run={run} safe>
          {text.eta}
        </span>
        <span class="muted">
          running for{" "}
          <span data-ticking-since={props.startedAt ?? undefined} safe>
            {formatDuration(elapsed)}
          </span>
        </span>
        {props.logLink === false ? "" : <a href={`/runs/${props.runId}`}>live log</a>}
      </div>
      <div class="muted small mono current-file" data-file-for-run={run}></div>
    </div>
  );
}

export function JobCard(props: JobCardProps) {
  const { job } = props;
  const status = jobStatus(job, props.activeRunId);
  const active = props.activeRunId !== null;
  const activeStart = active && job.last_run?.id === props.activeRunId ? job.last_run.started_at : null;
  // The card re-renders itself from these routes: they must know which variant it is.
  const q = props.compact ? "?compact=1" : "";
  return (
    <article
      class="card job-card"
      id={`job-${job.id}`}
      data-job-id={String(job.id)}
      data-active={active ? "true" : "false"}
      data-last-status={job.last_run?.status ?? "none"}
      hx-get={`/jobs/${job.id}/card${q}`}
      hx-trigger={active ? ACTIVE_TRIGGER : "dm:refresh"}
      hx-swap="outerHTML"
    >
      <div class="row job-card-head">
        {props.compact ? (
          <h2 class="m0 job-title">Status</h2>
        ) : (
          <h2 class="m0 job-title">
            <a href={`/jobs/${job.id}`} safe>
              {job.name}
            </a>
          </h2>
        )}
        <span class="spacer"></span>
        {job.enabled ? "" : <span class="badge">Disabled</span>}
        <StatusBadge status={status} />
      </div>
      {job.description ? (
        <p class="muted small m0" safe>
          {job.description}
        </p>
      ) : (
        ""
      )}
      <dl class="facts">
        {/* While a run is active its start is "Running since"; "Last run" is then the one before (its row is not listed here). */}
        <dt>{active ? "Running since" : "Last run"}</dt>
        <dd>
          {active ? (
            <a href={`/runs/${props.activeRunId}`}>{activeStart ? <Time iso={activeStart} /> : "starting…"}</a>
          ) : job.last_run ? (
            <a href={`/runs/${job.last_run.id}`}>
              {job.last_run.kind === "backup" ? "" : <span class="muted">{job.last_run.kind === "restore" ? "Restore · " : "Verify · "}</span>}
              <Time iso={job.last_run.started_at} empty="not started" />
            </a>
          ) : (
            <span class="muted">never</span>
          )}
        </dd>
        <dt>Next run</dt>
        <dd>
          <Time iso={nextRunOf(job)} empty={job.enabled ? "not scheduled" : "disabled"} />
        </dd>
        <dt>To</dt>
        <dd safe>{props.providerName ?? job.destination_type}</dd>
      </dl>
      <FailureNotice job={job} />
      {active ? <LiveProgress jobId={job.id} runId={props.activeRunId!} progress={props.progress} startedAt={activeStart} /> : ""}
      <ErrorAlert message={props.error} />
      <div class="row actions">
        {active ? (
          <button type="submit" class="btn btn-danger small-btn" hx-post={`/jobs/${job.id}/cancel${q}`} hx-target={`#job-${job.id}`} hx-swap="outerHTML">
            Cancel
          </button>
        ) : (
          <button type="submit" class="btn btn-primary small-btn" hx-post={`/jobs/${job.id}/run${q}`} hx-target={`#job-${job.id}`} hx-swap="outerHTML">
            Run now
          </button>
        )}
        {props.compact ? (
          ""
        ) : (
          <a class="btn small-btn" href={`/jobs/${job.id}/runs`}>
            History
          </a>
        )}
        <a class="btn small-btn" href={`/jobs/${job.id}/edit`}>
          Edit
        </a>
      </div>
    </article>
  );
}
