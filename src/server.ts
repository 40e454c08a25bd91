// Turns a Config into a running appliance: data folder, database, key, services, HTTP.
import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { websocket } from "elysia/ws";
import type { Config } from "./config.ts";
import type { AppContext } from "./context.ts";
import { DB_FILE, openDatabase } from "./db/client.ts";
import { createApp } from "./http/app.ts";
import { BUN_HEADER_CEILING } from "./http/limits.ts";
import { createLogger, type Logger } from "./logger.ts";
import { loadOrCreateSecret } from "./secret.ts";
import { type Services, startServices } from "./services.ts";
import { Health } from "./system/health.ts";

export class StartupError extends Error {}

export { DB_FILE };

export function prepareDataDir(dir: string) {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new StartupError(`data folder ${dir} is a file, not a folder; choose another with --data or DYNAMIGHT_DATA_DIR`);
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StartupError(`data folder ${dir} is not writable (${code ?? (err as Error).message}); choose another with --data or DYNAMIGHT_DATA_DIR`);
  }
}

/** Everything but the listener: used by `serve` and by CLI commands that need the database. */
export function buildContext(config: Config, logger: Logger = createLogger(config.logLevel)): AppContext {
  prepareDataDir(config.dataDir);
  let secret: Uint8Array;
  try {
    secret = loadOrCreateSecret(config.dataDir);
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  const db = openDatabase(join(config.dataDir, DB_FILE));
  const health = new Health();
  health.register("database", () => {
    db.$client.query("SELECT 1").get();
    return { ready: true, error: null };
  });
  return { config, db, secret, logger, health, startedAt: Date.now() };
}

/**
 * Bun answers a request head over its header limit (16 KiB by default) with a bodiless 431 before
 * any JS runs, and Bun.serve has no per-server option for it. The limit is the process-wide
 * node:http `maxHeaderSize` (what `--max-http-header-size` sets; Bun.serve reads it too): raised
 * to BUN_HEADER_CEILING so the app sees heads up to there and answers its own 431 in JSON above
 * MAX_HEADER_BYTES.
 */
function allowLongHeadersThroughBun(logger: Logger) {
  if (http.maxHeaderSize >= BUN_HEADER_CEILING) return;
  (http as { maxHeaderSize: number }).maxHeaderSize = BUN_HEADER_CEILING;
  if (http.maxHeaderSize !== BUN_HEADER_CEILING) logger.warn("could not raise the HTTP header limit: over-long headers get an empty 431", { limit: http.maxHeaderSize });
}

export interface RunningServer {
  ctx: AppContext;
  services: Services;
  url: string;
  stop(): Promise<void>;
}

export async function serve(config: Config, logger?: Logger): Promise<RunningServer> {
  const ctx = buildContext(config, logger);
  const services = await startServices(ctx);
  const app = createApp(ctx, services);
  allowLongHeadersThroughBun(ctx.logger);
  let server: ReturnType<typeof Bun.serve>;
  try {
    server = Bun.serve({
      hostname: config.host,
      port: config.port,
      // Bun checks Content-Length against this before the app sees the request and answers 413
      // with an empty body; the app enforces the 1 MiB contract itself with the JSON error (a
      // declared length at once, a chunked body as its parser reads it; see http/limits.ts).
      maxRequestBodySize: Number.MAX_SAFE_INTEGER,
      fetch: app.fetch,
      // Elysia's dispatcher for .ws() routes (what app.listen() would pass).
      websocket,
    } as any);
    // .ws() routes upgrade through the app's server; outside app.listen() Elysia does not know it.
    (app as unknown as { server: unknown }).server = server;
  } catch (err) {
    await services.stop();
    ctx.db.$client.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new StartupError(`port ${config.port} on ${config.host} is already in use; choose another with --port or PORT`);
    if (code === "EACCES") throw new StartupError(`not allowed to listen on port ${config.port}; ports below 1024 need root, choose another with --port`);
    throw new StartupError(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
  }
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${server.port}`;
  ctx.logger.info(`Dynamight listening on http://${config.host}:${server.port}`, { data: config.dataDir });
  return {
    ctx,
    services,
    url,
    async stop() {
      server.stop(true);
      await services.stop();
      ctx.db.$client.close();
    },
  };
}
