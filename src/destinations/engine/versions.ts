// Pruning the versions folder of a remote store at the end of a successful run: every file in a
// version folder whose run started more than keep_versions_days ago is deleted, then (tree stores)
// the folders left empty. The listing is in path order and stamps sort by time, so it stops at
// the first folder still kept: a run reads only what it deletes, plus one page.
import type { RemoteStore, RunReporter } from "../contract.ts";
import type { RemoteRecord } from "./record.ts";
import { parseVersionStamp, VERSIONS_DIR, versionExpired } from "./version-names.ts";

export interface PruneEnv {
  signal: AbortSignal;
  report: RunReporter;
  retry: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
  /** The record: forgets the pruned folders' versions. */
  record: RemoteRecord | null;
}

const BATCH = 1000;

/** Deletes the expired version files under `.dynamight-versions/`; returns how many. */
export async function pruneVersions(store: RemoteStore, keepDays: number, now: number, env: PruneEnv): Promise<number> {
  const { signal, report, retry } = env;
  const prefix = `${VERSIONS_DIR}/`;
  const folders = new Set<string>();
  const dirs = new Set<string>();
  let pruned = 0;
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const paths = batch;
    batch = [];
    if (store.removeMany) {
      for (let i = 0; i < paths.length; i += Math.max(1, store.maxBatch ?? BATCH)) {
        const part = paths.slice(i, i + Math.max(1, store.maxBatch ?? BATCH));
        await retry("removing old versions", () => store.removeMany!(part, signal));
      }
    } else {
      const width = Math.max(1, store.capabilities.concurrency);
      for (let i = 0; i < paths.length; i += width) {
        await Promise.all(paths.slice(i, i + width).map((p) => retry(`removing old version ${p}`, () => store.remove(p, signal))));
      }
    }
    pruned += paths.length;
  };
  for await (const e of store.list(VERSIONS_DIR, signal)) {
    if (!e.path.startsWith(prefix)) continue;
    const stamp = e.path.slice(prefix.length).split("/", 1)[0]!;
    if (parseVersionStamp(stamp) === null) continue; // not a folder we made: left alone
    if (!versionExpired(stamp, keepDays, now)) break;
    folders.add(stamp);
    batch.push(e.path);
    if (store.removeDir) for (let i = e.path.lastIndexOf("/"); i > prefix.length; i = e.path.lastIndexOf("/", i - 1)) dirs.add(e.path.slice(0, i));
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  if (store.removeDir) {
    for (const dir of [...dirs].sort((a, b) => b.split("/").length - a.split("/").length)) await retry(`removing folder ${dir}`, () => store.removeDir!(dir, signal));
  }
  env.record?.forgetVersions([...folders]);
  if (pruned) report.log("info", `pruned ${pruned} old version(s) from ${folders.size} version folder(s) older than ${keepDays} day(s)`);
  return pruned;
}
