// Runtime configuration: flags win over environment variables, which win over defaults.
// Every option is listed once here so `--help`, the README table and parsing agree.
import { resolve } from "node:path";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  allowedBrowsePaths: string[];
  secureCookies: boolean;
  trustProxy: boolean;
  logLevel: LogLevel;
}

export class ConfigError extends Error {}

interface Option {
  flag: string;
  env: string;
  arg?: string;
  help: string;
  def: string;
}

export const OPTIONS = {
  host: { flag: "--host", env: "HOST", arg: "ADDR", help: "address to listen on", def: "0.0.0.0" },
  port: { flag: "--port", env: "PORT", arg: "N", help: "port to listen on", def: "8000" },
  dataDir: { flag: "--data", env: "DYNAMIGHT_DATA_DIR", arg: "DIR", help: "data folder (database, secret key)", def: "./data" },
  allowedBrowsePaths: {
    flag: "--allowed-browse-paths",
    env: "ALLOWED_BROWSE_PATHS",
    arg: "LIST",
    help: "comma list of folders the UI may browse, mount into and create folders in",
    def: "/mnt,/home,/media",
  },
  secureCookies: { flag: "--secure-cookies", env: "SECURE_COOKIES", help: "mark the session cookie Secure (set when served over HTTPS)", def: "false" },
  trustProxy: { flag: "--trust-proxy", env: "TRUST_PROXY", help: "take the client address from X-Forwarded-For (only behind your own reverse proxy)", def: "false" },
  logLevel: { flag: "--log-level", env: "LOG_LEVEL", arg: "LEVEL", help: "debug, info, warn or error", def: "info" },
} satisfies Record<keyof Config, Option>;

const LEVELS: LogLevel[] = ["debug", "info", "warn", "error"];

function parseBool(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (["1", "true", "yes", "on", ""].includes(v)) return true;
  if (["0", "false", "no", "off"].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** Reads flags (`--port 9000` or `--port=9000`) and env into a Config; throws ConfigError on bad values. */
export function loadConfig(argv: string[], env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  const raw: Partial<Record<keyof Config, string>> = {};
  for (const key of Object.keys(OPTIONS) as (keyof Config)[]) {
    const value = env[OPTIONS[key].env];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const key = (Object.keys(OPTIONS) as (keyof Config)[]).find((k) => OPTIONS[k].flag === flag);
    if (!key) throw new ConfigError(`unknown option ${flag} (see dynamight --help)`);
    const opt: Option = OPTIONS[key];
    if (!opt.arg) {
      raw[key] = inline ?? "true";
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError(`${flag} needs a value (${opt.arg})`);
    raw[key] = value;
  }
  const get = (key: keyof Config) => raw[key] ?? OPTIONS[key].def;

  const portText = get("port");
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    throw new ConfigError(`port must be a number from 1 to 65535, got "${portText}"`);
  }
  const logLevel = get("logLevel").toLowerCase() as LogLevel;
  if (!LEVELS.includes(logLevel)) throw new ConfigError(`log level must be one of ${LEVELS.join(", ")}, got "${get("logLevel")}"`);
  const allowedBrowsePaths = get("allowedBrowsePaths")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of allowedBrowsePaths) {
    if (!p.startsWith("/")) throw new ConfigError(`allowed browse paths must be absolute, got "${p}"`);
  }
  return {
    host: get("host"),
    port,
    dataDir: resolve(cwd, get("dataDir")),
    allowedBrowsePaths: allowedBrowsePaths.map((p) => resolve(p)),
    secureCookies: parseBool(OPTIONS.secureCookies.env, get("secureCookies")),
    trustProxy: parseBool(OPTIONS.trustProxy.env, get("trustProxy")),
    logLevel,
  };
}

export function optionsHelp(): string {
  return Object.values(OPTIONS as Record<string, Option>)
    .map((o) => `  ${`${o.flag}${o.arg ? ` ${o.arg}` : ""}`.padEnd(30)} ${o.help}\n  ${"".padEnd(30)} env ${o.env}, default ${o.def}`)
    .join("\n");
}
