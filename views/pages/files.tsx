// The file manager (linked from Drives → Folders): a folder's entries with download links and
// delete buttons, a name search, folder sizes on request, and the re-authentication dialog a
// delete asks for. Plain forms and links: nothing here needs a script.
import type { Static } from "@sinclair/typebox";
import type { BrowseResponse } from "../../src/system/fs-model.ts";
import { ErrorAlert, OkAlert } from "../components/format.tsx";
import { Layout } from "../layout.tsx";

type Listing = Static<typeof BrowseResponse>;

export interface FoundProps {
  name: string;
  path: string;
  is_dir: boolean;
  size: number | null;
}

export interface FilesPageProps {
  username: string;
  theme?: "light" | "dark" | "system";
  listing: Listing | null;
  allowedPaths: string[];
  message?: string | null;
  error?: string | null;
  search?: { q: string; results: FoundProps[]; truncated: boolean } | null;
  /** Folder sizes (bytes) by path, when asked for. */
  sizes?: Record<string, { bytes: number; complete: boolean }> | null;
  /** A delete waiting for the password (and the 2FA code). */
  confirm?: { path: string; totp: boolean; error?: string | null } | null;
}

export function humanBytes(n: number | null): string {
  if (n === null) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

const filesUrl = (path: string, extra = "") => `/files?path=${encodeURIComponent(path)}${extra}`;
const downloadUrl = (path: string) => `/api/system/download?path=${encodeURIComponent(path)}`;

function DeleteButton(props: { path: string; name: string }) {
  return (
    <form method="post" action="/files/delete" class="inline" hx-boost="false">
      <input type="hidden" name="path" value={props.path} />
      <button class="btn small-btn btn-danger" type="submit" aria-label={`Delete ${props.name}`}>
        Delete
      </button>
    </form>
  );
}

function ConfirmDialog(props: { path: string; totp: boolean; error?: string | null }) {
  return (
    <form id="reauth" class="card stack" method="post" action="/files/delete" hx-boost="false" role="dialog" aria-labelledby="reauth-title">
      <h2 class="m0" id="reauth-title">
        Confirm it is you
      </h2>
      <p safe>{`Deleting ${props.path} cannot be undone. Enter your password${props.totp ? " and a code from your authenticator app" : ""}; deletes then need no password for 5 minutes.`}</p>
      <ErrorAlert message={props.error} />
      <input type="hidden" name="path" value={props.path} />
      <div class="field">
        <label for="reauth-password">Password</label>
        <input id="reauth-password" name="password" type="password" autocomplete="current-password" required />
      </div>
      {props.totp ? (
        <div class="field">
          <label for="reauth-code">Authenticator code</label>
          <input id="reauth-code" name="totp_code" inputmode="numeric" autocomplete="one-time-code" required maxlength="8" />
        </div>
      ) : (
        ""
      )}
      <div class="row">
        <button class="btn btn-danger" type="submit">
          Confirm and delete
        </button>
        <a class="btn" href={filesUrl(props.path.replace(/\/[^/]*$/, "") || "/")}>
          Cancel
        </a>
      </div>
    </form>
  );
}

export function FilesPage(props: FilesPageProps) {
  const l = props.listing;
  return (
    <Layout title="Files" username={props.username} active="drives" theme={props.theme}>
      <div class="stack">
        <div class="row page-head">
          <h1 class="m0">Files</h1>
          <span class="spacer"></span>
          <a class="btn small-btn" href="/drives">
            Drives
          </a>
        </div>
        <OkAlert message={props.message} />
        <ErrorAlert message={props.error} />
        {props.confirm ? <ConfirmDialog {...props.confirm} /> : ""}
        {l ? (
          <section class="card stack" id="file-manager">
            <div class="row">
              <strong class="mono" safe>
                {l.path}
              </strong>
              <span class="spacer"></span>
              {l.parent ? (
                <a class="btn small-btn" href={filesUrl(l.parent)}>
                  Up
                </a>
              ) : (
                ""
              )}
              <a class="btn small-btn" id="dir-sizes" href={filesUrl(l.path, "&sizes=1")}>
                Sizes
              </a>
            </div>
            <search>
              <form method="get" action="/files" class="row">
                <input type="hidden" name="path" value={l.path} />
                <label class="sr-only" for="file-search">
                  Search names in this folder
                </label>
                <input id="file-search" name="q" type="search" placeholder="Search names in this folder" value={props.search?.q ?? ""} maxlength="200" />
                <button class="btn small-btn" type="submit">
                  Search
                </button>
              </form>
            </search>
            {props.search ? (
              <div id="search-results">
                <h2 safe>{`Found ${props.search.results.length}${props.search.truncated ? "+ (stopped early: narrow the search)" : ""} for "${props.search.q}"`}</h2>
                <ul class="plain-list">
                  {props.search.results.map((r) => (
                    <li class="row">
                      {r.is_dir ? (
                        <a class="mono" href={filesUrl(r.path)} safe>
                          {r.path}
                        </a>
                      ) : (
                        <a class="mono" href={downloadUrl(r.path)} hx-boost="false" safe>
                          {r.path}
                        </a>
                      )}
                      <span class="muted small" safe>
                        {humanBytes(r.size)}
                      </span>
                    </li>
                  ))}
                </ul>
              </div>
            ) : (
              ""
            )}
            <div class="table-wrap">
              <table id="files">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th class="num">Size</th>
                    <th>Modified</th>
                    <th></th>
                  </tr>
                </thead>
                <tbody>
                  {l.entries.map((e) => (
                    <tr>
                      <td>
                        {e.is_dir && e.browsable ? (
                          <a href={filesUrl(e.path)} safe>{`${e.name}/`}</a>
                        ) : e.is_dir ? (
                          <span class="muted" safe>{`${e.name}/ (link outside the allowed folders)`}</span>
                        ) : (
                          <a href={downloadUrl(e.path)} hx-boost="false" download="" safe>
                            {e.name}
                          </a>
                        )}
                      </td>
                      <td class="num" safe>
                        {e.is_dir ? (props.sizes?.[e.path] ? `${humanBytes(props.sizes[e.path]!.bytes)}${props.sizes[e.path]!.complete ? "" : "+"}` : "") : humanBytes(e.size)}
                      </td>
                      <td class="small muted" safe>
                        {e.modified ?? ""}
                      </td>
                      <td class="actions-col">
                        <DeleteButton path={e.path} name={e.name} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {l.truncated ? <p class="hint">Only the first 5000 entries are shown.</p> : ""}
          </section>
        ) : (
          ""
        )}
        <p class="hint" safe>{`Confined to the allowed folders (${props.allowedPaths.join(", ")}). Dynamight's own data folder can never be deleted.`}</p>
      </div>
    </Layout>
  );
}
