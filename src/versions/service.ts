// Versions read back from a job's store: one file's versions (GET /api/jobs/:id/versions) and the
// copies a restore as of a time reads (resolve.ts decides; this module lists). Everything comes
// from the store itself; the local record only adds when each path first arrived.
import type { RecordDb, RemoteEntry, RemoteStore } from "../destinations/contract.ts";
import { RemoteRecord } from "../destinations/engine/record.ts";
import { VERSIONS_DIR } from "../destinations/engine/version-names.ts";
import { badRequest, named } from "../http/errors.ts";
import { asVersion, type CurrentFile, type ResolvedFile, resolveAsOf, selected, type VersionFile } from "./resolve.ts";

export interface VersionView {
  version: string;
  size: number;
  modified: string | null;
}

/**
 * A path as the API takes it: relative to the destination root, "/"-separated, inside it.
 * `subject` words the error ("Query parameter 'path'"), `field` names it.
 */
export function checkStorePath(raw: string, subject: string, field: string): string {
  const path = raw.replace(/^\/+|\/+$/g, "");
  if (path === "" || path.includes("\0") || path.split("/").some((s) => s === "" || s === "." || s === "..")) {
    throw named(badRequest(`${subject} must be a path relative to the destination root, like docs/a.txt (no '.', '..' or empty parts)`), field);
  }
  if (path === VERSIONS_DIR || path.startsWith(`${VERSIONS_DIR}/`)) throw named(badRequest(`${subject} must name a backed-up path, not the versions folder`), field);
  return path;
}

/** Every version the store keeps, as versions of their paths (one listing of the versions folder). */
async function* storeVersions(store: RemoteStore, signal: AbortSignal): AsyncGenerator<VersionFile> {
  for await (const e of store.list(VERSIONS_DIR, signal)) {
    const v = asVersion(e);
    if (v) yield v;
  }
}

/** When the listing has no mtime (S3 keeps it in metadata only stat returns), ask for it. */
async function withMtime(store: RemoteStore, v: VersionFile, signal: AbortSignal): Promise<VersionFile> {
  if (v.mtime !== null || !store.stat) return v;
  const st = await store.stat(`${VERSIONS_DIR}/${v.stamp}/${v.path}`, signal);
  return st ? { ...v, mtime: st.mtime ?? null } : v;
}

/** The versions of one file, newest first. */
export async function listVersions(store: RemoteStore, path: string, signal: AbortSignal): Promise<VersionView[]> {
  const found: VersionFile[] = [];
  for await (const v of storeVersions(store, signal)) if (v.path === path) found.push(await withMtime(store, v, signal));
  found.sort((a, b) => b.at - a.at);
  return found.map((v) => ({ version: v.stamp, size: v.size, modified: v.mtime === null ? null : new Date(v.mtime).toISOString() }));
}

/**
 * What a restore of `paths` ([] = everything) as of `asOf` reads: each path's copy at that time,
 * or nothing for a path that was not backed up then. `record` is the app's record database
 * (first_seen of each current path); null or no rows (local/USB) falls back on mtimes.
 */
export async function resolveRestoreAsOf(
  store: RemoteStore,
  record: RecordDb | null,
  paths: string[],
  asOf: number,
  signal: AbortSignal,
  /** Called with each requested path the destination holds nothing of, now or in any version. */
  unknown?: (path: string) => void,
): Promise<ResolvedFile[]> {
  const seen = new Set<string>();
  const note = (path: string) => {
    if (unknown) for (const p of paths) if (!seen.has(p) && (p === path || path.startsWith(`${p}/`))) seen.add(p);
  };
  const tops = new Set(paths.map((p) => p.split("/", 1)[0]!).filter((t) => t !== ""));
  const current: CurrentFile[] = [];
  const rec = record ? RemoteRecord.open(record, store.key) : null;
  try {
    const listings: AsyncIterable<RemoteEntry>[] = tops.size && !paths.includes("") ? [...tops].map((t) => store.list(t, signal)) : [store.list("", signal)];
    for (const listing of listings) {
      const arrived = new Map<string, number | null>();
      let loadedTop: string | null = null;
      for await (const e of listing) {
        if (e.path.startsWith(`${VERSIONS_DIR}/`) || !selected(e.path, paths)) continue;
        const top = e.path.split("/", 1)[0]!;
        if (rec && top !== loadedTop) {
          arrived.clear();
          for (const r of rec.entries(top)) if (r.size >= 0) arrived.set(r.path, r.firstSeen ?? null);
          loadedTop = top;
        }
        note(e.path);
        current.push({ path: e.path, size: e.size, mtime: e.mtime, firstSeen: arrived.get(e.path) ?? null });
      }
    }
  } finally {
    rec?.close();
  }
  // Only the earliest version after asOf of a path can be the answer; the mtime rule needs its mtime.
  const candidates = new Map<string, VersionFile>();
  for await (const v of storeVersions(store, signal)) {
    if (!selected(v.path, paths)) continue;
    note(v.path);
    if (v.at <= asOf) continue;
    const seen = candidates.get(v.path);
    if (!seen || v.at < seen.at) candidates.set(v.path, v);
  }
  const arrivals = new Map<string, number | null>();
  if (record && candidates.size) {
    const r = RemoteRecord.open(record, store.key);
    try {
      for (const [k, v] of r.versionArrivals([...new Set([...candidates.values()].map((v) => v.stamp))])) arrivals.set(k, v);
    } finally {
      r.close();
    }
  }
  const versions = await Promise.all(
    [...candidates.values()].map(async (v) => {
      const key = `${v.stamp}/${v.path}`;
      // Known arrival: the mtime is not needed. Unknown: the mtime rule is all there is.
      return arrivals.has(key) && arrivals.get(key) !== null ? { ...v, firstSeen: arrivals.get(key)! } : withMtime(store, v, signal);
    }),
  );
  if (unknown) for (const p of paths) if (!seen.has(p)) unknown(p);
  return resolveAsOf(asOf, current, versions);
}

/** A restore's file, as restore's selectors yield it: where it lands (`logical`) and what is read (`entry`). */
export interface AsOfFile {
  logical: string;
  entry: RemoteEntry;
}

/**
 * The files a restore as of `asOf` reads (restore's Selector shape): each requested path as it
 * was then, older copies read from the versions folder under their own paths. A requested path
 * the destination never held is passed to `missing`; one that only arrived later is left out.
 */
export function asOfSelector(asOf: number, record: RecordDb | null) {
  return async function* (store: RemoteStore, paths: string[], signal: AbortSignal, missing: (path: string) => void): AsyncGenerator<AsOfFile> {
    for (const f of await resolveRestoreAsOf(store, record, paths, asOf, signal, missing)) {
      yield { logical: f.path, entry: { path: f.from, size: f.size, mtime: f.mtime } };
    }
  };
}

/** `as_of` of a restore request: an ISO-8601 time with a zone (Z or an offset), as ms. */
export function parseAsOf(raw: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(ms)) throw named(badRequest("Field 'as_of' must be an ISO 8601 time with a zone, like 2026-12-01T02:00:00Z"), "as_of");
  return ms;
}
