// A job's "Files" tab: one folder of what the destination holds (read from the store), with a
// breadcrumb, sizes and dates, a checkbox per entry, "Download" per file, and "Restore…", a small
// form (target: the original folders or one picked with the folder picker; what to do with files
// that exist) that starts a restore run and goes to its live page.
import { ErrorAlert, formatBytes, Time } from "../components/format.tsx";
import { JobTabs } from "../components/job-tabs.tsx";
import { Layout } from "../layout.tsx";

export interface FileEntryProps {
  name: string;
  path: string;
  is_dir: boolean;
  size: number;
  modified: string | null;
}

export interface JobFilesProps {
  username: string;
  theme?: "light" | "dark" | "system";
  job: { id: number; name: string };
  /** The folder shown ("" = the destination root). */
  path: string;
  /** null when the store could not be read (see error). */
  entries: FileEntryProps[] | null;
  total: number;
  limit: number;
  offset: number;
  /** The folder picker for the restore target (rendered by the drives pages). */
  picker: JSX.Element;
  /** What the restore form had, when it comes back with an error. */
  form?: { target: "original" | "folder"; overwrite: "never" | "if_newer" | "always"; checked: string[]; as_of?: string };
  error?: string | null;
  /** Set by the Verify feature: its button next to "Restore…". */
  verifyAction?: JSX.Element;
}

const filesUrl = (jobId: number, path: string, offset = 0) => `/jobs/${jobId}/files?path=${encodeURIComponent(path)}${offset ? `&offset=${offset}` : ""}`;

function Breadcrumb(props: { jobId: number; path: string }) {
  const parts = props.path === "" ? [] : props.path.split("/");
  return (
    <nav class="crumbs" aria-label="Folder">
      {parts.length === 0 ? <strong aria-current="location">Destination</strong> : <a href={filesUrl(props.jobId, "")}>Destination</a>}
      {parts.map((name, i) => {
        const at = parts.slice(0, i + 1).join("/");
        return (
          <>
            <span class="crumb-sep" aria-hidden="true">
              /
            </span>
            {i === parts.length - 1 ? (
              <strong aria-current="location" safe>
                {name}
              </strong>
            ) : (
              <a href={filesUrl(props.jobId, at)} safe>
                {name}
              </a>
            )}
          </>
        );
      })}
    </nav>
  );
}

function Pager(props: { jobId: number; path: string; total: number; limit: number; offset: number }) {
  const { total, limit, offset } = props;
  if (total <= limit) return "";
  const prev = offset > 0 ? Math.max(0, offset - limit) : null;
  const next = offset + limit < total ? offset + limit : null;
  return (
    <nav class="row pager" aria-label="Pages">
      {prev !== null ? (
        <a class="btn small-btn" href={filesUrl(props.jobId, props.path, prev)}>
          Previous
        </a>
      ) : (
        ""
      )}
      <span class="muted small">
        {offset + 1}–{Math.min(total, offset + limit)} of {total}
      </span>
      {next !== null ? (
        <a class="btn small-btn" href={filesUrl(props.jobId, props.path, next)}>
          Next
        </a>
      ) : (
        ""
      )}
    </nav>
  );
}

