// The dashboard: every job as a card with status, last/next run and live progress. Live updates
// come from /api/ws/status through public/js/live.js (see docs/web-ui.md for why not the ws extension).
import { StatusBadge, Time } from "../components/format.tsx";
import { JobCard, jobStatus, nextRunOf } from "../components/job-card.tsx";
import type { JobProps, ProgressProps } from "../components/types.ts";
import { Layout } from "../layout.tsx";

export interface DashboardProps {
  username: string;
  theme?: "light" | "dark" | "system";
  jobs: JobProps[];
  /** Active run id per job id. */
  active: Record<number, number>;
  progress?: Record<number, ProgressProps>;
  providerNames: Record<string, string>;
  /** The destination types offered as a first step when there is no job yet. */
  firstSteps?: { type: string; name: string; description: string; ready: boolean }[];
}

// How the first step names a destination ("Back up a folder to …"); other types use their name.
const FIRST_STEP_WORDS: Record<string, string> = { local: "a USB disk or another folder", s3: "S3 storage", sftp: "an SFTP server", webdav: "WebDAV (Nextcloud, ownCloud)" };

/** The first run: one link per kind of destination, into the editor with that type chosen. */
export function FirstStep(props: { steps: NonNullable<DashboardProps["firstSteps"]> }) {
  return (
    <section class="card first-step" id="first-step">
      <h2>Back up your first folder</h2>
      <p class="muted">Choose where the copies go; the editor opens with that destination chosen. You can pick the folders there.</p>
      <ul class="first-steps">
        {props.steps.map((s) => (
          <li>
            <a class="first-step-link" href={`/jobs/new?type=${encodeURIComponent(s.type)}`}>
              <strong safe>{`Back up a folder to ${FIRST_STEP_WORDS[s.type] ?? s.name}`}</strong>
              <span class="muted small" safe>
                {s.ready ? s.description : `${s.description} (coming soon)`}
              </span>
            </a>
          </li>
        ))}
      </ul>
      <p class="small muted m0">
        Remote destinations need a saved login: add one on the <a href="/credentials">Credentials</a> page (the editor links to it too).
      </p>
    </section>
  );
}

export function DashboardPage(props: DashboardProps) {
  const running = Object.keys(props.active).length;
  const failed = props.jobs.filter((j) => j.last_run?.status === "failed").length;
  return (
    <Layout title="Dashboard" username={props.username} active="dashboard" theme={props.theme}>
      <>
        <div class="row page-head">
          <h1 class="m0">Dashboard</h1>
          <span class="spacer"></span>
          <a class="btn btn-primary" href="/jobs/new">
            New job
          </a>
        </div>
        <p class="muted summary">
          {/* The counts follow the cards as the status stream re-renders them (public/js/live.js). */}
          {props.jobs.length} job{props.jobs.length === 1 ? "" : "s"} · <span data-count="running">{running}</span> running · <span data-count="failed">{failed}</span> failed last time
        </p>
        {props.jobs.length === 0 ? (
          <>
            <div class="card empty">
              <p>No backup jobs yet.</p>
              <a class="btn btn-primary" href="/jobs/new">
                Create your first job
              </a>
            </div>
            {props.firstSteps?.length ? <FirstStep steps={props.firstSteps} /> : ""}
          </>
        ) : (
          <section class="grid" id="jobs" data-live-status>
            {props.jobs.map((job) => (
              <JobCard job={job} activeRunId={props.active[job.id] ?? null} progress={props.progress?.[job.id]} providerName={props.providerNames[job.destination_type]} />
            ))}
          </section>
        )}
      </>
    </Layout>
  );
}

export interface JobsPageProps {
  username: string;
  theme?: "light" | "dark" | "system";
  jobs: JobProps[];
  active: Record<number, number>;
  providerNames: Record<string, string>;
}

/** /jobs: the same jobs as a table, with the less frequent actions (clone, delete). */
export function JobsPage(props: JobsPageProps) {
  return (
    <Layout title="Jobs" username={props.username} active="jobs" theme={props.theme}>
      <>
        <div class="row page-head">
          <h1 class="m0">Jobs</h1>
          <span class="spacer"></span>
          <a class="btn btn-primary" href="/jobs/new">
            New job
          </a>
        </div>
        <div id="page-error" aria-live="polite"></div>
        {props.jobs.length === 0 ? (
          <div class="card empty">No backup jobs yet.</div>
        ) : (
          <div class="card table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Destination</th>
                  <th>Status</th>
                  <th>Next run</th>
                  <th class="actions-col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {props.jobs.map((job) => (
                  <tr id={`job-row-${job.id}`}>
                    <td>
                      <a href={`/jobs/${job.id}`} safe>
                        {job.name}
                      </a>
                      {job.enabled ? "" : <span class="badge">Disabled</span>}
                    </td>
                    <td safe>{props.providerNames[job.destination_type] ?? job.destination_type}</td>
                    <td>
                      <StatusBadge status={jobStatus(job, props.active[job.id] ?? null)} />
                    </td>
                    <td>
                      <Time iso={nextRunOf(job)} empty={job.enabled ? "not scheduled" : "disabled"} />
                    </td>
                    <td>
                      <div class="row actions">
                        <a class="btn small-btn" href={`/jobs/${job.id}/edit`}>
                          Edit
                        </a>
                        <a class="btn small-btn" href={`/jobs/${job.id}/runs`}>
                          History
                        </a>
                        <button type="submit" class="btn small-btn" hx-post={`/jobs/${job.id}/clone`}>
                          Clone
                        </button>
                        <button type="submit" class="btn btn-danger small-btn" hx-post={`/jobs/${job.id}/delete`} hx-confirm="Delete this job, its schedules and its run history?">
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </>
    </Layout>
  );
}
