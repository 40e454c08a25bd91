// A job's page: its live card, a chart of duration and bytes per run, and the run history.
import { escapeHtml } from "@kitajs/html";
import { durationSeconds, formatBytes, formatDuration, KindLabel, StatusBadge, Time } from "../components/format.tsx";
import { JobCard, shortReason } from "../components/job-card.tsx";
import { JobTabs } from "../components/job-tabs.tsx";
import { RunChart } from "../components/run-chart.tsx";
import type { JobProps, ProgressProps, RunProps } from "../components/types.ts";
import { VerifyForm } from "../components/verify-form.tsx";
import { Layout } from "../layout.tsx";

export interface JobRunsProps {
  username: string;
  theme?: "light" | "dark" | "system";
  job: JobProps;
  /** Newest first, one page. */
  runs: RunProps[];
  total: number;
  limit: number;
  offset: number;
  activeRunId: number | null;
  progress?: ProgressProps | null;
  providerName?: string;
  message?: string | null;
}

/**
 * `firstNumber`: the newest listed run's number within its job (runs are numbered per job,
 * 1 for the oldest kept; the link keeps the global id).
 */
export function RunsTable(props: { runs: RunProps[]; firstNumber: number }) {
  return (
    <div class="table-wrap">
      <table class="runs-table">
        <thead>
          <tr>
            <th>Run</th>
            <th>Kind</th>
            <th>Status</th>
            <th>Started</th>
            <th class="hide-phone">Duration</th>
            <th class="num hide-phone">Files</th>
            <th class="num">Data</th>
            <th class="hide-phone">Trigger</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {props.runs.map((r, i) => (
            <tr id={`run-row-${r.id}`} class={`run-${r.status}`}>
              <td>
                <a href={`/runs/${r.id}`} title={`Run id ${r.id}`}>
                  #{props.firstNumber - i}
                </a>
              </td>
              <td>
                <KindLabel kind={r.kind} />
              </td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>
                <Time iso={r.started_at} empty="not started" />
              </td>
              <td class="hide-phone" safe>
                {formatDuration(durationSeconds(r.started_at, r.completed_at))}
              </td>
              <td class="num hide-phone">
                {r.kind === "verify" ? (
                  <>
                    {r.files_checked} checked
                    {r.differences ? (
                      <span class="muted small" safe>
                        {` (${r.differences} ${r.differences === 1 ? "difference" : "differences"})`}
                      </span>
                    ) : (
                      ""
                    )}
                  </>
                ) : (
                  <>
                    {r.files_transferred}
                    {r.files_deleted ? <span class="muted small"> (−{r.files_deleted})</span> : ""}
                  </>
                )}
              </td>
              <td class="num" safe>
                {formatBytes(r.bytes_transferred)}
              </td>
              <td class="hide-phone muted">{r.trigger}</td>
              <td class="run-reason">
                {r.status === "failed" ? (
                  <a href={`/runs/${r.id}`} class="failure-reason" title={escapeHtml((r.error_message ?? "").trim() || "No reason was recorded.")} safe>
                    {shortReason((r.error_message ?? "").trim() || "No reason was recorded.")}
                  </a>
                ) : (
                  ""
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Pager(props: { jobId: number; total: number; limit: number; offset: number }) {
  const { total, limit, offset } = props;
  if (total <= limit) return "";
  const prev = offset > 0 ? Math.max(0, offset - limit) : null;
  const next = offset + limit < total ? offset + limit : null;
  return (
    <nav class="row pager" aria-label="Pages">
      {prev !== null ? (
        <a class="btn small-btn" href={`/jobs/${props.jobId}/runs?offset=${prev}`}>
          Newer
        </a>
      ) : (
        ""
      )}
      <span class="muted small">
        {offset + 1}–{Math.min(total, offset + limit)} of {total}
      </span>
      {next !== null ? (
        <a class="btn small-btn" href={`/jobs/${props.jobId}/runs?offset=${next}`}>
          Older
        </a>
      ) : (
        ""
      )}
    </nav>
  );
}

export function JobRunsPage(props: JobRunsProps) {
  const { job } = props;
  return (
    <Layout title={`${job.name} · history`} username={props.username} active="jobs" theme={props.theme}>
      <div class="stack">
        <div class="row page-head">
          <h1 class="m0" safe>
            {job.name}
          </h1>
        </div>
        <JobTabs jobId={job.id} current="history" />
        <div data-live-status>
          <JobCard compact job={job} activeRunId={props.activeRunId} progress={props.progress} providerName={props.providerName} />
        </div>
        <details class="card job-config">
          <summary>What this job backs up</summary>
          <dl class="facts">
            <dt>Sources</dt>
            <dd>
              {job.source_dirs.map((d) => (
                <div class="mono" safe>
                  {d}
                </div>
              ))}
            </dd>
            {Object.entries(job.destination_config)
              .filter(([, v]) => v !== null && v !== "" && v !== false)
              .map(([k, v]) => (
                <>
                  <dt safe>{k.replace(/_/g, " ")}</dt>
                  <dd class="mono" safe>
                    {String(v)}
                  </dd>
                </>
              ))}
          </dl>
        </details>
        {props.message ? (
          <div class="alert alert-ok" role="status" safe>
            {props.message}
          </div>
        ) : (
          ""
        )}
        <VerifyForm jobId={job.id} local={job.destination_type === "local"} />
        <section class="card stack history">
          <div class="row">
            <h2 class="m0">Run history</h2>
            <span class="spacer"></span>
            {props.total > 0 ? (
              <button type="submit" class="btn btn-danger small-btn" hx-post={`/jobs/${job.id}/runs/delete`} hx-confirm="Delete every finished run of this job and its logs?">
                Delete history
              </button>
            ) : (
              ""
            )}
          </div>
          {props.runs.length === 0 ? (
            <p class="empty">No runs yet. Use “Run now” to start one.</p>
          ) : (
            <>
              <RunChart runs={props.runs} firstNumber={props.total - props.offset} />
              <RunsTable runs={props.runs} firstNumber={props.total - props.offset} />
              <Pager jobId={job.id} total={props.total} limit={props.limit} offset={props.offset} />
            </>
          )}
        </section>
      </div>
    </Layout>
  );
}
