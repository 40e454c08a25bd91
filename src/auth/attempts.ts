// Wraps a check that an attacker could repeat (password, 2FA code, recovery code) in the rate limiter.
import type { AppContext } from "../context.ts";
import { type ApiError, rateLimited } from "../http/errors.ts";
import { authRuntime } from "./runtime.ts";

// Two limiters, so a stranger cannot lock the owner out: the strict one counts per address AND
// account (5 a minute, see rate-limit.ts), so failures from one address lock only that address
// out of that account; the ceiling counts per account and per address (50 an hour), so many
// addresses against one account, or one address spraying account names, still hit a wall.
export interface AttemptKeys {
  strict: string[];
  ceiling: string[];
}

const keysFor = (what: string, ip: string, user: string | number): AttemptKeys => ({
  strict: [`${what}|ip:${ip}|user:${user}`],
  ceiling: [`${what}|user:${user}`, `${what}|ip:${ip}`],
});

export const loginKeys = (ip: string, username: string) => keysFor("login", ip, username.toLowerCase());
export const secondFactorKeys = (ip: string, userId: number) => keysFor("2fa", ip, userId);
export const passwordChangeKeys = (ip: string, userId: number) => keysFor("password", ip, userId);

/** Throws 429 while any of the keys is locked out. */
export function refuseWhileLocked(ctx: AppContext, keys: AttemptKeys) {
  const { limiter, ceiling } = authRuntime(ctx);
  const wait = Math.max(limiter.retryAfter(keys.strict), ceiling.retryAfter(keys.ceiling));
  if (wait > 0) throw rateLimited(wait);
}

/** Counts a failure and throws: 429 when it caused a lockout, `error` otherwise. Logs without secrets. */
export function failAttempt(ctx: AppContext, keys: AttemptKeys, what: string, fields: Record<string, unknown>, error: ApiError): never {
  const { limiter, ceiling } = authRuntime(ctx);
  const lock = Math.max(limiter.fail(keys.strict), ceiling.fail(keys.ceiling));
  if (lock > 0) {
    ctx.logger.warn(`${what} failed; locked out`, { ...fields, retry_after: lock });
    throw rateLimited(lock);
  }
  ctx.logger.warn(`${what} failed`, fields);
  throw error;
}

/** A success forgives its address's strict count; the ceiling keeps counting (it is the attacker's budget, not the owner's). */
export function attemptSucceeded(ctx: AppContext, keys: AttemptKeys) {
  authRuntime(ctx).limiter.succeed(keys.strict);
}
