// One file's kept versions (Files tab → Versions): when each was replaced or deleted, its size and
// date, a download, and "Put back" which restores that version into the job's source folder.
import { ErrorAlert, formatBytes, Time } from "../components/format.tsx";
import { JobTabs } from "../components/job-tabs.tsx";
import { Layout } from "../layout.tsx";

export interface FileVersionProps {
  /** The version folder's stamp, e.g. 20261201T020000Z. */
  version: string;
  /** The stamp as an ISO time: the start of the run that replaced or deleted this copy. */
  replaced_at: string;
  /** The as_of that restores exactly this copy (one second before that run). */
  as_of: string;
  size: number;
  modified: string | null;
}

export interface JobFileVersionsProps {
  username: string;
  theme?: "light" | "dark" | "system";
  job: { id: number; name: string };
  path: string;
  /** null when the store could not be read (see error). */
  versions: FileVersionProps[] | null;
  /** The job's keep_versions_days (null: versions are off). */
  keepDays: number | null;
  error?: string | null;
}

export function JobFileVersionsPage(props: JobFileVersionsProps) {
  const { job, path } = props;
  const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  return (
    <Layout title={`${job.name} · versions`} username={props.username} active="jobs" theme={props.theme}>
      <div class="stack">
        <div class="row page-head">
          <h1 class="m0" safe>
            {job.name}
          </h1>
        </div>
        <JobTabs jobId={job.id} current="files" />
        <section class="card stack">
          <p class="m0">
            <a href={`/jobs/${job.id}/files?path=${encodeURIComponent(parent)}`}>← Back to the folder</a>
          </p>
          <h2 class="m0">
            Versions of{" "}
            <span class="mono" safe>
              {path}
            </span>
          </h2>
          <p class="small muted m0" safe>
            {props.keepDays === null
              ? "This job keeps no versions now (Keep old versions is off in the job's settings); versions kept before are listed below."
              : `Each old copy is the file as it was until a run replaced or deleted it; kept for ${props.keepDays} day(s).`}
          </p>
          <ErrorAlert message={props.error} />
          {props.versions === null ? (
            ""
          ) : props.versions.length === 0 ? (
            <p class="empty">No old versions of this file.</p>
          ) : (
            <div class="table-wrap">
              <table class="files-table">
                <thead>
                  <tr>
                    <th>Replaced by the run of</th>
                    <th class="num">Size</th>
                    <th class="hide-phone">Modified</th>
                    <th class="actions-col">
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {props.versions.map((v) => (
                    <tr>
                      <td>
                        <Time iso={v.replaced_at} />
                      </td>
                      <td class="num" safe>
                        {formatBytes(v.size)}
                      </td>
                      <td class="hide-phone">
                        <Time iso={v.modified} empty="–" />
                      </td>
                      <td class="actions-col">
                        <form method="post" action={`/jobs/${job.id}/restore`} class="inline-form">
                          <input type="hidden" name="path" value={parent} />
                          <input type="hidden" name="p-0" value={path} />
                          <input type="hidden" name="as_of" value={v.as_of} />
                          <input type="hidden" name="target" value="original" />
                          <input type="hidden" name="overwrite" value="always" />
                          <button type="submit" class="btn small-btn" title="Restores this version into the job's source folder, replacing the file there">
                            Put back
                          </button>
                        </form>{" "}
                        <a
                          class="btn small-btn"
                          href={`/api/jobs/${job.id}/files/download?path=${encodeURIComponent(`.dynamight-versions/${v.version}/${path}`)}`}
                          download={path.slice(path.lastIndexOf("/") + 1)}
                          hx-boost="false"
                        >
                          Download
                        </a>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>
    </Layout>
  );
}
