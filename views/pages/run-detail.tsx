// One run: its summary and its log. While the run is active the log is filled by
// public/js/run-logs.js from /api/ws/logs/:run_id (stored lines first, then live ones); a
// finished run's log is rendered here. The level filter and auto-scroll work on both.
import { durationSeconds, ErrorAlert, formatBytes, formatDuration, StatusBadge, Time } from "../components/format.tsx";
import { ACTIVE_TRIGGER, LiveProgress } from "../components/job-card.tsx";
import type { LogEntryProps, ProgressProps, RunKind, RunProps } from "../components/types.ts";
import { Layout } from "../layout.tsx";

export interface RunDetailProps {
  username: string;
  theme?: "light" | "dark" | "system";
  run: RunProps;
  active: boolean;
  /** Stored lines of a finished run (empty while active: the WebSocket sends them). */
  logs: LogEntryProps[];
  logTotal: number;
  /** The run's number within its job. */
  number: number;
  /** The engine's live counters with totals, while active. */
  progress?: ProgressProps | null;
  error?: string | null;
}

const KIND_TITLE: Record<RunKind, string> = { backup: "Backup run", restore: "Restore run", verify: "Verify run" };

export function LogLine(props: { entry: LogEntryProps }) {
  const e = props.entry;
  return (
    <div class={`log-line ${e.level}`} data-id={String(e.id)}>
      <span class="log-time" safe>
        {e.timestamp.slice(11, 19)}
      </span>{" "}
      <span class="log-level">{e.level}</span>{" "}
      <span class="log-msg" safe>
        {e.message}
      </span>
    </div>
  );
}

/** `number`: the run's number within its job (the page heading); the URL keeps the global id. */
export function RunSummary(props: { run: RunProps; number: number; active: boolean; progress?: ProgressProps | null; error?: string | null }) {
  const r = props.run;
  return (
    <section
      class="card stack"
      id="run-summary"
      data-run-id={String(r.id)}
      data-status={r.status}
      data-live-status={props.active}
      hx-get={`/runs/${r.id}/summary`}
      hx-trigger={props.active ? ACTIVE_TRIGGER : "dm:refresh"}
      hx-swap="outerHTML"
    >
      <div class="row">
        <h1 class="m0" title={`Run id ${r.id}`} safe>
          {`${KIND_TITLE[r.kind]} #${props.number}`}
        </h1>
        <StatusBadge status={r.status} id="run-status" />
        <span class="spacer"></span>
        {props.active ? (
          <button type="submit" class="btn btn-danger small-btn" hx-post={`/runs/${r.id}/cancel`} hx-target="#run-summary" hx-swap="outerHTML">
            Cancel run
          </button>
        ) : (
          <button type="submit" class="btn btn-danger small-btn" hx-post={`/runs/${r.id}/delete`} hx-target="#run-summary" hx-swap="outerHTML" hx-confirm="Delete this run and its log?">
            Delete run
          </button>
        )}
      </div>
      <p class="m0">
        <a href={`/jobs/${r.job_id}/runs`} safe>
          {r.job_name}
        </a>
        <span class="muted" safe>{` · ${r.trigger === "scheduled" ? "scheduled" : "started by hand"}`}</span>
      </p>
      {props.active ? <LiveProgress jobId={r.job_id} runId={r.id} progress={props.progress ?? { ...r, files_total: null, bytes_total: null }} startedAt={r.started_at} logLink={false} /> : ""}
      <dl class="facts facts-wide">
        <dt>Started</dt>
        <dd>
          <Time iso={r.started_at} empty="not yet" />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Time iso={r.completed_at} empty={props.active ? "running…" : "–"} />
        </dd>
        <dt>Duration</dt>
        {props.active && r.started_at ? (
          <dd data-ticking-since={r.started_at} safe>
            {formatDuration(durationSeconds(r.started_at, new Date().toISOString()))}
          </dd>
        ) : (
          <dd safe>{formatDuration(durationSeconds(r.started_at, r.completed_at))}</dd>
        )}
        <dt>Files</dt>
        <dd id="run-files" data-files-for-run={String(r.id)}>
          {r.files_transferred}
        </dd>
        <dt>Data</dt>
        <dd id="run-bytes" data-bytes-for-run={String(r.id)} safe>
          {formatBytes(r.bytes_transferred)}
        </dd>
        {r.kind === "backup" ? (
          <>
            <dt>Deleted</dt>
            <dd>{r.files_deleted}</dd>
          </>
        ) : (
          ""
        )}
        {r.kind === "verify" ? (
          <>
            <dt>Checked</dt>
            <dd data-checked-for-run={String(r.id)}>{r.files_checked}</dd>
            <dt>Differences</dt>
            <dd data-differences-for-run={String(r.id)}>{r.differences}</dd>
          </>
        ) : (
          ""
        )}
        {r.versions_pruned ? (
          <>
            <dt>Versions pruned</dt>
            <dd>{r.versions_pruned}</dd>
          </>
        ) : (
          ""
        )}
      </dl>
      {r.error_message ? (
        <div class="alert alert-error" role="alert" safe>
          {r.error_message}
        </div>
      ) : (
        ""
      )}
      <ErrorAlert message={props.error} />
    </section>
  );
}

export function RunDetailPage(props: RunDetailProps) {
  const r = props.run;
  return (
    <Layout title={`${KIND_TITLE[r.kind]} #${props.number} · ${r.job_name}`} username={props.username} active="jobs" theme={props.theme}>
      <div class="stack">
        <RunSummary run={r} number={props.number} active={props.active} progress={props.progress} error={props.error} />
        <section class="card stack">
          <div class="row log-tools">
            <h2 class="m0">Log</h2>
            <span class="spacer"></span>
            <label class="check small" for="log-level">
              Show
            </label>
            <select id="log-level" class="inline-select" data-log-filter="run-logs" aria-label="Log level">
              <option value="all">all lines</option>
              <option value="warning">warnings and errors</option>
              <option value="error">errors only</option>
            </select>
            <label class="check small">
              <input type="checkbox" id="log-follow" checked data-log-follow="run-logs" />
              Auto-scroll
            </label>
          </div>
          <div class="logs" id="run-logs" data-run-id={String(r.id)} data-live={props.active ? "true" : "false"} data-filter="all" role="log" aria-live="polite" tabindex="0">
            {props.logs.map((e) => (
              <LogLine entry={e} />
            ))}
            {!props.active && props.logs.length === 0 ? <div class="log-empty">No log lines.</div> : ""}
          </div>
          {!props.active && props.logTotal > props.logs.length ? (
            <p class="small muted">
              Showing the first {props.logs.length} of {props.logTotal} lines.{" "}
              <a href={`/api/runs/${r.id}/logs?limit=100000`} hx-boost="false">
                Full log as JSON
              </a>
            </p>
          ) : (
            ""
          )}
          <p class="small muted" id="log-state" aria-live="polite">
            {props.active ? "Connecting to the live log…" : ""}
          </p>
        </section>
      </div>
    </Layout>
  );
}
