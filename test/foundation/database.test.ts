import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { appliedMigrationCount, DatabaseOpenError, openDatabase } from "../../src/db/client.ts";
import { embeddedMigrations } from "../../src/db/migrations.ts";
import { loadOrCreateSecret } from "../../src/secret.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "dm-db-"));

describe("embedded migrations", () => {
  test("equal the drizzle/ folder, as drizzle's own reader sees it", () => {
    const fromFolder = readMigrationFiles({ migrationsFolder: join(import.meta.dir, "../../drizzle") });
    expect(embeddedMigrations.length).toBeGreaterThan(0);
    expect(embeddedMigrations.map(({ sql, bps, folderMillis, hash }) => ({ sql, bps, folderMillis, hash }))).toEqual(fromFolder);
  });

  test("every journal entry has its SQL file and nothing extra is embedded", () => {
    const journal = JSON.parse(readFileSync(join(import.meta.dir, "../../drizzle/meta/_journal.json"), "utf8"));
    expect(embeddedMigrations.map((m) => m.tag)).toEqual(journal.entries.map((e: { tag: string }) => e.tag));
  });
});

describe("openDatabase", () => {
  test("creates a WAL database with every migration applied, and reopens it unchanged", () => {
    const file = join(tmp(), "dynamight.db");
    const db = openDatabase(file);
    expect(appliedMigrationCount(db)).toBe(embeddedMigrations.length);
    expect(db.$client.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()!.journal_mode).toBe("wal");
    expect(db.$client.query<{ timeout: number }, []>("PRAGMA busy_timeout").get()!.timeout).toBe(5000);
    expect(db.$client.query<{ foreign_keys: number }, []>("PRAGMA foreign_keys").get()!.foreign_keys).toBe(1);
    db.$client.run("INSERT INTO settings (key, value) VALUES ('theme', '\"dark\"')");
    db.$client.close();
    const again = openDatabase(file);
    expect(appliedMigrationCount(again)).toBe(embeddedMigrations.length);
    expect(again.$client.query<{ value: string }, []>("SELECT value FROM settings WHERE key = 'theme'").get()!.value).toBe('"dark"');
    again.$client.close();
  });

  test("refuses a file that is not SQLite, without touching it", () => {
    const file = join(tmp(), "dynamight.db");
    writeFileSync(file, "this is a text file, not a database".repeat(200));
    expect(() => openDatabase(file)).toThrow(DatabaseOpenError);
    expect(() => openDatabase(file)).toThrow(/not an SQLite database/);
    expect(readFileSync(file, "utf8")).toStartWith("this is a text file");
  });

  test("refuses an SQLite database that belongs to another program", () => {
    const file = join(tmp(), "other.db");
    const other = new Database(file);
    other.run("CREATE TABLE photos (id INTEGER PRIMARY KEY)");
    other.close();
    expect(() => openDatabase(file)).toThrow(/is not a Dynamight database/);
    const check = new Database(file);
    expect(check.query("SELECT name FROM sqlite_master WHERE name = 'users'").get()).toBeNull();
    check.close();
  });

  test("refuses a database written by a newer Dynamight", () => {
    const file = join(tmp(), "dynamight.db");
    openDatabase(file).$client.close();
    const raw = new Database(file);
    raw.run("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('future', 99999999999999)");
    raw.close();
    expect(() => openDatabase(file)).toThrow(/newer Dynamight/);
  });
});

describe("secret key", () => {
  test("is created once with mode 0600 and reused", () => {
    const dir = tmp();
    const a = loadOrCreateSecret(dir);
    expect(a.length).toBe(32);
    expect(statSync(join(dir, "secret.key")).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecret(dir)).toEqual(a);
  });

  test("a damaged key file is an error, never silently replaced", () => {
    const dir = tmp();
    writeFileSync(join(dir, "secret.key"), "nope\n");
    expect(() => loadOrCreateSecret(dir)).toThrow(/not a Dynamight secret key/);
    expect(readFileSync(join(dir, "secret.key"), "utf8")).toBe("nope\n");
  });
});
