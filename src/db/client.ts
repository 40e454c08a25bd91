import { Database } from "bun:sqlite";
import { type BunSQLiteDatabase, drizzle } from "drizzle-orm/bun-sqlite";
import { embeddedMigrations } from "./migrations.ts";
import * as schema from "./schema.ts";

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database };

/** The app database's file name inside the data folder. */
export const DB_FILE = "dynamight.db";

const MIGRATIONS_TABLE = "__drizzle_migrations";

export class DatabaseOpenError extends Error {}

/**
 * Opens (creating if needed) the database at `path`, or in memory for ":memory:",
 * and brings its schema up to date with the embedded migrations.
 * Refuses files that are not SQLite, SQLite files that another program owns, and databases
 * written by a newer Dynamight: each with a one-line DatabaseOpenError.
 */
export function openDatabase(path: string): Db {
  let sqlite: Database;
  try {
    sqlite = new Database(path, { create: true, strict: true });
    sqlite.run("PRAGMA busy_timeout = 5000");
    if (path !== ":memory:") sqlite.run("PRAGMA journal_mode = WAL");
    sqlite.run("PRAGMA foreign_keys = ON");
    sqlite.run("PRAGMA synchronous = NORMAL");
  } catch (err) {
    throw new DatabaseOpenError(`cannot open database ${path}: ${describe(err)}`);
  }
  try {
    checkOwnership(sqlite, path);
    const db = drizzle({ client: sqlite, schema }) as Db;
    applyMigrations(db);
    return db;
  } catch (err) {
    sqlite.close();
    if (err instanceof DatabaseOpenError) throw err;
    throw new DatabaseOpenError(`cannot open database ${path}: ${describe(err)}`);
  }
}

function describe(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/not a database|file is encrypted/i.test(msg)) return "the file is not an SQLite database";
  return msg;
}

function checkOwnership(sqlite: Database, path: string) {
  const tables = sqlite
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all()
    .map((r) => r.name);
  if (tables.length > 0 && !tables.includes(MIGRATIONS_TABLE)) {
    throw new DatabaseOpenError(`${path} is not a Dynamight database (it has tables but no migration history); point --data at another folder`);
  }
  if (tables.includes(MIGRATIONS_TABLE)) {
    const applied = sqlite.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${MIGRATIONS_TABLE}`).get()!.n;
    if (applied > embeddedMigrations.length) {
      throw new DatabaseOpenError(`${path} was written by a newer Dynamight (${applied} migrations, this binary knows ${embeddedMigrations.length}); upgrade the binary`);
    }
  }
}

function applyMigrations(db: Db) {
  // The same migrator drizzle's migrate() uses, fed from the embedded set instead of a folder.
  const internal = db as unknown as { dialect: { migrate: Function }; session: unknown };
  internal.dialect.migrate(embeddedMigrations, internal.session, { migrationsTable: MIGRATIONS_TABLE });
}

export function appliedMigrationCount(db: Db): number {
  return db.$client.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${MIGRATIONS_TABLE}`).get()!.n;
}
