// Wraps a check that an attacker could repeat (password, 2FA code, recovery code) in the rate limiter.
import type { AppContext } from "../context.ts";
import { ApiError, rateLimited } from "../http/errors.ts";
import { authRuntime } from "./runtime.ts";

export const loginKeys = (ip: string, username: string) => [`login|ip:${ip}`, `login|user:${username.toLowerCase()}`];
export const secondFactorKeys = (ip: string, userId: number) => [`2fa|ip:${ip}`, `2fa|user:${userId}`];
export const passwordChangeKeys = (ip: string, userId: number) => [`password|ip:${ip}`, `password|user:${userId}`];

/** Throws 429 while any of the keys is locked out. */
export function refuseWhileLocked(ctx: AppContext, keys: string[]) {
  const wait = authRuntime(ctx).limiter.retryAfter(keys);
  if (wait > 0) throw rateLimited(wait);
}

/** Counts a failure and throws: 429 when it caused a lockout, `error` otherwise. Logs without secrets. */
export function failAttempt(ctx: AppContext, keys: string[], what: string, fields: Record<string, unknown>, error: ApiError): never {
  const lock = authRuntime(ctx).limiter.fail(keys);
  if (lock > 0) {
    ctx.logger.warn(`${what} failed; locked out`, { ...fields, retry_after: lock });
    throw rateLimited(lock);
  }
  ctx.logger.warn(`${what} failed`, fields);
  throw error;
}

export function attemptSucceeded(ctx: AppContext, keys: string[]) {
  authRuntime(ctx).limiter.succeed(keys);
}
