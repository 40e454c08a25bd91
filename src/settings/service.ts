// Application settings: a key/value table of JSON values with defaults for every key, so a
// fresh database and an old one missing a newer key both read as a complete object.
import { eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { settings } from "../db/schema.ts";
import { invalidField } from "../http/errors.ts";

export type Theme = "light" | "dark" | "system";
export const THEMES: Theme[] = ["light", "dark", "system"];
export const MAX_RUNS_MIN = 1;
export const MAX_RUNS_MAX = 1000;

export interface Settings {
  max_runs_per_job: number;
  theme: Theme;
  /** Where users reach this server (e.g. "https://backup.example.com"), for links in notifications; null: relative links. */
  public_url: string | null;
}

export const DEFAULT_SETTINGS: Settings = { max_runs_per_job: 10, theme: "system", public_url: null };
const KEYS = Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[];

function validMaxRuns(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= MAX_RUNS_MIN && v <= MAX_RUNS_MAX;
}

/** An absolute http(s) URL without query or fragment, stored without its trailing slash. */
function normalPublicUrl(v: unknown): string | null | undefined {
  if (v === null) return null;
  if (typeof v !== "string" || v.length > 2000) return undefined;
  let url: URL;
  try {
    url = new URL(v.trim());
  } catch {
    return undefined;
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search || url.hash || url.username || url.password) return undefined;
  return url.toString().replace(/\/+$/, "");
}

function validTheme(v: unknown): v is Theme {
  return typeof v === "string" && (THEMES as string[]).includes(v);
}

/** The current settings; a stored value that is not valid (hand-edited database) reads as the default. */
export function getSettings(db: Db): Settings {
  const rows = db.select().from(settings).where(inArray(settings.key, KEYS)).all();
  const out: Settings = { ...DEFAULT_SETTINGS };
  for (const row of rows) {
    if (row.key === "max_runs_per_job" && validMaxRuns(row.value)) out.max_runs_per_job = row.value;
    if (row.key === "theme" && validTheme(row.value)) out.theme = row.value;
    if (row.key === "public_url") {
      const url = normalPublicUrl(row.value);
      if (url !== undefined) out.public_url = url;
    }
  }
  return out;
}

/** Applies a partial update (each given field validated, 400 naming it) and returns the full settings. */
export function updateSettings(db: Db, patch: Partial<Record<keyof Settings, unknown>>): Settings {
  const changes: Partial<Settings> = {};
  if (patch.max_runs_per_job !== undefined) {
    if (!validMaxRuns(patch.max_runs_per_job)) throw invalidField("max_runs_per_job", `must be a whole number from ${MAX_RUNS_MIN} to ${MAX_RUNS_MAX}`);
    changes.max_runs_per_job = patch.max_runs_per_job;
  }
  if (patch.theme !== undefined) {
    if (!validTheme(patch.theme)) throw invalidField("theme", `must be one of ${THEMES.map((t) => JSON.stringify(t)).join(", ")}`);
    changes.theme = patch.theme;
  }
  if (patch.public_url !== undefined) {
    const url = normalPublicUrl(patch.public_url);
    if (url === undefined) throw invalidField("public_url", "must be an absolute http(s) URL without query or fragment (e.g. https://backup.example.com), or null");
    changes.public_url = url;
  }
  const now = new Date().toISOString();
  db.transaction((tx) => {
    for (const [key, value] of Object.entries(changes)) {
      // A null value (public_url off) is no row: the column holds JSON values, never NULL.
      if (value === null) {
        tx.delete(settings).where(eq(settings.key, key)).run();
        continue;
      }
      tx.insert(settings)
        .values({ key, value, updatedAt: now })
        .onConflictDoUpdate({ target: settings.key, set: { value: sql`excluded.value`, updatedAt: now } })
        .run();
    }
  });
  return getSettings(db);
}