function FilesTable(props: { jobId: number; entries: FileEntryProps[]; checked: Set<string> }) {
  return (
    <div class="table-wrap">
      <table class="files-table">
        <thead>
          <tr>
            <th class="check-col">
              <span class="sr-only">Select</span>
            </th>
            <th>Name</th>
            <th class="num">Size</th>
            <th class="hide-phone">Modified</th>
            <th class="actions-col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e, i) => (
            <tr>
              <td class="check-col">
                <input type="checkbox" name={`p-${i}`} value={e.path} id={`pick-${i}`} checked={props.checked.has(e.path)} aria-label={`Select ${e.name}`} />
              </td>
              <td class="file-name">
                {e.is_dir ? (
                  <a href={filesUrl(props.jobId, e.path)} safe>
                    {`${e.name}/`}
                  </a>
                ) : (
                  <label for={`pick-${i}`} safe>
                    {e.name}
                  </label>
                )}
              </td>
              <td class="num" safe>
                {formatBytes(e.size)}
              </td>
              <td class="hide-phone">
                <Time iso={e.modified} empty="–" />
              </td>
              <td class="actions-col">
                {e.is_dir ? (
                  ""
                ) : (
                  <>
                    <a class="btn small-btn" href={`/jobs/${props.jobId}/files/versions?path=${encodeURIComponent(e.path)}`}>
                      Versions
                    </a>{" "}
                    <a class="btn small-btn" href={`/api/jobs/${props.jobId}/files/download?path=${encodeURIComponent(e.path)}`} download={e.name} hx-boost="false">
                      Download
                    </a>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RestoreForm(props: JobFilesProps) {
  const form = props.form ?? { target: "original", overwrite: "never", checked: [] };
  const where = props.path === "" ? "everything" : `everything in ${props.path}`;
  return (
    <details class="card stack restore-form" open={props.form ? true : undefined}>
      <summary>Restore…</summary>
      <p class="small muted m0" safe>
        {`Restores the ticked files and folders; with none ticked, ${where}. Files are written under a temporary name and renamed, with their stored dates. Nothing on this server is deleted.`}
      </p>
      <fieldset class="plain">
        <legend>Restore to</legend>
        <label class="check">
          <input type="radio" name="target" value="original" checked={form.target === "original"} />
          The original folders
        </label>
        <label class="check">
          <input type="radio" name="target" value="folder" checked={form.target === "folder"} />
          Another folder (below)
        </label>
      </fieldset>
      {/* Rendered by the drives pages, escaped there. */}
      {props.picker as "safe"}
      <div class="field">
        <label for="restore-as-of">Restore as of… (optional, UTC)</label>
        <input type="datetime-local" id="restore-as-of" name="as_of" step="1" value={form.as_of ?? ""} aria-describedby="restore-as-of-hint" />
        <div class="hint" id="restore-as-of-hint">
          Each file as it was at that time, from the old versions the job keeps; files backed up only later are left out. Empty: as they are now.
        </div>
      </div>
      <div class="field">
        <label for="restore-overwrite">When a file already exists</label>
        <select id="restore-overwrite" name="overwrite">
          <option value="never" selected={form.overwrite === "never"}>
            Keep it (never overwrite)
          </option>
          <option value="if_newer" selected={form.overwrite === "if_newer"}>
            Replace it if the stored copy is newer
          </option>
          <option value="always" selected={form.overwrite === "always"}>
            Always replace it
          </option>
        </select>
      </div>
      <div class="row">
        <button type="submit" class="btn btn-primary">
          Start restore
        </button>
      </div>
    </details>
  );
}

export function JobFilesPage(props: JobFilesProps) {
  const { job } = props;
  const checked = new Set(props.form?.checked ?? []);
  return (
    <Layout title={`${job.name} · files`} username={props.username} active="jobs" theme={props.theme}>
      <div class="stack">
        <div class="row page-head">
          <h1 class="m0" safe>
            {job.name}
          </h1>
          <span class="spacer"></span>
          <div class="row actions" id="job-files-actions">
            {props.verifyAction ? (props.verifyAction as "safe") : ""}
          </div>
        </div>
        <JobTabs jobId={job.id} current="files" />
        <form class="stack" method="post" action={`/jobs/${job.id}/restore`}>
          <input type="hidden" name="path" value={props.path} />
          <section class="card stack">
            <Breadcrumb jobId={job.id} path={props.path} />
            <ErrorAlert message={props.error} />
            {props.entries === null ? (
              ""
            ) : props.entries.length === 0 ? (
              <p class="empty">Nothing here yet. Files appear once a backup has run.</p>
            ) : (
              <>
                <FilesTable jobId={job.id} entries={props.entries} checked={checked} />
                <Pager jobId={job.id} path={props.path} total={props.total} limit={props.limit} offset={props.offset} />
              </>
            )}
          </section>
          {props.entries === null ? "" : <RestoreForm {...props} />}
        </form>
      </div>
    </Layout>
  );
}
