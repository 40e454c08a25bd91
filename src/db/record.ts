// The mirror engine's record connections (SyncRequest.record) on the app's database. The app owns
// the file and the migrations; the engine only reads and writes remote_index / remote_index_state.
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { RecordDb } from "../destinations/contract.ts";
import { DB_FILE, type Db, openDatabase } from "./client.ts";

/**
 * Two connections per run on the file the app opened (reads stream on one while batched writes go
 * to the other). An app whose database is in memory (tests) cannot lend a second connection to
 * it: its record lives in the data folder's database file instead (recordInFolder).
 */
export function recordDb(db: Db, dataDir: string): RecordDb {
  const appFile = db.$client.filename;
  return appFile !== "" && appFile !== ":memory:" ? recordOn(appFile, false) : recordInFolder(dataDir);
}

/** The record in `<dataDir>/dynamight.db`, created and migrated when new (tests, benchmarks). */
export function recordInFolder(dataDir: string): RecordDb {
  return recordOn(join(dataDir, DB_FILE), true);
}

function recordOn(path: string, migrate: boolean): RecordDb {
  return {
    open() {
      if (migrate) ensureMigrated(path);
      const reader = connect(path);
      const writer = connect(path);
      return {
        reader,
        writer,
        close() {
          reader.close();
          writer.close();
        },
      };
    },
  };
}

function ensureMigrated(path: string) {
  const probe = connect(path);
  try {
    if (probe.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'remote_versions'").get()) return;
  } finally {
    probe.close();
  }
  openDatabase(path).$client.close();
}

function connect(path: string): Database {
  const db = new Database(path, { strict: true });
  db.run("PRAGMA busy_timeout = 5000");
  db.run("PRAGMA synchronous = NORMAL");
  return db;
}
