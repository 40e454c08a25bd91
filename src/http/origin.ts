// Same-origin check for requests that ride on the session cookie. The cookie is SameSite=Strict
// already; this is the second wall (older browsers, a sibling site on the same registrable
// domain, a WebSocket upgrade, which SameSite does not cover). It is decided from the headers
// alone, before routing, so one mechanism covers the API, the pages and the WebSocket upgrades.
//
// A request is checked when it carries the `token` cookie and no credential of its own
// (Authorization or X-API-Key: a script's key is not ambient, so a foreign page cannot use it),
// and it changes state (any method but GET/HEAD/OPTIONS) or upgrades to a WebSocket. It passes
// when Origin, or else Referer, names this server's host; a missing or `null` Origin with no
// Referer is refused, as a browser always sends one of them on such a request.
import type { Config } from "../config.ts";
import { COOKIE_NAME, cookieValue } from "./cookies.ts";
import { type ApiError, forbidden } from "./errors.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function hasSessionCookie(request: Request): boolean {
  return !!cookieValue(request.headers.get("cookie"), COOKIE_NAME);
}

/** The host (name:port) this request was sent to, as the browser saw it. */
function ownHost(request: Request, config: Pick<Config, "trustProxy">): string {
  if (config.trustProxy) {
    const forwarded = request.headers.get("x-forwarded-host")?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded.toLowerCase();
  }
  return (request.headers.get("host") ?? new URL(request.url).host).toLowerCase();
}

function hostOf(url: string | null): string | null {
  if (!url || url === "null") return null;
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return null;
  }
}

/** The 403 for a cookie-authenticated state change from another origin, or null when it may go on. */
export function crossOriginRefusal(request: Request, config: Pick<Config, "trustProxy">): ApiError | null {
  const upgrade = request.headers.get("upgrade")?.toLowerCase() === "websocket";
  if (SAFE_METHODS.has(request.method) && !upgrade) return null;
  if (!hasSessionCookie(request)) return null;
  if (request.headers.get("authorization") || request.headers.get("x-api-key")) return null;
  const from = hostOf(request.headers.get("origin")) ?? hostOf(request.headers.get("referer"));
  if (from !== null && from === ownHost(request, config)) return null;
  return forbidden(from === null ? "Cross-origin check failed: a request signed in by cookie must send Origin or Referer" : "Cross-origin check failed: this request came from another site");
}
