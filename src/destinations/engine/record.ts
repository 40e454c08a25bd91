// The local record of what the engine uploaded (tables remote_index / remote_index_state in the
// app database, whose connections come in the request: SyncRequest.record; the engine never opens
// a file nor runs a migration). It lets a no-change sync skip listing the
// remote, and lets stores that cannot keep mtimes (WebDAV) tell unchanged files from changed ones.
// Reads stream in path order (SQLite's BINARY collation = compareUtf8) on their own connection;
// writes are batched into transactions on another, so a 100k-file run never holds the record in memory.
import type { Database } from "bun:sqlite";
import type { RecordDb } from "../contract.ts";

export interface RecordEntry {
  path: string;
  size: number;
  mtime: number | null;
  remoteId: string | null;
  serverTime: number | null;
  uploadedAt: number;
  /** The start of the run that first put this path on the remote (ms), kept when later runs
   *  replace the file; null: unknown (found there rather than uploaded). Absent on a put: uploadedAt. */
  firstSeen?: number | null;
}

export interface RecordState {
  complete: boolean;
  lastFullAt: number | null;
  runsSinceFull: number;
}

const FLUSH_EVERY = 500;

export class RemoteRecord {
  private reader: Database;
  private writer: Database;
  private release: () => void;
  private pending: ({ op: "put"; e: RecordEntry } | { op: "del"; path: string } | { op: "version"; stamp: string; path: string; firstSeen: number | null })[] = [];

  private constructor(
    db: RecordDb,
    readonly storeKey: string,
  ) {
    const c = db.open();
    this.reader = c.reader;
    this.writer = c.writer;
    this.release = c.close;
  }

  static open(db: RecordDb, storeKey: string): RemoteRecord {
    return new RemoteRecord(db, storeKey);
  }

  state(top: string): RecordState {
    const row = this.reader
      .query<{ complete: number; last_full_at: number | null; runs_since_full: number }, [string, string]>(
        "SELECT complete, last_full_at, runs_since_full FROM remote_index_state WHERE store_key = ? AND top = ?",
      )
      .get(this.storeKey, top);
    return row ? { complete: !!row.complete, lastFullAt: row.last_full_at, runsSinceFull: row.runs_since_full } : { complete: false, lastFullAt: null, runsSinceFull: 0 };
  }

  /** Marks the record of `top` untrustworthy until finish() says otherwise (a crash mid-run leaves it so). */
  begin(top: string) {
    this.writer.query("INSERT INTO remote_index_state (store_key, top, complete) VALUES (?, ?, 0) ON CONFLICT (store_key, top) DO UPDATE SET complete = 0").run(this.storeKey, top);
  }

  finish(top: string, full: boolean, now = Date.now()) {
    this.flush();
    if (full) {
      this.writer.query("UPDATE remote_index_state SET complete = 1, last_full_at = ?, runs_since_full = 0 WHERE store_key = ? AND top = ?").run(now, this.storeKey, top);
    } else {
      this.writer.query("UPDATE remote_index_state SET complete = 1, runs_since_full = runs_since_full + 1 WHERE store_key = ? AND top = ?").run(this.storeKey, top);
    }
  }

  /** Every recorded file under `top/`, in compareUtf8 order. */
  *entries(top: string): Generator<RecordEntry> {
    const lo = `${top}/`;
    const hi = `${top}0`; // "0" is the character after "/": the end of the "top/" range
    const q = this.reader.query<
      { path: string; size: number; mtime: number | null; remote_id: string | null; server_time: number | null; uploaded_at: number; first_seen: number | null },
      [string, string, string]
    >("SELECT path, size, mtime, remote_id, server_time, uploaded_at, first_seen FROM remote_index WHERE store_key = ? AND path >= ? AND path < ? ORDER BY path");
    for (const r of q.iterate(this.storeKey, lo, hi)) {
      yield { path: r.path, size: r.size, mtime: r.mtime, remoteId: r.remote_id, serverTime: r.server_time, uploadedAt: r.uploaded_at, firstSeen: r.first_seen };
    }
  }

  /** When the current life of `path` began (its first_seen), null when unknown or not recorded. */
  firstSeen(path: string): number | null {
    const row = this.reader.query<{ first_seen: number | null }, [string, string]>("SELECT first_seen FROM remote_index WHERE store_key = ? AND path = ?").get(this.storeKey, path);
    return row?.first_seen ?? null;
  }

  /** The engine moved `path` into the version folder `stamp`; `firstSeen`: when that copy's life of the path began. */
  noteVersion(stamp: string, path: string, firstSeen: number | null) {
    this.pending.push({ op: "version", stamp, path, firstSeen });
    if (this.pending.length >= FLUSH_EVERY) this.flush();
  }

  /** first_seen of every version the record knows under the version folder `stamp` (path → first_seen). */
  versionArrivals(stamps: string[]): Map<string, number | null> {
    const out = new Map<string, number | null>();
    const q = this.reader.query<{ stamp: string; path: string; first_seen: number | null }, [string, string]>("SELECT stamp, path, first_seen FROM remote_versions WHERE store_key = ? AND stamp = ?");
    for (const stamp of stamps) for (const r of q.iterate(this.storeKey, stamp)) out.set(`${r.stamp}/${r.path}`, r.first_seen);
    return out;
  }

  /** Forgets the versions of the folders pruning deleted. */
  forgetVersions(stamps: string[]) {
    this.flush();
    const del = this.writer.query("DELETE FROM remote_versions WHERE store_key = ? AND stamp = ?");
    this.writer.transaction(() => {
      for (const s of stamps) del.run(this.storeKey, s);
    })();
  }

  put(e: RecordEntry) {
    this.pending.push({ op: "put", e });
    if (this.pending.length >= FLUSH_EVERY) this.flush();
  }

  remove(path: string) {
    this.pending.push({ op: "del", path });
    if (this.pending.length >= FLUSH_EVERY) this.flush();
  }

  flush() {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const put = this.writer.query(
      // first_seen is the path's arrival: a later put (a new version of the file) keeps it.
      `INSERT INTO remote_index (store_key, path, size, mtime, remote_id, server_time, uploaded_at, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (store_key, path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, remote_id = excluded.remote_id,
       server_time = excluded.server_time, uploaded_at = excluded.uploaded_at`,
    );
    const del = this.writer.query("DELETE FROM remote_index WHERE store_key = ? AND path = ?");
    const version = this.writer.query(
      "INSERT INTO remote_versions (store_key, stamp, path, first_seen) VALUES (?, ?, ?, ?) ON CONFLICT (store_key, stamp, path) DO UPDATE SET first_seen = excluded.first_seen",
    );
    this.writer.transaction(() => {
      for (const p of batch) {
        if (p.op === "del") del.run(this.storeKey, p.path);
        else if (p.op === "version") version.run(this.storeKey, p.stamp, p.path, p.firstSeen);
        else put.run(this.storeKey, p.e.path, p.e.size, p.e.mtime, p.e.remoteId, p.e.serverTime, p.e.uploadedAt, p.e.firstSeen === undefined ? p.e.uploadedAt : p.e.firstSeen);
      }
    })();
  }

  close() {
    try {
      this.flush();
    } finally {
      this.release();
    }
  }
}
