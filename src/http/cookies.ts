// The session cookie, read from the raw Cookie header: the guard and the same-origin check both
// need it before (or without) Elysia's cookie jar, which costs a parse per request.

export const COOKIE_NAME = "token";

/** One cookie's value from a Cookie header, URI-decoded as Elysia does; undefined when absent. */
export function cookieValue(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return undefined;
}
