// Paths inside a destination, as the API takes them and as stores list them. A user's path is
// refused (400 naming the field) when it could leave the destination root; a stored name that
// would leave the restore target ("..", NUL, empty segments: an S3 key can hold any of them) is
// never written.
import { badRequest, named } from "../http/errors.ts";

/** The folder that holds old versions (SPEC "Versions"): never listed, never restored as data. */
export const VERSIONS_DIR = ".dynamight-versions";

/** `path` as a store path: "" (the root) or segments joined by "/", a trailing "/" dropped. */
export function storePathParam(raw: string, field: string): string {
  const refuse = (why: string) => named(badRequest(`${field === "path" ? "Query parameter" : "Field"} '${field}' ${why}`), field);
  if (raw.includes("\0")) throw refuse("must not contain a NUL character");
  if (raw.startsWith("/")) throw refuse("must be relative to the destination root (no leading '/')");
  const path = raw.replace(/\/+$/, "");
  if (path === "") return "";
  const segs = path.split("/");
  if (segs.some((s) => s === "..")) throw refuse("must not contain '..'");
  if (segs.some((s) => s === "" || s === ".")) throw refuse("must not contain empty or '.' segments");
  return path;
}

/** Whether a path the store listed may be written below a local folder. */
export function safeStoredPath(path: string): boolean {
  if (path === "" || path.includes("\0") || path.startsWith("/")) return false;
  return !path.split("/").some((s) => s === "" || s === "." || s === "..");
}

/** Whether a stored path lies in the versions folder (the top one of the destination). */
export function inVersions(path: string): boolean {
  return path === VERSIONS_DIR || path.startsWith(`${VERSIONS_DIR}/`);
}
