// Per-app auth state: the rate limiter and the token signer. Keyed on the AppContext so the API
// routes and the page routes of one app share it, and every test app starts clean.
import type { AppContext } from "../context.ts";
import { RateLimiter } from "./rate-limit.ts";
import { TokenSigner } from "./tokens.ts";

export interface AuthRuntime {
  /** Per address and account: 5 failures a minute, then 60 s doubling to 1 h (the SPEC's lockout). */
  limiter: RateLimiter;
  /** Per account and per address, from anywhere: 50 failures an hour, then 15 min doubling to 1 h. */
  ceiling: RateLimiter;
  tokens: TokenSigner;
}

export const CEILING = { maxFailures: 50, windowMs: 3_600_000, baseLockMs: 900_000, maxLockMs: 3_600_000 };

const runtimes = new WeakMap<AppContext, AuthRuntime>();

export function authRuntime(ctx: AppContext): AuthRuntime {
  let rt = runtimes.get(ctx);
  if (!rt) {
    rt = { limiter: new RateLimiter(), ceiling: new RateLimiter(CEILING), tokens: new TokenSigner(ctx.secret) };
    runtimes.set(ctx, rt);
  }
  return rt;
}
