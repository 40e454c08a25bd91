// Statements built once per database: drizzle's query builder costs more than SQLite itself on
// the hot API paths (the jobs list, the session lookup), so those keep a prepared statement.
import type { Db } from "./client.ts";

/** `build(db)` run once per database; later calls return the same prepared statement. */
export function preparedOnce<T>(build: (db: Db) => T): (db: Db) => T {
  const byDb = new WeakMap<Db, T>();
  return (db) => {
    let p = byDb.get(db);
    if (p === undefined) byDb.set(db, (p = build(db)));
    return p;
  };
}
