// Pages of the System/USB feature: the Drives page (mount/unmount forms) and the folder picker's
// fragment routes, used by the job editor for sources and the mount point.

import { join } from "node:path";
import { Elysia } from "elysia";
import { DriveSelect } from "../../../views/components/drive-select.tsx";
import { FolderPicker, PICKER_FIELD_PATTERN } from "../../../views/components/folder-picker.tsx";
import { DrivesPage } from "../../../views/pages/drives.tsx";
import type { AppContext } from "../../context.ts";
import { ApiError, badRequest } from "../../http/errors.ts";
import { type BrowseResult, browse, defaultPath, makeDirectory } from "../../system/browse.ts";
import { mountDrive, unmountDrive } from "../../system/drive-service.ts";
import { type Drive, listDrives } from "../../system/drives.ts";
import { readMounts } from "../../system/mounts.ts";
import { formOf, lines } from "../forms.ts";
import { html, pageOrFragment } from "../html.ts";
import { pageAuth, type Viewer } from "../session.ts";

const PICKER_LABELS: Record<string, string> = { source_dirs: "Folders to back up" };

export interface PickerState {
  field: string;
  multiple: boolean;
  value: string;
  path?: string;
  label?: string;
  hint?: string;
  error?: string | null;
  /** Browser in a dialog (the job editor): "closed" when the page renders, "open" when navigated. */
  dialog?: "closed" | "open";
  /** The field's error in words, after a refused save. */
  errorText?: string | null;
}

/** A rendered picker: the job editor passes `renderFolderPicker(ctx, {...})` as sourcesPicker. */
export function renderFolderPicker(ctx: AppContext, s: PickerState): JSX.Element {
  const roots = ctx.config.allowedBrowsePaths;
  let listing: BrowseResult | null = null;
  let error = s.error ?? null;
  try {
    listing = browse(s.path || undefined, roots, { hidden: true });
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    error ??= err.message;
    // Fall back to the first allowed folder, so the picker stays usable after a bad path.
    try {
      if (s.path) listing = browse(defaultPath(roots), roots, { hidden: true });
    } catch {}
  }
  return (
    <FolderPicker
      field={s.field}
      multiple={s.multiple}
      label={s.label ?? PICKER_LABELS[s.field] ?? (s.multiple ? "Folders" : "Folder")}
      value={s.value}
      hint={s.hint ?? (s.multiple ? "One absolute path per line. Each folder is copied into its own folder, named after it, at the destination." : undefined)}
      listing={listing}
      allowedPaths={roots}
      error={error}
      dialog={s.dialog}
      errorText={s.errorText}
    />
  ) as JSX.Element;
}

/**
 * The local destination's drive field: attached drives to pick a UUID from (none listed when
 * lsblk fails). For the destination form: `await renderDriveSelect("dest.usb_uuid", config.usb_uuid)`.
 */
export async function renderDriveSelect(name: string, value: string | null): Promise<JSX.Element> {
  const { drives } = await drivesOrError();
  return (<DriveSelect name={name} value={value} drives={drives} />) as JSX.Element;
}

function pickerParams(input: Record<string, string>): PickerState {
  const field = input.field ?? "";
  if (!PICKER_FIELD_PATTERN.test(field)) throw badRequest("Query parameter 'field' must be a form field name");
  const multiple = input.multiple === "1";
  let value = (input[field] ?? "").replace(/\r\n/g, "\n");
  const pick = input.pick;
  if (pick && pick.startsWith("/")) {
    if (multiple) {
      const picked = lines(value);
      if (!picked.includes(pick)) picked.push(pick);
      value = picked.join("\n");
    } else value = pick;
  }
  return { field, multiple, value, path: input.path, dialog: input.dialog === "1" ? "open" : undefined };
}

async function drivesOrError(): Promise<{ drives: Drive[]; error: string | null }> {
  try {
    return { drives: await listDrives(), error: null };
  } catch (err) {
    if (err instanceof ApiError) return { drives: [], error: err.message };
    throw err;
  }
}

const hide = { detail: { hide: true } };

export function drivePages(ctx: AppContext) {
  const roots = () => ctx.config.allowedBrowsePaths;
  const page = async (viewer: Viewer, result: { message?: string; error?: string } = {}): Promise<string> => {
    const { drives, error } = await drivesOrError();
    const mounts = readMounts().filter((m) => m.device.startsWith("/dev/"));
    return (
      <DrivesPage
        username={viewer.user.username}
        theme={viewer.theme}
        drives={drives}
        mounts={mounts}
        allowedPaths={roots()}
        message={result.message}
        error={result.error ?? error}
        picker={renderFolderPicker(ctx, { field: "folder", multiple: false, value: "", label: "Folder", hint: "Open a folder to see what is inside; create folders for backups here." })}
      />
    );
  };
  /** Runs a mount/unmount and re-renders the page with its outcome. */
  const act = async (viewer: Viewer, request: Request, fn: () => Promise<string>) => {
    try {
      return html(page(viewer, { message: await fn() }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // htmx (boosted forms) swaps only 2xx answers: the error is shown on a 200 page there.
      return pageOrFragment(request, { page: () => page(viewer, { error: err.message }) }, { status: err.status });
    }
  };
  return new Elysia({ name: "web-drives" })
    .use(pageAuth(ctx))
    .get("/drives", ({ user, theme }) => html(page({ user, theme })), { page: true, ...hide })
    .post(
      "/drives/mount",
      ({ request, body, user, theme }) =>
        act({ user, theme }, request, async () => {
          const f = formOf(body);
          const { outcome, mountPoint } = await mountDrive(f.uuid, f.mount_point, roots());
          return outcome === "mounted" ? `Drive mounted at ${mountPoint}` : `Drive already mounted at ${mountPoint}`;
        }),
      { page: true, ...hide },
    )
    .post("/drives/unmount", ({ request, body, user, theme }) => act({ user, theme }, request, async () => `Unmounted ${await unmountDrive(formOf(body).mount_point, roots())}`), {
      page: true,
      ...hide,
    })
    .get("/drives/picker", ({ query }) => html(renderFolderPicker(ctx, pickerParams(query as Record<string, string>))), { page: true, ...hide })
    .post(
      "/drives/picker/mkdir",
      ({ body }) => {
        const f = formOf(body);
        const state = pickerParams(f);
        const name = (f.new_folder ?? "").trim();
        if (!name || name === "." || name === ".." || name.includes("/") || name.includes("\0") || name.length > 255) {
          return html(renderFolderPicker(ctx, { ...state, error: "Folder name must be one name, without '/'" }));
        }
        try {
          const made = makeDirectory(join(state.path ?? "", name), roots());
          return html(renderFolderPicker(ctx, { ...state, path: made }));
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          return html(renderFolderPicker(ctx, { ...state, error: err.message }));
        }
      },
      { page: true, ...hide },
    );
}
