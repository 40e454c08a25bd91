// Restore as of a time: which copy of each path was the current one then. Pure: the store's
// listings (current files and version folders) and the local record's first_seen come in, the
// copies to read come out (docs/versions.md).
//
// A version in `.dynamight-versions/<stamp>/<path>` is the content `path` had until the run that
// started at <stamp> replaced or deleted it. So at time T the path held: the version in the
// EARLIEST folder stamped after T that holds it, or, when no later run replaced it, the current
// file. That is only true if that life of the path had begun by T:
//  - the record says when each life began (first_seen, a run start: of the current file in
//    remote_index, of each version the engine made in remote_versions): a copy whose life began
//    after T is left out (the path was not backed up then);
//  - where nothing says (local/USB has no record; rows from before versions), a copy whose
//    preserved mtime is after T cannot be what the path held at T: left out. A copy with an old
//    mtime that arrived after T (a file copied in with its mtime) is then taken as there at T.
import { compareUtf8 } from "../destinations/contract.ts";
import { parseVersionStamp, VERSIONS_DIR } from "../destinations/engine/version-names.ts";

export interface CurrentFile {
  path: string;
  size: number;
  mtime: number | null;
  /** The start of the run that first backed the path up (ms); null: unknown. */
  firstSeen: number | null;
}

export interface VersionFile {
  /** The path the version is of (relative to the destination root, like a current file). */
  path: string;
  stamp: string;
  /** The stamp's instant (ms). */
  at: number;
  size: number;
  mtime: number | null;
  /** When the life of the path this copy belongs to began (ms), if the record knows. */
  firstSeen?: number | null;
}

export interface ResolvedFile {
  /** Where the file goes back (relative to the destination root). */
  path: string;
  /** What to read from the store: `path` itself, or its version's path. */
  from: string;
  /** The version folder read from; null for the current file. */
  version: string | null;
  size: number;
  mtime: number | null;
}

/** A store path under `.dynamight-versions/` as a version of a path, or null when it is not one. */
export function asVersion(e: { path: string; size: number; mtime: number | null }): VersionFile | null {
  const prefix = `${VERSIONS_DIR}/`;
  if (!e.path.startsWith(prefix)) return null;
  const rest = e.path.slice(prefix.length);
  const slash = rest.indexOf("/");
  if (slash <= 0 || slash === rest.length - 1) return null;
  const stamp = rest.slice(0, slash);
  const at = parseVersionStamp(stamp);
  return at === null ? null : { path: rest.slice(slash + 1), stamp, at, size: e.size, mtime: e.mtime };
}

/** Whether `path` is one of the selected paths or below one ("" or no selection: everything). */
export function selected(path: string, paths: string[]): boolean {
  return paths.length === 0 || paths.some((p) => p === "" || p === path || path.startsWith(`${p}/`));
}

/** Each path as it was at `asOf` (ms): the copy to restore, in path order; paths absent then are left out. */
export function resolveAsOf(asOf: number, current: Iterable<CurrentFile>, versions: Iterable<VersionFile>): ResolvedFile[] {
  // The earliest version after asOf of each path (the only one that can be the answer).
  const next = new Map<string, VersionFile>();
  for (const v of versions) {
    if (v.at <= asOf) continue;
    const seen = next.get(v.path);
    if (!seen || v.at < seen.at) next.set(v.path, v);
  }
  const out: ResolvedFile[] = [];
  const fromVersion = (v: VersionFile) => out.push({ path: v.path, from: `${VERSIONS_DIR}/${v.stamp}/${v.path}`, version: v.stamp, size: v.size, mtime: v.mtime });
  const there = (firstSeen: number | null | undefined, mtime: number | null) => (firstSeen != null ? firstSeen <= asOf : mtime === null || mtime <= asOf);
  for (const c of current) {
    const v = next.get(c.path);
    next.delete(c.path);
    if (!v) {
      if (there(c.firstSeen, c.mtime)) out.push({ path: c.path, from: c.path, version: null, size: c.size, mtime: c.mtime });
      continue;
    }
    // A version made after the current life began belongs to it: that life's start is its start.
    const life = v.firstSeen ?? (c.firstSeen !== null && v.at > c.firstSeen ? c.firstSeen : null);
    if (there(life, v.mtime)) fromVersion(v);
  }
  // Paths deleted since (no current file): their version, when its life had begun by asOf.
  for (const v of next.values()) if (there(v.firstSeen, v.mtime)) fromVersion(v);
  return out.sort((a, b) => compareUtf8(a.path, b.path));
}
