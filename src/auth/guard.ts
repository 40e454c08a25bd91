// The one guard every protected route and WebSocket upgrade uses. It only reads: recording
// "last used" happens after the response (see recordUse), because on WebSocket routes Elysia
// can run resolve twice.
import { jwt } from "@elysiajs/jwt";
import { eq } from "drizzle-orm";
import { Elysia } from "elysia";
import type { AppContext } from "../context.ts";
import type { Db } from "../db/client.ts";
import { apiKeys, users } from "../db/schema.ts";
import { COOKIE_NAME, cookieValue } from "../http/cookies.ts";
import { forbidden, unauthorized } from "../http/errors.ts";
import { dueForUse, rememberPrincipal } from "./principal-cache.ts";
import { findSessionUser, SESSION_TTL_SECONDS, type SessionUser, touchSession } from "./sessions.ts";

export const API_KEY_PREFIX = "dm_";
export { COOKIE_NAME };

export interface Principal {
  user: SessionUser;
  via: "session" | "api_key";
  sessionId: string | null;
  apiKeyId: number | null;
  scope: "read" | "write";
}

export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return Buffer.from(digest).toString("hex");
}

function findApiKeyPrincipal(db: Db, keyHash: string): Principal | null {
  const row = db
    .select({ keyId: apiKeys.id, scope: apiKeys.scope, id: users.id, username: users.username, totpEnabled: users.totpEnabled })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(eq(apiKeys.keyHash, keyHash))
    .get();
  if (!row) return null;
  return {
    user: { id: row.id, username: row.username, totpEnabled: row.totpEnabled },
    via: "api_key",
    sessionId: null,
    apiKeyId: row.keyId,
    scope: row.scope,
  };
}

export interface Credentials {
  cookie?: string;
  authorization?: string | null;
  apiKeyHeader?: string | null;
  queryToken?: string | null;
}

type Verify = (token: string) => Promise<false | Record<string, unknown>>;

/** Resolves whatever the request carries (cookie, Bearer JWT or key, X-API-Key, ?token=) to a principal. */
export async function authenticate(db: Db, verify: Verify, c: Credentials): Promise<Principal | null> {
  const bearer = c.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const apiKey = c.apiKeyHeader ?? (bearer?.startsWith(API_KEY_PREFIX) ? bearer : undefined);
  if (apiKey) {
    const keyHash = await hashApiKey(apiKey);
    return rememberPrincipal(db, `k:${keyHash}`, async () => {
      const value = findApiKeyPrincipal(db, keyHash);
      return value && { value };
    });
  }
  const token = bearer ?? c.queryToken ?? c.cookie;
  if (!token) return null;
  return rememberPrincipal(db, `t:${token}`, async () => {
    const payload = await verify(token).catch(() => false as const);
    if (!payload || typeof payload.sid !== "string" || payload.typ !== "session") return null;
    const user = findSessionUser(db, payload.sid);
    if (!user) return null;
    const value: Principal = { user, via: "session", sessionId: payload.sid, apiKeyId: null, scope: "write" };
    return { value, expiresAt: typeof payload.exp === "number" ? payload.exp * 1000 : undefined };
  });
}

/** Writes "last used" for the key or session of a request that has been answered. */
export function recordUse(db: Db, p: Principal) {
  if (!dueForUse(db, p.apiKeyId !== null ? `k:${p.apiKeyId}` : `s:${p.sessionId}`)) return;
  if (p.apiKeyId !== null) db.update(apiKeys).set({ lastUsedAt: new Date().toISOString() }).where(eq(apiKeys.id, p.apiKeyId)).run();
  else if (p.sessionId) touchSession(db, p.sessionId);
}

/** Account management (password, 2FA, keys) needs a signed-in session: a leaked API key must not mint more keys. */
export function requireSession(p: Principal): string {
  if (p.via !== "session" || !p.sessionId) throw forbidden("This action needs a signed-in session, not an API key");
  return p.sessionId;
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** One query parameter of `url`, or null; the URL is parsed only when the name is in it. */
function queryValue(url: string, name: string): string | null {
  const q = url.indexOf("?");
  if (q < 0 || !url.includes(`${name}=`, q)) return null;
  return new URLSearchParams(url.slice(q + 1)).get(name);
}

// Set by the guard's transform, read by its resolve (see authPlugin).
const principals = new WeakMap<Request, Principal>();

/**
 * `jwt` (session tokens, HS256 with the data folder's key) and the `auth` macro:
 * `{ auth: true }` on a route resolves `principal` and `user` or answers 401; a read-scoped
 * API key may only use GET routes (403 otherwise). "Last used" is written after the response.
 *
 * The check runs in `transform`, the one hook before Elysia validates params, query and body:
 * a stranger gets 401 whatever they send, never a 400 that describes the route's fields.
 */
export function authPlugin(ctx: AppContext) {
  return new Elysia({ name: "auth-guard" }).use(jwt({ name: "jwt", secret: ctx.secret, alg: "HS256", exp: `${SESSION_TTL_SECONDS}s` })).macro({
    auth: {
      // The cookie and ?token= are read from the raw request, not from Elysia's `cookie` and
      // `query`: naming those here made Elysia build a cookie jar and parse the query string on
      // every protected request, ~7 % of GET /api/jobs's profile (issue 17).
      async transform({ jwt, headers, request }) {
        const principal = await authenticate(ctx.db, (t) => jwt.verify(t) as Promise<false | Record<string, unknown>>, {
          cookie: cookieValue(headers.cookie, COOKIE_NAME),
          authorization: headers.authorization,
          apiKeyHeader: headers["x-api-key"],
          queryToken: queryValue(request.url, "token"),
        });
        if (!principal) throw unauthorized();
        if (principal.scope === "read" && !READ_METHODS.has(request.method)) {
          throw forbidden("This API key is read-only");
        }
        principals.set(request, principal);
      },
      resolve({ request }) {
        const principal = principals.get(request);
        if (!principal) throw unauthorized();
        return { principal, user: principal.user };
      },
      // After the response, so the guard itself stays free of side effects. An arrow function:
      // Elysia's static analysis (Sucrose) warns at run time on a method shorthand here.
      afterResponse: (c) => {
        const principal = (c as { principal?: Principal }).principal;
        if (principal) recordUse(ctx.db, principal);
      },
    },
  });
}
