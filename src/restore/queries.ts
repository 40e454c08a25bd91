// All SQL of restore: the mirror engine's record of an upload, for stores that keep no mtime
// (WebDAV): the source mtime we uploaded, trusted only while the object is the one we wrote.
// Read on the record's own connection (db/record.ts: in tests it lives in the data folder's file).
import type { Database } from "bun:sqlite";
import type { Db } from "../db/client.ts";
import { recordDb } from "../db/record.ts";

export interface RecordedUpload {
  size: number;
  mtime: number | null;
  remoteId: string | null;
  serverTime: number | null;
}

/** Opened on the first lookup, closed by close(). */
export class UploadRecord {
  private conn: { reader: Database; close(): void } | null = null;

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
  ) {}

  get(storeKey: string, path: string): RecordedUpload | null {
    this.conn ??= recordDb(this.db, this.dataDir).open();
    return (
      this.conn.reader
        .query<RecordedUpload, [string, string]>("SELECT size, mtime, remote_id AS remoteId, server_time AS serverTime FROM remote_index WHERE store_key = ? AND path = ?")
        .get(storeKey, path) ?? null
    );
  }

  close() {
    this.conn?.close();
    this.conn = null;
  }
}
