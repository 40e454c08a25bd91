// A fresh app on a fresh in-memory database with the real migrations, called without a port.

import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, loadConfig } from "../../src/config.ts";
import type { AppContext } from "../../src/context.ts";
import { openDatabase } from "../../src/db/client.ts";
import { createApp } from "../../src/http/app.ts";
import { createLogger, type Logger, silentLogger } from "../../src/logger.ts";
import { createServices } from "../../src/services.ts";
import { Health } from "../../src/system/health.ts";

/**
 * ALLOWED_BROWSE_PATHS of test apps: the defaults, the temp folder (tests make their sources and
 * destinations with mkdtemp there) and the placeholder folders tests save as sources without
 * creating them. Job paths outside these are refused (docs/engine.md, guard rails); the data
 * folder (also under the temp folder) stays refused whatever the roots.
 */
export const TEST_ALLOWED_PATHS = ["/mnt", "/home", "/media", realpathSync(tmpdir()), "/a", "/b", "/srv", "/x", "/nonexistent"];

export function testConfig(overrides: Partial<Config> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), "dm-test-"));
  return { ...loadConfig([], {}, dataDir), dataDir, allowedBrowsePaths: TEST_ALLOWED_PATHS, ...overrides };
}

export interface TestContextOptions {
  config?: Partial<Config>;
  /** Collects log lines instead of discarding them (to assert on, e.g. that no secret is logged). */
  logLines?: string[];
  dbPath?: string;
}

export function testContext(opts: TestContextOptions = {}): AppContext {
  const config = testConfig(opts.config);
  const logger: Logger = opts.logLines ? createLogger("debug", (l) => opts.logLines!.push(l)) : silentLogger;
  const db = openDatabase(opts.dbPath ?? ":memory:");
  const health = new Health();
  health.register("database", () => ({ ready: true, error: null }));
  return { config, db, secret: crypto.getRandomValues(new Uint8Array(32)), logger, health, startedAt: Date.now() };
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Value of the `token` cookie. */
  token?: string;
}

export class TestClient {
  /** The session cookie last set by the server; sent on every later request. */
  token: string | undefined;
  constructor(
    readonly app: ReturnType<typeof createApp>,
    readonly ctx: AppContext,
  ) {}

  async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token ?? this.token;
    if (token && !headers.cookie) headers.cookie = `token=${token}`;
    // What a browser sends with the cookie on its own pages' requests (see src/http/origin.ts).
    if (headers.cookie && !("origin" in headers)) headers.origin = "http://localhost";
    let body: BodyInit | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await this.app.handle(new Request(`http://localhost${path}`, { method, headers, body }));
    const set = res.headers.getSetCookie().find((c) => c.startsWith("token="));
    if (set) {
      const value = set.slice("token=".length).split(";")[0]!;
      this.token = value && !/max-age=0|expires=thu, 01 jan 1970/i.test(set) ? value : undefined;
    }
    return res;
  }

  async json<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<{ status: number; body: T; res: Response }> {
    const res = await this.request(method, path, opts);
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: res.status, body, res };
  }
}

export function testApp(opts: TestContextOptions = {}) {
  const ctx = testContext(opts);
  // The real services (run events, run engine) on the test context, so API tests can run jobs.
  const services = createServices(ctx);
  const app = createApp(ctx, services);
  return { ctx, app, services, client: new TestClient(app, ctx) };
}
