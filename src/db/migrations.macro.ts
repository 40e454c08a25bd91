// Runs at bundle time (imported `with { type: "macro" }`): the SQL of drizzle/ is inlined into
// the build, because drizzle's migrate() reads a folder at run time and a compiled binary has
// none. The shape is drizzle's MigrationMeta, hashed the same way as drizzle's readMigrationFiles,
// so databases migrated either way agree.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface EmbeddedMigration {
  tag: string;
  sql: string[];
  bps: boolean;
  folderMillis: number;
  hash: string;
}

export function readMigrations(folder = join(import.meta.dir, "../../drizzle")): EmbeddedMigration[] {
  const journal = JSON.parse(readFileSync(join(folder, "meta/_journal.json"), "utf8")) as {
    entries: { tag: string; when: number; breakpoints: boolean }[];
  };
  return journal.entries.map((entry) => {
    const query = readFileSync(join(folder, `${entry.tag}.sql`), "utf8");
    return {
      tag: entry.tag,
      sql: query.split("--> statement-breakpoint"),
      bps: entry.breakpoints,
      folderMillis: entry.when,
      hash: createHash("sha256").update(query).digest("hex"),
    };
  });
}
