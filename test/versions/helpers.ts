// Shared by the versions tests: the three run times, files with chosen mtimes, and an app whose
// backups run on a second engine with an injected clock (the run start names the version folder
// and is what versions expire against), so tests drive time instead of sleeping.
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { AppContext } from "../../src/context.ts";
import { Engine } from "../../src/runs/engine.ts";
import { RunEvents } from "../../src/runs/events.ts";
import { getRun } from "../../src/runs/queries.ts";
import { authedApp } from "../engine/fixtures.ts";

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const T1 = Date.parse("2026-01-01T00:00:00Z");
export const T2 = T1 + DAY;
export const T3 = T1 + 2 * DAY;

/** Writes files with an mtime of `at` (a file's mtime is when it was last written, before the run that backs it up). */
export function write(root: string, files: Record<string, string>, at: number) {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    utimesSync(p, at / 1000, at / 1000);
  }
}

/** Every file under `dir`, relative, sorted. */
export function tree(dir: string, rel = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tree(join(dir, e.name), `${rel}${e.name}/`) : [`${rel}${e.name}`]))
    .sort();
}

export async function appWithClock(allowedRoots?: string[]) {
  const t = await authedApp(allowedRoots ? { config: { allowedBrowsePaths: allowedRoots } } : {});
  let clock = T1;
  // The app's own engine is for the API; runs go through a second engine on the same database whose clock the test sets.
  const engine = new Engine({
    db: t.ctx.db,
    events: new RunEvents(),
    logger: t.ctx.logger,
    secret: t.ctx.secret,
    dataDir: t.ctx.config.dataDir,
    allowedRoots: t.ctx.config.allowedBrowsePaths,
    maxRunsPerJob: () => 100,
    now: () => clock,
  });
  const run = async (jobId: number, at: number) => {
    clock = at;
    const id = engine.start(jobId, { trigger: "manual" });
    await engine.waitFor(id);
    const r = await t.api("GET", `/api/runs/${id}`);
    const logs = await t.api("GET", `/api/runs/${id}/logs`);
    return { run: r.body, logs: (logs.body as { message: string }[]).map((l) => l.message) };
  };
  /** Waits for a run the app's own engine started (a restore) and answers it with its log. */
  const finished = async (id: number) => {
    await t.services.engine.waitFor(id);
    const r = await t.api("GET", `/api/runs/${id}`);
    const logs = await t.api("GET", `/api/runs/${id}/logs`);
    return { run: r.body, logs: (logs.body as { message: string }[]).map((l) => l.message) };
  };
  return { ...t, engine, run, finished };
}

/** A run engine on `ctx`'s database whose clock the caller sets per run (for page tests on their own app). */
export function clockRunner(ctx: AppContext) {
  let clock = T1;
  const engine = new Engine({
    db: ctx.db,
    events: new RunEvents(),
    logger: ctx.logger,
    secret: ctx.secret,
    dataDir: ctx.config.dataDir,
    allowedRoots: ctx.config.allowedBrowsePaths,
    maxRunsPerJob: () => 100,
    now: () => clock,
  });
  const run = async (jobId: number, at: number) => {
    clock = at;
    const id = engine.start(jobId, { trigger: "manual" });
    await engine.waitFor(id);
    return getRun(ctx.db, id)!;
  };
  return { engine, run };
}
