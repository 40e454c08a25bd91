import type { LogLevel } from "./config.ts";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Field names whose values are never written to a log, whatever calls the logger. */
const SECRET_KEYS = /pass|secret|token|key|code|authorization|cookie|private/i;

function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET_KEYS.test(k) ? "[redacted]" : v;
  return out;
}

/** One line per event: `time level message key=value ...`, to stderr for warn/error. */
export function createLogger(level: LogLevel, sink: (line: string, level: LogLevel) => void = defaultSink): Logger {
  const log = (l: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[l] < ORDER[level]) return;
    const extra = fields
      ? " " +
        Object.entries(redact(fields))
          .map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`)
          .join(" ")
      : "";
    sink(`${new Date().toISOString()} ${l.toUpperCase().padEnd(5)} ${msg}${extra}`, l);
  };
  return {
    debug: (m, f) => log("debug", m, f),
    info: (m, f) => log("info", m, f),
    warn: (m, f) => log("warn", m, f),
    error: (m, f) => log("error", m, f),
  };
}

function defaultSink(line: string, level: LogLevel) {
  if (ORDER[level] >= ORDER.warn) process.stderr.write(line + "\n");
  else process.stdout.write(line + "\n");
}

export const silentLogger: Logger = createLogger("error", () => {});
