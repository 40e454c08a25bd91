// The comparison: merges three path-ordered streams (local walk, remote listing or the record
// standing in for it, the record) and decides per path, holding one entry of each in memory.
// Rules (rclone sync's, with the record as a cache of what the remote cannot tell cheaply):
//  - only local                       -> upload
//  - only remote                      -> delete when delete_extraneous and not excluded, else keep
//  - both, sizes differ               -> upload
//  - both, remote listing has mtime   -> equal within the store's precision: keep, else upload
//  - both, listing has no mtime       -> the record vouches (same size, same local mtime as
//                                        uploaded, same remote id/server time): keep; otherwise
//                                        stat the remote when the store can ("verify"), else
//                                        upload, except that a store that never keeps mtimes and
//                                        has no record trusts a server write time newer than the
//                                        local mtime (so a lost record does not mean re-uploading all)
import { compareUtf8, DestinationError, type RemoteEntry, type StoreCapabilities } from "../contract.ts";
import type { ExcludeMatcher } from "./exclude.ts";
import type { RecordEntry } from "./record.ts";
import type { LocalFile } from "./walk.ts";

export interface LocalItem extends LocalFile {
  /** Relative to the store root: `<top>/<rel>`. */
  path: string;
}

export type Action =
  | { type: "upload"; local: LocalItem; reason: string }
  | { type: "verify"; local: LocalItem; remote: RemoteEntry }
  | { type: "delete"; path: string }
  /** No transfer: the record learns what the remote holds (unless dry run). */
  | { type: "adopt"; entry: RecordEntry }
  | { type: "keep"; path: string };

export interface PlanInput {
  top: string;
  local: AsyncIterable<LocalFile>;
  /** The remote listing, or null when the record stands in for it (fast path). */
  remote: AsyncIterable<RemoteEntry> | null;
  record: Iterable<RecordEntry>;
  caps: StoreCapabilities;
  excludes: ExcludeMatcher;
  deleteExtraneous: boolean;
  canStat: boolean;
}

class Cursor<T extends { path: string }> {
  cur: T | undefined;
  private last: string | null = null;
  constructor(
    private it: AsyncIterator<T> | Iterator<T>,
    private what: string,
  ) {}
  async next(): Promise<void> {
    const r = await this.it.next();
    this.cur = r.done ? undefined : r.value;
    if (this.cur) {
      if (this.last !== null && compareUtf8(this.last, this.cur.path) >= 0) {
        throw new DestinationError("failed", `${this.what} is not in path order at "${this.cur.path}" (a store bug)`);
      }
      this.last = this.cur.path;
    }
  }
}

const fromRecord = (e: RecordEntry): RemoteEntry => ({ path: e.path, size: e.size, mtime: e.mtime, id: e.remoteId, serverTime: e.serverTime });

export async function* plan(inp: PlanInput): AsyncGenerator<Action> {
  const prefix = `${inp.top}/`;
  const local = new Cursor<LocalItem>(mapLocal(inp.local, prefix), "the local walk");
  const record = new Cursor<RecordEntry>(inp.record[Symbol.iterator](), "the record");
  const fast = inp.remote === null;
  const remote = fast ? null : new Cursor<RemoteEntry>(inp.remote![Symbol.asyncIterator](), "the remote listing");
  await local.next();
  await record.next();
  if (remote) await remote.next();

  for (;;) {
    const l = local.cur;
    const r = fast ? (record.cur ? fromRecord(record.cur) : undefined) : remote!.cur;
    if (!l && !r) break;
    const path = !r || (l && compareUtf8(l.path, r.path) <= 0) ? l!.path : r.path;
    // The record is a side stream on the full path: skip what no longer exists on either side.
    while (!fast && record.cur && compareUtf8(record.cur.path, path) < 0) await record.next();
    const rec = record.cur && record.cur.path === path ? record.cur : undefined;
    const lHere = l && l.path === path ? l : undefined;
    const rHere = r && r.path === path ? r : undefined;

    if (lHere && !rHere) yield { type: "upload", local: lHere, reason: "new" };
    else if (!lHere && rHere) {
      const rel = path.slice(prefix.length);
      if (inp.deleteExtraneous && !inp.excludes.excludesFile(rel)) yield { type: "delete", path };
      else if (!fast && !sameRecord(rec, rHere))
        yield {
          type: "adopt",
          entry: { path, size: rHere.size, mtime: rec?.mtime ?? null, remoteId: rHere.id ?? null, serverTime: rHere.serverTime ?? null, uploadedAt: rec?.uploadedAt ?? 0, firstSeen: null },
        };
      else yield { type: "keep", path };
    } else if (lHere && rHere) yield* decide(inp, lHere, rHere, rec, fast);

    if (lHere) await local.next();
    if (rHere) await (fast ? record : remote!).next();
    if (!fast && rec && record.cur === rec) await record.next();
  }
}

function* decide(inp: PlanInput, l: LocalItem, r: RemoteEntry, rec: RecordEntry | undefined, fast: boolean): Generator<Action> {
  if (l.size !== r.size) return yield { type: "upload", local: l, reason: "size changed" };
  if (fast) {
    return yield l.mtime === r.mtime ? { type: "keep", path: l.path } : { type: "upload", local: l, reason: "modified" };
  }
  const adopt = (mtime: number): Action => ({
    type: "adopt",
    entry: { path: l.path, size: r.size, mtime, remoteId: r.id ?? rec?.remoteId ?? null, serverTime: r.serverTime ?? null, uploadedAt: rec?.uploadedAt ?? Date.now(), firstSeen: null },
  });
  if (r.mtime !== null) {
    if (Math.abs(r.mtime - l.mtime) < inp.caps.mtimePrecisionMs) return yield rec && rec.mtime === l.mtime && sameRecord(rec, r) ? { type: "keep", path: l.path } : adopt(l.mtime);
    return yield { type: "upload", local: l, reason: "modified" };
  }
  if (rec && rec.size === r.size && rec.mtime === l.mtime && sameIdentity(rec, r)) {
    return yield sameRecord(rec, r) ? { type: "keep", path: l.path } : adopt(l.mtime);
  }
  if (rec && rec.mtime !== null && rec.mtime !== l.mtime) return yield { type: "upload", local: l, reason: "modified" };
  if (inp.canStat) return yield { type: "verify", local: l, remote: r };
  if (!rec && inp.caps.mtime === "none" && r.serverTime != null && r.serverTime >= l.mtime) return yield adopt(l.mtime);
  yield { type: "upload", local: l, reason: rec ? "changed on the remote" : "unknown remote version" };
}

/** The remote's identity agrees with what we recorded (ignoring what either side does not know). */
function sameIdentity(rec: RecordEntry, r: RemoteEntry): boolean {
  if (rec.remoteId && r.id && rec.remoteId !== r.id) return false;
  if (rec.serverTime != null && r.serverTime != null && rec.serverTime !== r.serverTime) return false;
  return true;
}

/** Nothing to write to the record for this entry. */
function sameRecord(rec: RecordEntry | undefined, r: RemoteEntry): boolean {
  return !!rec && rec.size === r.size && (rec.remoteId ?? null) === (r.id ?? rec.remoteId ?? null) && (rec.serverTime ?? null) === (r.serverTime ?? rec.serverTime ?? null);
}

async function* mapLocal(it: AsyncIterable<LocalFile>, prefix: string): AsyncGenerator<LocalItem> {
  for await (const f of it) yield { ...f, path: prefix + f.rel };
}
