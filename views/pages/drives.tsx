// Drives and mounts: every drive with its mount state, a Mount form (UUID + mount point) or an
// Unmount button, and the device mounts of the kernel's table.
import type { Drive } from "../../src/system/drives.ts";
import type { MountEntry } from "../../src/system/mounts.ts";
import { Layout } from "../layout.tsx";

export interface DrivesPageProps {
  username: string;
  theme?: "light" | "dark" | "system";
  drives: Drive[];
  mounts: MountEntry[];
  allowedPaths: string[];
  /** Result of the last mount/unmount. */
  message?: string | null;
  error?: string | null;
  /** A rendered folder picker to look into the allowed folders (and create folders). */
  picker?: JSX.Element;
}

/** Where the Mount form proposes to mount a drive: <first allowed path>/<label or UUID>. */
export function suggestMountPoint(drive: Drive, allowed: string[]): string {
  const root = allowed[0] ?? "/mnt";
  const name = (drive.label ?? drive.uuid ?? drive.name).replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[.-]+/, "") || drive.name;
  return `${root === "/" ? "" : root}/${name}`;
}

function DriveRow(props: { drive: Drive; allowed: string[] }) {
  const d = props.drive;
  return (
    <tr data-drive={d.name}>
      <td>
        <strong class="mono" safe>
          {d.name}
        </strong>
        {d.removable || d.transport === "usb" ? <span class="badge">USB</span> : ""}
        <div class="muted small" safe>
          {d.label ?? "no label"}
        </div>
      </td>
      <td class="mono small" safe>
        {d.uuid ?? "–"}
      </td>
      <td safe>{d.fstype ?? "–"}</td>
      <td class="num" safe>
        {d.size}
      </td>
      <td class="mono small" safe>
        {d.mountpoint ?? "not mounted"}
      </td>
      <td class="actions-col">
        {d.mountpoint ? (
          <form method="post" action="/drives/unmount" class="row actions">
            <input type="hidden" name="mount_point" value={d.mountpoint} />
            <button class="btn small-btn" type="submit" aria-label={`Unmount ${d.name}`}>
              Unmount
            </button>
          </form>
        ) : d.uuid ? (
          <form method="post" action="/drives/mount" class="row actions">
            <input type="hidden" name="uuid" value={d.uuid} />
            <label class="sr-only" for={`mp-${d.name}`} safe>
              {`Mount point for ${d.name}`}
            </label>
            <input id={`mp-${d.name}`} name="mount_point" class="mono inline-select" value={suggestMountPoint(d, props.allowed)} required />
            <button class="btn small-btn btn-primary" type="submit" aria-label={`Mount ${d.name}`}>
              Mount
            </button>
          </form>
        ) : (
          <span class="muted small">no filesystem</span>
        )}
      </td>
    </tr>
  );
}

export function DrivesPage(props: DrivesPageProps) {
  return (
    <Layout title="Drives" username={props.username} active="drives" theme={props.theme}>
      <div class="stack">
        <div class="row page-head">
          <h1 class="m0">Drives</h1>
          <span class="spacer"></span>
          <a class="btn small-btn" href="/drives">
            Refresh
          </a>
        </div>
        {props.message ? (
          <div class="alert alert-ok" role="status" safe>
            {props.message}
          </div>
        ) : (
          ""
        )}
        {props.error ? (
          <div class="alert alert-error" role="alert" safe>
            {props.error}
          </div>
        ) : (
          ""
        )}
        <section class="card">
          <h2>Attached drives</h2>
          {props.drives.length === 0 ? (
            <p class="empty">No drives found. Plug in a USB disk and press Refresh.</p>
          ) : (
            <div class="table-wrap">
              <table id="drives">
                <thead>
                  <tr>
                    <th>Drive</th>
                    <th>UUID</th>
                    <th>Filesystem</th>
                    <th class="num">Size</th>
                    <th>Mounted at</th>
                    <th></th>
                  </tr>
                </thead>
                <tbody>
                  {props.drives.map((d) => (
                    <DriveRow drive={d} allowed={props.allowedPaths} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p class="hint" safe>
            {`Drives are mounted inside the allowed folders only (${props.allowedPaths.join(", ")}). A job that names a drive's UUID writes only when that drive is mounted at its mount point.`}
          </p>
        </section>
        {props.picker ? (
          <section class="card">
            <div class="row">
              <h2 class="m0">Folders</h2>
              <span class="spacer"></span>
              <a class="btn small-btn" href="/files" id="open-file-manager">
                File manager (search, download, delete, sizes)
              </a>
            </div>
            {props.picker as "safe"}
          </section>
        ) : (
          ""
        )}
        <section class="card">
          <h2>Mounted filesystems</h2>
          <div class="table-wrap">
            <table id="mounts">
              <thead>
                <tr>
                  <th>Device</th>
                  <th>Mount point</th>
                  <th>Type</th>
                  <th class="hide-phone">Options</th>
                </tr>
              </thead>
              <tbody>
                {props.mounts.map((m) => (
                  <tr>
                    <td class="mono small" safe>
                      {m.device}
                    </td>
                    <td class="mono small" safe>
                      {m.mountpoint}
                    </td>
                    <td safe>{m.fstype}</td>
                    <td class="mono small hide-phone" safe>
                      {m.options}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </div>
    </Layout>
  );
}
