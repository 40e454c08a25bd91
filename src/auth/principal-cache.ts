// Who a token or API key belongs to, remembered for a few seconds so a busy client does not cost
// a JWT verification and a session join per request. Anything that ends a session, revokes a key
// or changes a user's sign-in settings forgets the whole cache of that database at once (in this
// process); another process (the reset-password command) is seen within PRINCIPAL_TTL_MS.
import type { Db } from "../db/client.ts";

export const PRINCIPAL_TTL_MS = 5_000;
const MAX_ENTRIES = 1_000;

interface Entry<T> {
  value: T;
  until: number;
}

const caches = new WeakMap<Db, Map<string, Entry<unknown>>>();

function cacheOf(db: Db): Map<string, Entry<unknown>> {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new Map()));
  return c;
}

/**
 * The remembered value for `key`, or what `load` returns (remembered unless null, for
 * PRINCIPAL_TTL_MS and never past the `expiresAt` the loader gives, e.g. a JWT's exp).
 */
export async function rememberPrincipal<T>(db: Db, key: string, load: () => Promise<{ value: T; expiresAt?: number } | null>, now = Date.now()): Promise<T | null> {
  const cache = cacheOf(db);
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.value as T;
  const loaded = await load();
  if (loaded === null) {
    cache.delete(key);
    return null;
  }
  // Oldest first: a Map iterates in insertion order.
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, { value: loaded.value, until: Math.min(now + PRINCIPAL_TTL_MS, loaded.expiresAt ?? Number.POSITIVE_INFINITY) });
  return loaded.value;
}

export function forgetPrincipals(db: Db) {
  caches.get(db)?.clear();
}

const lastUse = new WeakMap<Db, Map<string, number>>();
/** Writes of "last used" at most this often per session or key: a timestamp, not an audit log. */
export const LAST_USE_EVERY_MS = 30_000;

/** True when `key`'s "last used" should be written now (and notes that it was). */
export function dueForUse(db: Db, key: string, now = Date.now()): boolean {
  let m = lastUse.get(db);
  if (!m) lastUse.set(db, (m = new Map()));
  const last = m.get(key);
  if (last !== undefined && now - last < LAST_USE_EVERY_MS) return false;
  if (m.size >= MAX_ENTRIES) m.delete(m.keys().next().value!);
  m.delete(key);
  m.set(key, now);
  return true;
}
