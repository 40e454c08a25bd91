// The comparison of a verify run, free of I/O: merges the sorted local walk with the sorted store
// listing (both in compareUtf8 order, one entry of each in memory, as the sync engine's plan does)
// and words what differs. What needs the store or the file again (a stat for the preserved mtime,
// a hash, reading back) is decided here and done by remote.ts.
import { compareUtf8, DestinationError, type RemoteEntry } from "../destinations/contract.ts";
import type { ExcludeMatcher } from "../destinations/engine/exclude.ts";
import type { LocalFile } from "../destinations/engine/walk.ts";

export interface LocalItem extends LocalFile {
  /** Relative to the store root: `<top>/<rel>`. */
  path: string;
}

export type Pair = { type: "missing"; local: LocalItem } | { type: "extra"; remote: RemoteEntry } | { type: "both"; local: LocalItem; remote: RemoteEntry };

/** One stream in path order; anything out of order is a store (or walk) bug, not a difference. */
class Cursor<T extends { path: string }> {
  cur: T | undefined;
  private last: string | null = null;
  constructor(
    private readonly it: AsyncIterator<T>,
    private readonly what: string,
  ) {}
  async next(): Promise<void> {
    const r = await this.it.next();
    this.cur = r.done ? undefined : r.value;
    if (!this.cur) return;
    if (this.last !== null && compareUtf8(this.last, this.cur.path) >= 0) throw new DestinationError("failed", `${this.what} is not in path order at "${this.cur.path}" (a store bug)`);
    this.last = this.cur.path;
  }
}

/**
 * Every source file and every stored file of one source folder, paired by path. A stored file the
 * source does not have is "extra" only when the job deletes extraneous files (a job that keeps
 * them keeps them on purpose) and the job's excludes do not cover it (an excluded file is never
 * deleted by a backup either).
 */
export async function* pairs(top: string, local: AsyncIterable<LocalFile>, remote: AsyncIterable<RemoteEntry>, excludes: ExcludeMatcher, deleteExtraneous: boolean): AsyncGenerator<Pair> {
  const prefix = `${top}/`;
  const l = new Cursor<LocalItem>(withPrefix(local, prefix), "the local walk");
  const r = new Cursor<RemoteEntry>(remote[Symbol.asyncIterator](), "the destination listing");
  await l.next();
  await r.next();
  while (l.cur || r.cur) {
    const order = !r.cur ? -1 : !l.cur ? 1 : compareUtf8(l.cur.path, r.cur.path);
    if (order < 0) {
      yield { type: "missing", local: l.cur! };
      await l.next();
    } else if (order > 0) {
      if (deleteExtraneous && !excludes.excludesFile(r.cur!.path.slice(prefix.length))) yield { type: "extra", remote: r.cur! };
      await r.next();
    } else {
      yield { type: "both", local: l.cur!, remote: r.cur! };
      await l.next();
      await r.next();
    }
  }
}

async function* withPrefix(it: AsyncIterable<LocalFile>, prefix: string): AsyncGenerator<LocalItem> {
  for await (const f of it) yield { ...f, path: prefix + f.rel };
}

export const MISSING = "missing on the destination";
export const EXTRA = "extra on the destination (not in the source; the job deletes extraneous files)";

export function sizeDiffers(local: number, remote: number): string | null {
  return local === remote ? null : `size differs (source ${local} bytes, destination ${remote} bytes)`;
}

/** Equal within the store's precision, the sync engine's rule (SFTP keeps whole seconds). */
export function mtimeDiffers(local: number, remote: number | null, precisionMs: number): string | null {
  if (remote === null) return null;
  if (Math.abs(remote - local) < precisionMs) return null;
  return `modification time differs (source ${iso(local)}, destination ${iso(remote)})`;
}

export function hashDiffers(kind: string, local: string, remote: string): string | null {
  // Hex digests compare in any case; QuickXorHash is base64, where case matters.
  const same = kind === "quickxor" ? local === remote : local.toLowerCase() === remote.toLowerCase();
  return same ? null : `content differs (${kind} of the source ${local}, the destination's ${kind === "quickxor" ? remote : remote.toLowerCase()})`;
}

export const READ_BACK_DIFFERS = "content differs (read back from the destination, its bytes are not the source's)";

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/** "1 difference", "3 differences": the run's error message when it fails. */
export function differencesMessage(n: number): string {
  return `${n} ${n === 1 ? "difference" : "differences"}`;
}
