// The folder picker: a form field (a textarea of paths, one per line, or one path input) with a
// browser under it. Every click asks /drives/picker for a fresh copy of the whole picker, sending
// the field's current text along (hx-include), so it works inside any form without client code.
// Its buttons are type="button": they never submit the enclosing form.
import type { BrowseResult } from "../../src/system/browse.ts";

export interface FolderPickerProps {
  /** Name of the form field the picker fills, e.g. "source_dirs" or "dest.mount_point". */
  field: string;
  /** Many paths (one per line) or a single one. */
  multiple: boolean;
  label: string;
  /** The field's current text. */
  value: string;
  hint?: string;
  /** The folder being shown; null when it could not be listed (see error). */
  listing: BrowseResult | null;
  allowedPaths: string[];
  error?: string | null;
  invalid?: boolean;
  /**
   * The browser opens on demand in a dialog ("Browse…"), for forms with several pickers (the job
   * editor): "closed" as first rendered, "open" once the user navigates in it (every click
   * re-renders the picker from the server, which keeps it open). Absent: always shown (Drives page).
   */
  dialog?: "closed" | "open";
  /** The field's error in words (beside it), when the form was refused. */
  errorText?: string | null;
}

export const PICKER_FIELD_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,59}$/;

export function pickerId(field: string): string {
  return `picker-${field.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

/** The crumbs from the allowed root down to `path`: only folders the user may open. */
function crumbs(path: string, allowed: string[]): { name: string; path: string }[] {
  const root = allowed.filter((r) => path === r || path.startsWith(r === "/" ? "/" : r + "/")).sort((a, b) => b.length - a.length)[0];
  if (!root) return [{ name: path, path }];
  const out = [{ name: root, path: root }];
  let cur = root;
  for (const part of path.slice(root.length).split("/").filter(Boolean)) {
    cur = cur === "/" ? `/${part}` : `${cur}/${part}`;
    out.push({ name: part, path: cur });
  }
  return out;
}

export function FolderPicker(props: FolderPickerProps) {
  const id = pickerId(props.field);
  const inputId = `${id}-value`;
  const base: Record<string, string> = { field: props.field, multiple: props.multiple ? "1" : "0", ...(props.dialog ? { dialog: "1" } : {}) };
  const vals = (extra: Record<string, string>) => JSON.stringify({ ...base, ...extra });
  const nav = { "hx-get": "/drives/picker", "hx-target": `#${id}`, "hx-swap": "outerHTML", "hx-include": `#${inputId}` };
  const listing = props.listing;
  const picked = props.multiple
    ? new Set(
        props.value
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean),
      )
    : new Set([props.value.trim()]);
  return (
    <div class="folder-picker field" id={id}>
      <label for={inputId} safe>
        {props.label}
      </label>
      {props.multiple ? (
        <textarea
          id={inputId}
          name={props.field}
          rows="3"
          class="mono"
          placeholder="/home/me/documents"
          aria-invalid={props.invalid || props.errorText ? "true" : undefined}
          aria-describedby={props.errorText ? `${id}-error` : undefined}
          safe
        >
          {props.value}
        </textarea>
      ) : (
        <input
          id={inputId}
          name={props.field}
          class="mono"
          value={props.value}
          aria-invalid={props.invalid || props.errorText ? "true" : undefined}
          aria-describedby={props.errorText ? `${id}-error` : undefined}
        />
      )}
      {props.errorText ? (
        <p class="field-error" id={`${id}-error`} safe>
          {props.errorText}
        </p>
      ) : (
        ""
      )}
      {props.dialog ? (
        <button type="button" class="btn small-btn picker-open" data-picker-open={`${id}-panel`} aria-haspopup="dialog" aria-controls={`${id}-panel`}>
          Browse…
        </button>
      ) : (
        ""
      )}
      {props.hint ? (
        <div class="hint" safe>
          {props.hint}
        </div>
      ) : (
        ""
      )}
      {/* In dialog mode the browser is a modal panel (public/js/app.js opens it, Done or Escape closes it). */}
      <section
        class={props.dialog ? "card stack small picker-panel" : "card stack small"}
        id={`${id}-panel`}
        aria-label="Folder browser"
        role={props.dialog ? "dialog" : undefined}
        hidden={props.dialog === "closed"}
      >
        {props.dialog ? (
          <div class="row picker-head">
            <strong safe>{`Choose: ${props.label}`}</strong>
            <span class="spacer"></span>
            <button type="button" class="btn small-btn btn-primary" data-picker-close={`${id}-panel`}>
              Done
            </button>
          </div>
        ) : (
          ""
        )}
        <nav class="row" aria-label="Allowed folders">
          {props.allowedPaths.map((root) => (
            <button type="button" class="btn small-btn" {...nav} hx-vals={vals({ path: root })} safe>
              {root}
            </button>
          ))}
        </nav>
        {props.error ? (
          <div class="alert alert-error" role="alert" safe>
            {props.error}
          </div>
        ) : (
          ""
        )}
        {listing ? (
          <>
            <nav class="row" aria-label="Current folder">
              {crumbs(listing.path, props.allowedPaths).map((c, i, all) =>
                i === all.length - 1 ? (
                  <strong class="mono" aria-current="location" safe>
                    {c.name}
                  </strong>
                ) : (
                  <button type="button" class="btn small-btn mono" {...nav} hx-vals={vals({ path: c.path })} safe>
                    {c.name}
                  </button>
                ),
              )}
              <span class="spacer"></span>
              {picked.has(listing.path) ? (
                <span class="badge">selected</span>
              ) : (
                <button type="button" class="btn small-btn btn-primary" {...nav} hx-vals={vals({ path: listing.path, pick: listing.path })}>
                  {props.multiple ? "Add this folder" : "Use this folder"}
                </button>
              )}
            </nav>
            <div class="table-wrap">
              <table>
                <tbody>
                  {listing.entries.filter((e) => e.is_dir).length === 0 ? (
                    <tr>
                      <td class="muted">No folders here</td>
                    </tr>
                  ) : (
                    ""
                  )}
                  {listing.entries
                    .filter((e) => e.is_dir)
                    .map((e) => (
                      <tr>
                        <td class="mono">
                          {e.browsable ? (
                            <button type="button" class="btn small-btn" {...nav} hx-vals={vals({ path: e.path })} title={`Open ${e.path}`} safe>
                              {`${e.name}/`}
                            </button>
                          ) : (
                            <span class="muted" title="Leads outside the allowed folders" safe>
                              {`${e.name}/ (outside)`}
                            </span>
                          )}
                        </td>
                        <td class="actions-col">
                          {!e.browsable || picked.has(e.path) ? (
                            picked.has(e.path) ? (
                              <span class="badge">selected</span>
                            ) : (
                              ""
                            )
                          ) : (
                            <button type="button" class="btn small-btn" {...nav} hx-vals={vals({ path: listing.path, pick: e.path })} aria-label={`${props.multiple ? "Add" : "Use"} ${e.name}`}>
                              {props.multiple ? "Add" : "Use"}
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
            <div class="row">
              <input id={`${id}-new`} name="new_folder" form={`${id}-detached`} placeholder="New folder name" maxlength="255" aria-label="New folder name" />
              <button
                type="button"
                class="btn small-btn"
                hx-post="/drives/picker/mkdir"
                hx-target={`#${id}`}
                hx-swap="outerHTML"
                hx-include={`#${inputId}, #${id}-new`}
                hx-vals={vals({ path: listing.path })}
              >
                Create folder
              </button>
            </div>
          </>
        ) : (
          ""
        )}
      </section>
    </div>
  );
}
