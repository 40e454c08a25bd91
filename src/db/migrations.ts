import { readMigrations } from "./migrations.macro.ts" with { type: "macro" };
import type { EmbeddedMigration } from "./migrations.macro.ts";

/** Every migration of drizzle/, inlined when the code is bundled or transpiled. */
export const embeddedMigrations: EmbeddedMigration[] = readMigrations();
