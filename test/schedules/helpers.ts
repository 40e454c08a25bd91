// Shared by the schedules, live, settings, metrics and backup tests: signed-in callers and jobs.
import { hashApiKey } from "../../src/auth/guard.ts";
import { createSession } from "../../src/auth/sessions.ts";
import { TokenSigner } from "../../src/auth/tokens.ts";
import type { AppContext } from "../../src/context.ts";
import type { Db } from "../../src/db/client.ts";
import { apiKeys, jobs, users } from "../../src/db/schema.ts";
import { type ApiError, conflict } from "../../src/http/errors.ts";
import type { RunEngine, StartOptions } from "../../src/runs/engine-types.ts";
import { type TestContextOptions, testApp } from "../helpers/app.ts";

export async function addUser(ctx: AppContext, username = "admin") {
  return ctx.db.insert(users).values({ username, passwordHash: "x" }).returning().get();
}

export async function apiKey(ctx: AppContext, userId: number, scope: "read" | "write" = "write"): Promise<string> {
  const key = `dm_${crypto.randomUUID().replaceAll("-", "")}`;
  ctx.db
    .insert(apiKeys)
    .values({ userId, name: `k-${scope}`, prefix: key.slice(0, 8), keyHash: await hashApiKey(key), scope })
    .run();
  return key;
}

/** A real session row and its signed JWT (what the login sets as the `token` cookie). */
export async function sessionToken(ctx: AppContext, userId: number): Promise<string> {
  const { id } = createSession(ctx.db, userId);
  return new TokenSigner(ctx.secret).signSession(id, userId);
}

/** testApp() with a write API key: `api(method, path, body?)`; also a read key and a session. */
export async function signedIn(opts: TestContextOptions = {}) {
  const t = testApp(opts);
  const user = await addUser(t.ctx);
  const key = await apiKey(t.ctx, user.id, "write");
  const readKey = await apiKey(t.ctx, user.id, "read");
  const api = <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = { "x-api-key": key }) => t.client.json<T>(method, path, { body, headers });
  return { ...t, user, key, readKey, api };
}

export function insertJob(db: Db, opts: { name?: string; enabled?: boolean } = {}) {
  return db
    .insert(jobs)
    .values({ name: opts.name ?? "Job", enabled: opts.enabled ?? true, sourceDirs: ["/nonexistent"], destinationType: "local", destinationConfig: {}, syncOptions: {} })
    .returning()
    .get();
}

/**
 * Stands in for the run engine in scheduler unit tests: the scheduler's decisions (fire, skip,
 * catch up) are what is under test, and a real run would need seconds of real time per fire.
 * The end-to-end test in scheduler-engine.test.ts uses the real engine.
 */
export class RecordingEngine implements RunEngine {
  started: { jobId: number; opts: StartOptions }[] = [];
  active = new Map<number, number>();
  refuse: ApiError | null = null;
  private nextId = 1;

  start(jobId: number, opts: StartOptions): number {
    if (this.refuse) throw this.refuse;
    if (this.active.has(jobId)) throw conflict("Job is already running");
    this.started.push({ jobId, opts });
    return this.nextId++;
  }
  async cancel() {
    return false;
  }
  activeRun(jobId: number) {
    return this.active.get(jobId) ?? null;
  }
  live() {
    return null;
  }
  async waitFor() {}
  reconcile() {
    return 0;
  }
  async stop() {}
}
