// What every channel type (a sender in senders/) is made of: its fields as data (for the API and
// a future form), a check of its config naming the field, and one function that delivers a
// message. A sender imports this file and nothing else of src/ but the host-free helpers here.

/** A config field, declared as data like a destination's FieldSpec; `secret` ones are sealed at rest and returned masked. */
export interface FieldSpec {
  name: string;
  label: string;
  /** list: an array of strings; map: an object of string values. */
  type: "string" | "integer" | "boolean" | "password" | "choice" | "list" | "map";
  required: boolean;
  options?: string[];
  secret?: boolean;
  default?: string | number | boolean | null;
  help?: string;
}

export const NOTIFICATION_EVENTS = ["run_failed", "run_succeeded", "run_missed", "no_success", "low_space", "reconnect_needed"] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
/** What the outbox carries: the events above plus run_started (healthchecks' /start ping only) and test. */
export type OutboxEvent = NotificationEvent | "run_started" | "test";

/** A message as every sender receives it (stored as JSON in the outbox). */
export interface Message {
  event: OutboxEvent;
  /** One line: "Backup failed: Photos (run 12)". */
  title: string;
  /** Plain text: job, run, reason, the last warning/error lines, the link. */
  text: string;
  job_id: number | null;
  job_name: string | null;
  run_id: number | null;
  /** The run's error_message or what the event is about. */
  reason: string | null;
  /** The last warning/error log lines of the run. */
  log_lines: string[];
  /** Link to the run page (absolute with the public_url setting, else relative). */
  url: string | null;
  at: string;
}

/** A config field error: the field (inside `config`) and what is wrong. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`Field '${field}' ${problem}`);
  }
}

export type Config = Record<string, unknown>;

export interface Sender {
  type: string;
  name: string;
  fields: FieldSpec[];
  /** Extra checks after the field specs (URLs, addresses); throws FieldError. */
  check?(config: Config): void;
  /** Delivers one message; throws an Error whose message says why (never containing a secret). */
  send(config: Config, message: Message, signal: AbortSignal): Promise<void>;
}

/** An http(s) URL or a FieldError naming the field. */
export function httpUrl(config: Config, field: string): URL {
  const raw = config[field];
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new FieldError(field, "must be an http:// or https:// URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new FieldError(field, "must be an http:// or https:// URL");
  return url;
}

/** Strips secrets from error text: query strings and path tokens never reach a delivery row. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return u.host;
  } catch {
    return "the server";
  }
}

/** POSTs (or GETs) within the signal; a non-2xx answer is an Error with its status (and a short body excerpt). */
export async function request(url: string, init: RequestInit & { signal: AbortSignal }): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: "manual", ...init });
  } catch (err) {
    if (init.signal.aborted) throw new Error(`${where(url)} did not answer in time`);
    const cause = (err as { code?: string }).code ?? (err instanceof Error ? err.message : String(err));
    throw new Error(`${where(url)} is unreachable (${cause})`);
  }
  if (res.status >= 200 && res.status < 300) {
    await res.body?.cancel();
    return;
  }
  const body = (await res.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ").trim();
  throw new Error(`${where(url)} answered HTTP ${res.status}${body ? `: ${body}` : ""}`);
}

export const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
