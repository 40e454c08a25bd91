// A restore the web UI has previewed and waits to confirm: the uploaded file and its password,
// kept in memory (never on disk) for a few minutes under a random token bound to the user, so
// the confirm step needs neither a second upload nor the password in a hidden field.
import { randomBytes } from "node:crypto";
import type { Strategy } from "./service.ts";

const TTL_MS = 10 * 60 * 1000;
const MAX_PENDING = 20;

export interface PendingRestore {
  userId: number;
  file: Uint8Array;
  password: string;
  strategy: Strategy;
  expires: number;
}

const pending = new Map<string, PendingRestore>();

function sweep(now: number) {
  for (const [k, v] of pending) if (v.expires <= now) pending.delete(k);
  // Oldest first: a flood of previews cannot grow memory without bound.
  while (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value!);
}

export function holdRestore(userId: number, file: Uint8Array, password: string, strategy: Strategy, now = Date.now()): string {
  sweep(now);
  const token = randomBytes(18).toString("base64url");
  pending.set(token, { userId, file, password, strategy, expires: now + TTL_MS });
  return token;
}

/** The held restore (removed: a token confirms once), or null when unknown, expired or another user's. */
export function takeRestore(token: string, userId: number, now = Date.now()): PendingRestore | null {
  sweep(now);
  const p = pending.get(token);
  if (!p || p.userId !== userId) return null;
  pending.delete(token);
  return p;
}
