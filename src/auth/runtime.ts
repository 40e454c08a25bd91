// Per-app auth state: the rate limiter and the token signer. Keyed on the AppContext so the API
// routes and the page routes of one app share it, and every test app starts clean.
import type { AppContext } from "../context.ts";
import { RateLimiter } from "./rate-limit.ts";
import { TokenSigner } from "./tokens.ts";

export interface AuthRuntime {
  limiter: RateLimiter;
  tokens: TokenSigner;
}

const runtimes = new WeakMap<AppContext, AuthRuntime>();

export function authRuntime(ctx: AppContext): AuthRuntime {
  let rt = runtimes.get(ctx);
  if (!rt) {
    rt = { limiter: new RateLimiter(), tokens: new TokenSigner(ctx.secret) };
    runtimes.set(ctx, rt);
  }
  return rt;
}
