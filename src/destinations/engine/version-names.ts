// Versions (keep_versions_days): what a run overwrites or deletes is first moved to
// `<destination root>/.dynamight-versions/<run start, UTC, YYYYMMDDTHHMMSSZ>/<same relative path>`,
// plain files any tool can read back (docs/versions.md). This module is the folder's naming and
// the expiry rule, shared by the local destination (rsync --backup-dir) and the remote engine.

/** The versions folder at the destination root; never synced, listed as extraneous or browsed. */
export const VERSIONS_DIR = ".dynamight-versions";

const DAY_MS = 86_400_000;
const STAMP = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** A run start as the name of its version folder: 2026-12-01T11:05:52.123Z → 20261201T110552Z. */
export function versionStamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

/** The instant a version folder's name stands for, or null when the name is not a stamp. */
export function parseVersionStamp(name: string): number | null {
  const m = STAMP.exec(name);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return versionStamp(ms) === name ? ms : null;
}

/** The ISO time of a stamp (the API's `version` field is the stamp; this is for humans). */
export function stampIso(stamp: string): string | null {
  const ms = parseVersionStamp(stamp);
  return ms === null ? null : new Date(ms).toISOString();
}

/** Where the version of `path` (relative to the root) made at `stamp` lives, relative to the root. */
export function versionPath(stamp: string, path: string): string {
  return `${VERSIONS_DIR}/${stamp}/${path}`;
}

/**
 * Whether the version folder `stamp` has outlived `keepDays` at `now`: its run started more than
 * keepDays × 24 h ago. A folder whose name is not a stamp is not ours to delete.
 */
export function versionExpired(stamp: string, keepDays: number, now: number): boolean {
  const at = parseVersionStamp(stamp);
  return at !== null && now - at > keepDays * DAY_MS;
}
