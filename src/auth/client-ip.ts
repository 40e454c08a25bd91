// The address rate limits are keyed on. X-Forwarded-For is believed only when the operator said
// a reverse proxy of theirs sits in front (TRUST_PROXY); then the last hop is taken, because that
// is the one the trusted proxy appended (earlier entries are whatever the client sent).
import type { Config } from "../config.ts";

interface RequestIpSource {
  requestIP(request: Request): { address: string } | null;
}

export function clientIp(request: Request, server: RequestIpSource | null | undefined, config: Pick<Config, "trustProxy">): string {
  if (config.trustProxy) {
    const hops = (request.headers.get("x-forwarded-for") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const last = hops.at(-1);
    if (last) return last.slice(0, 64);
  }
  // No server means the app is called in-process (tests, app.handle): one shared bucket.
  return server?.requestIP(request)?.address ?? "local";
}

/** What a new session records about who opened it: the client address and its user agent. */
export function requestMeta(request: Request, server: RequestIpSource | null | undefined, config: Pick<Config, "trustProxy">) {
  return { ip: clientIp(request, server, config), userAgent: request.headers.get("user-agent") };
}
