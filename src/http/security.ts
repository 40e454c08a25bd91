// Security headers for every response. Pages load only what the binary serves, so the CSP
// allows nothing but 'self'; the Swagger page needs inline script and styles (the plugin
// renders its bootstrap inline), so /api/docs alone gets 'unsafe-inline'. Everything but the
// static assets is `Cache-Control: no-store`.
const BASE_CSP = ["default-src 'self'", "img-src 'self' data:", "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"];

const PAGE_CSP = [...BASE_CSP, "script-src 'self'", "style-src 'self'"].join("; ");
const DOCS_CSP = [...BASE_CSP, "script-src 'self' 'unsafe-inline'", "style-src 'self' 'unsafe-inline'"].join("; ");

const COMMON = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  // Not "no-referrer": under it a browser sends `Origin: null` on the app's own form posts and
  // htmx requests, and the same-origin check (origin.ts) needs the real one.
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
};

/** Paths that answer JSON (errors included), as opposed to pages. */
export function isApiPath(path: string): boolean {
  return path.startsWith("/api/") || path === "/api" || path === "/metrics";
}

const DOCS_HEADERS = Object.freeze({ ...COMMON, "content-security-policy": DOCS_CSP, "cache-control": "no-store" });
const NO_STORE_HEADERS = Object.freeze({ ...COMMON, "content-security-policy": PAGE_CSP, "cache-control": "no-store" });
const ASSET_HEADERS = Object.freeze({ ...COMMON, "content-security-policy": PAGE_CSP });

/** The headers of `path`'s responses; shared, frozen objects (copy before changing one). */
export function securityHeaders(path: string): Readonly<Record<string, string>> {
  if (path === "/api/docs") return DOCS_HEADERS;
  // Static assets set their own long-lived caching; every page is per user (or about to be), so a
  // shared or back-button cache must never keep one: no-store, as for the API.
  if (path.startsWith("/assets/") || path === "/favicon.ico") return ASSET_HEADERS;
  return NO_STORE_HEADERS;
}

/** The path of a request URL: what `new URL(url).pathname` gives, without building a URL per request. */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  let end = url.length;
  const q = url.indexOf("?", start);
  if (q >= 0) end = q;
  const h = url.indexOf("#", start);
  if (h >= 0 && h < end) end = h;
  const path = url.slice(start, end);
  // Dot segments and escapes are normalized by URL: leave those rare paths to it.
  return path.includes("/.") || path.includes("%") ? new URL(url).pathname : path;
}
