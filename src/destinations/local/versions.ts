// Versions on a local/USB destination: rsync itself moves what it would overwrite or delete into
// `<root>/.dynamight-versions/<run start>/<source basename>/` (--backup --backup-dir, see
// rsyncArgs); this module prunes those folders at the end of a successful run.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { RunReporter } from "../contract.ts";
import { VERSIONS_DIR, versionExpired } from "../engine/version-names.ts";

/** Deletes the version folders under `<root>/.dynamight-versions/` older than keepDays at `now`; returns how many files they held. */
export function pruneLocalVersions(root: string, keepDays: number, now: number, report: RunReporter): number {
  const base = join(root, VERSIONS_DIR);
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return 0; // no version kept yet
  }
  let files = 0;
  let folders = 0;
  for (const name of names.sort()) {
    if (!versionExpired(name, keepDays, now)) continue;
    const dir = join(base, name);
    files += countFiles(dir);
    rmSync(dir, { recursive: true, force: true });
    folders++;
  }
  if (folders) report.log("info", `pruned ${files} old version(s) from ${folders} version folder(s) older than ${keepDays} day(s)`);
  return files;
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countFiles(join(dir, e.name));
    else n++;
  }
  return n;
}
