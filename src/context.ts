import type { Config } from "./config.ts";
import type { Db } from "./db/client.ts";
import type { Logger } from "./logger.ts";
import type { Health } from "./system/health.ts";

/** What every feature gets: built once by the server (or a test), passed to each route module. */
export interface AppContext {
  config: Config;
  db: Db;
  /** The data folder's 32-byte key: signs sessions, seals credentials and TOTP secrets. */
  secret: Uint8Array;
  logger: Logger;
  health: Health;
  startedAt: number;
}
