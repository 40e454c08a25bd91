// The channel types: one line each (a sender in senders/), and the one config parser they share.
import { type Config, FieldError, type Sender } from "./contract.ts";
import { discord } from "./senders/discord.ts";
import { email } from "./senders/email.ts";
import { gotify } from "./senders/gotify.ts";
import { healthchecks } from "./senders/healthchecks.ts";
import { ntfy } from "./senders/ntfy.ts";
import { slack } from "./senders/slack.ts";
import { telegram } from "./senders/telegram.ts";
import { webhook } from "./senders/webhook.ts";

export const CHANNEL_TYPES = ["webhook", "ntfy", "gotify", "discord", "slack", "telegram", "email", "healthchecks"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const SENDERS: { [K in ChannelType]: Sender } = { webhook, ntfy, gotify, discord, slack, telegram, email, healthchecks };

export function isChannelType(t: string): t is ChannelType {
  return (CHANNEL_TYPES as readonly string[]).includes(t);
}

const MAX_STRING = 4096;

function value(f: Sender["fields"][number], v: unknown): unknown {
  const bad = (problem: string) => new FieldError(f.name, problem);
  switch (f.type) {
    case "string":
    case "password":
      if (typeof v !== "string") throw bad("must be a string");
      if (v.length > MAX_STRING) throw bad(`must be at most ${MAX_STRING} characters`);
      return v.trim();
    case "choice":
      if (typeof v !== "string" || !(f.options ?? []).includes(v)) throw bad(`must be one of ${(f.options ?? []).map((o) => JSON.stringify(o)).join(", ")}`);
      return v;
    case "integer":
      if (typeof v !== "number" || !Number.isInteger(v)) throw bad("must be a whole number");
      return v;
    case "boolean":
      if (typeof v !== "boolean") throw bad("must be true or false");
      return v;
    case "list":
      if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw bad("must be a list of strings");
      return v.map((x: string) => x.trim());
    case "map":
      if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad("must be an object");
      return v;
  }
}

/** Checks a config against its type's fields (unknown keys refused, required ones present) and the sender's own checks. Throws FieldError. */
export function parseConfig(sender: Sender, raw: unknown): Config {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new FieldError("", "must be an object");
  const input = raw as Config;
  const known = new Set(sender.fields.map((f) => f.name));
  for (const key of Object.keys(input)) if (!known.has(key)) throw new FieldError(key, `is not a setting of ${sender.name} channels`);
  const out: Config = {};
  for (const f of sender.fields) {
    const v = input[f.name];
    const empty = v === undefined || v === null || (typeof v === "string" && v.trim() === "") || (Array.isArray(v) && v.length === 0);
    if (empty) {
      if (f.required && (f.default === undefined || f.default === null)) throw new FieldError(f.name, "is required");
      if (f.default !== undefined && f.default !== null) out[f.name] = f.default;
      continue;
    }
    out[f.name] = value(f, v);
  }
  sender.check?.(out);
  return out;
}
