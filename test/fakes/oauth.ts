// An in-process fake of Google's and Microsoft's OAuth 2.0 endpoints, written from their docs
// (Google: developers.google.com/identity/protocols/oauth2/{web-server,limited-input-device};
// Microsoft identity platform v2.0: authorization code, refresh, device code), so the real
// client code (oauth4webapi) talks HTTP to it. What breaks clients is reproduced on purpose:
// access tokens that expire after a short time (a 401 from the API fakes that call validate()),
// refresh-token rotation (the old one dies), invalid_grant on demand, and the device grant's
// authorization_pending / slow_down / access_denied / expired_token answers.
//
//   const oauth = await startOAuthFake({ provider: "google", accessTokenTtlMs: 2000, rotateRefreshTokens: true });
//   Object.assign(process.env, oauth.env);       // DYNAMIGHT_GOOGLE_OAUTH_URL, ..._ACCOUNTS_URL
//   const seed = oauth.issue();                  // {access_token, refresh_token, expires_at, client_id, client_secret}
//   oauth.validate(req.headers.get("authorization"))  // "ok" | "expired" | "invalid" (the API fakes' check)
//   oauth.controls.invalidGrant = true;          // every refresh answers invalid_grant
//   oauth.approveDevice(userCode) / oauth.denyDevice(userCode)
import { createHash, randomBytes } from "node:crypto";

export type OAuthFakeProvider = "google" | "microsoft";

export interface OAuthFakeOptions {
  provider: OAuthFakeProvider;
  /** How long an access token works (default 1 h). */
  accessTokenTtlMs?: number;
  /** expires_in as answered, when it should differ from the real lifetime (to force the 401 path). */
  reportedExpiresInS?: number;
  /** Microsoft rotates refresh tokens: each refresh answers a new one and the old one stops working. */
  rotateRefreshTokens?: boolean;
  clientId?: string;
  /** Required from the client when set (client_secret_post or Basic). Default: Google has one, Microsoft none (public client). */
  clientSecret?: string | null;
  /** The device grant's interval, in seconds (default 1). */
  deviceIntervalS?: number;
  deviceExpiresInS?: number;
}

export interface OAuthFakeControls {
  /** Every refresh_token grant answers 400 invalid_grant (a revoked grant, a Google app in "Testing" after 7 days). */
  invalidGrant: boolean;
  /** The authorization endpoint answers error=access_denied instead of a code. */
  denyAuthorization: boolean;
  /** The next N device token polls answer slow_down. */
  slowDownNext: number;
  /** The next N token requests answer 503. */
  failNext: number;
}

export interface OAuthFakeStats {
  refreshes: number;
  codeExchanges: number;
  devicePolls: number;
  /** Seconds between device polls as they arrived, to check interval/slow_down were honoured. */
  devicePollGapsMs: number[];
  /** Every refresh token ever issued, in order. */
  refreshTokens: string[];
}

export interface OAuthFake {
  provider: OAuthFakeProvider;
  url: string;
  /** The environment variables that point Dynamight at this fake. */
  env: Record<string, string>;
  clientId: string;
  clientSecret: string | null;
  controls: OAuthFakeControls;
  stats: OAuthFakeStats;
  /** Tokens for a credential made without a flow (the seed's shape plus client settings). */
  issue(): { access_token: string; refresh_token: string; expires_at: number; client_id: string; client_secret?: string };
  /** Checks an Authorization header as the provider's APIs do. */
  validate(authorization: string | null | undefined): "ok" | "expired" | "invalid";
  /** Is this refresh token still accepted? */
  refreshTokenValid(token: string): boolean;
  approveDevice(userCode: string): void;
  denyDevice(userCode: string): void;
  /** The user codes of device flows not yet decided. */
  pendingUserCodes(): string[];
  setAccessTokenTtl(ms: number): void;
  stop(): void;
}

interface DeviceEntry {
  clientId: string;
  userCode: string;
  state: "pending" | "approved" | "denied" | "used";
  expiresAt: number;
  lastPoll: number | null;
  interval: number;
}

const b64url = (b: Buffer) => b.toString("base64url");
const token = (prefix: string) => `${prefix}.${b64url(randomBytes(24))}`;

export async function startOAuthFake(opts: OAuthFakeOptions): Promise<OAuthFake> {
  const provider = opts.provider;
  const clientId = opts.clientId ?? (provider === "google" ? "fake-client.apps.googleusercontent.com" : "00000000-fake-4000-8000-client000000");
  const clientSecret = opts.clientSecret === undefined ? (provider === "google" ? "fake-secret" : null) : opts.clientSecret;
  let ttlMs = opts.accessTokenTtlMs ?? 3_600_000;
  const interval = opts.deviceIntervalS ?? 1;
  const controls: OAuthFakeControls = { invalidGrant: false, denyAuthorization: false, slowDownNext: 0, failNext: 0 };
  const stats: OAuthFakeStats = { refreshes: 0, codeExchanges: 0, devicePolls: 0, devicePollGapsMs: [], refreshTokens: [] };
  const access = new Map<string, number>(); // token -> expires at (ms)
  const refresh = new Set<string>();
  const codes = new Map<string, { clientId: string; redirectUri: string; challenge: string; expiresAt: number }>();
  const devices = new Map<string, DeviceEntry>(); // device_code -> entry

  const issueTokens = () => {
    const a = token(provider === "google" ? "ya29" : "EwB");
    access.set(a, Date.now() + ttlMs);
    const r = token(provider === "google" ? "1//" : "M.C");
    refresh.add(r);
    stats.refreshTokens.push(r);
    return { access_token: a, refresh_token: r, expires_in: opts.reportedExpiresInS ?? Math.max(1, Math.round(ttlMs / 1000)) };
  };

  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store", ...headers } });
  const oauthError = (status: number, error: string, description: string) => json(status, { error, error_description: description });

  const authPath = provider === "google" ? /^\/o\/oauth2\/v2\/auth$/ : /^\/[^/]+\/oauth2\/v2\.0\/authorize$/;
  const tokenPath = provider === "google" ? /^\/token$/ : /^\/[^/]+\/oauth2\/v2\.0\/token$/;
  const devicePath = provider === "google" ? /^\/device\/code$/ : /^\/[^/]+\/oauth2\/v2\.0\/devicecode$/;

  /** The client as authenticated by the request: client_secret_post, Basic, or a public client. */
  const authenticate = (req: Request, form: URLSearchParams): string | Response => {
    let id = form.get("client_id");
    let secret = form.get("client_secret");
    const basic = req.headers.get("authorization");
    if (basic?.startsWith("Basic ")) {
      const [u, p] = Buffer.from(basic.slice(6), "base64").toString().split(":");
      id = decodeURIComponent(u ?? "");
      secret = decodeURIComponent(p ?? "");
    }
    if (id !== clientId) return oauthError(401, "invalid_client", "The OAuth client was not found.");
    if (clientSecret !== null && secret !== clientSecret) return oauthError(401, "invalid_client", "Unauthorized");
    return id;
  };

  const server: ReturnType<typeof Bun.serve> = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req): Promise<Response> {
      const url = new URL(req.url);
      if (req.method === "GET" && authPath.test(url.pathname)) {
        const q = url.searchParams;
        const redirect = q.get("redirect_uri");
        if (q.get("client_id") !== clientId || !redirect) return new Response("Error 401: invalid_client", { status: 401 });
        if (q.get("response_type") !== "code") return new Response("unsupported_response_type", { status: 400 });
        if (q.get("code_challenge_method") !== "S256" || !q.get("code_challenge")) return new Response("PKCE with S256 is required", { status: 400 });
        const back = new URL(redirect);
        if (q.get("state")) back.searchParams.set("state", q.get("state")!);
        if (controls.denyAuthorization) {
          back.searchParams.set("error", "access_denied");
          return new Response(null, { status: 302, headers: { location: back.toString() } });
        }
        const code = token("code");
        codes.set(code, { clientId, redirectUri: redirect, challenge: q.get("code_challenge")!, expiresAt: Date.now() + 60_000 });
        back.searchParams.set("code", code);
        if (provider === "google") back.searchParams.set("scope", q.get("scope") ?? "");
        return new Response(null, { status: 302, headers: { location: back.toString() } });
      }
      if (req.method === "POST" && devicePath.test(url.pathname)) {
        const form = new URLSearchParams(await req.text());
        const who = authenticate(req, form);
        if (who instanceof Response) return who;
        const deviceCode = token("dc");
        const userCode = `${randomBytes(2).toString("hex").toUpperCase()}-${randomBytes(2).toString("hex").toUpperCase()}`;
        const expiresIn = opts.deviceExpiresInS ?? 900;
        devices.set(deviceCode, { clientId: who, userCode, state: "pending", expiresAt: Date.now() + expiresIn * 1000, lastPoll: null, interval });
        const verification: string = `${server.url.origin}/device`;
        // Google spells it verification_url (its docs), Microsoft verification_uri (RFC 8628).
        return json(200, {
          device_code: deviceCode,
          user_code: userCode,
          [provider === "google" ? "verification_url" : "verification_uri"]: verification,
          expires_in: expiresIn,
          interval,
          ...(provider === "microsoft" ? { message: `To sign in, use a web browser to open the page ${verification} and enter the code ${userCode} to authenticate.` } : {}),
        });
      }
      if (req.method === "POST" && tokenPath.test(url.pathname)) {
        if (controls.failNext > 0) {
          controls.failNext--;
          return json(503, { error: "temporarily_unavailable", error_description: "The service is temporarily unavailable." });
        }
        const form = new URLSearchParams(await req.text());
        const who = authenticate(req, form);
        if (who instanceof Response) return who;
        const grant = form.get("grant_type");
        if (grant === "authorization_code") {
          const entry = codes.get(form.get("code") ?? "");
          codes.delete(form.get("code") ?? "");
          if (!entry || entry.expiresAt < Date.now()) return oauthError(400, "invalid_grant", "Malformed auth code.");
          if (entry.redirectUri !== form.get("redirect_uri")) return oauthError(400, "redirect_uri_mismatch", "Bad Request");
          const verifier = form.get("code_verifier") ?? "";
          if (b64url(createHash("sha256").update(verifier).digest()) !== entry.challenge) return oauthError(400, "invalid_grant", "Missing code verifier.");
          stats.codeExchanges++;
          return json(200, { ...issueTokens(), token_type: "Bearer", scope: form.get("scope") ?? "" });
        }
        if (grant === "refresh_token") {
          const r = form.get("refresh_token") ?? "";
          if (controls.invalidGrant || !refresh.has(r))
            return oauthError(
              400,
              "invalid_grant",
              provider === "google" ? "Token has been expired or revoked." : "AADSTS70000: The provided value for the input parameter 'refresh_token' is not valid.",
            );
          stats.refreshes++;
          const t = issueTokens();
          if (opts.rotateRefreshTokens) {
            refresh.delete(r);
            return json(200, { ...t, token_type: "Bearer" });
          }
          // Without rotation the provider answers no refresh token (Google): the old one stays.
          refresh.delete(t.refresh_token);
          stats.refreshTokens.pop();
          const { refresh_token: _drop, ...rest } = t;
          return json(200, { ...rest, token_type: "Bearer" });
        }
        if (grant === "urn:ietf:params:oauth:grant-type:device_code") {
          const d = devices.get(form.get("device_code") ?? "");
          if (!d || d.clientId !== who || d.state === "used") return oauthError(400, "invalid_grant", "Bad device code.");
          stats.devicePolls++;
          const now = Date.now();
          if (d.lastPoll !== null) stats.devicePollGapsMs.push(now - d.lastPoll);
          const tooFast = d.lastPoll !== null && now - d.lastPoll < d.interval * 1000 - 150;
          d.lastPoll = now;
          if (now > d.expiresAt) return oauthError(400, "expired_token", "The device code has expired.");
          if (controls.slowDownNext > 0 || tooFast) {
            if (controls.slowDownNext > 0) controls.slowDownNext--;
            d.interval += 5;
            return oauthError(400, "slow_down", "Polling too frequently.");
          }
          if (d.state === "denied") return oauthError(400, provider === "google" ? "access_denied" : "authorization_declined", "The user denied the request.");
          if (d.state === "pending") return oauthError(400, "authorization_pending", "Precondition Required");
          d.state = "used";
          return json(200, { ...issueTokens(), token_type: "Bearer" });
        }
        return oauthError(400, "unsupported_grant_type", `Invalid grant_type: ${grant}`);
      }
      return new Response("not found", { status: 404 });
    },
  });

  const base = server.url.origin;
  const env: Record<string, string> = provider === "google" ? { DYNAMIGHT_GOOGLE_OAUTH_URL: base, DYNAMIGHT_GOOGLE_ACCOUNTS_URL: base } : { DYNAMIGHT_MS_LOGIN_URL: base };
  const findDevice = (userCode: string) => {
    for (const d of devices.values()) if (d.userCode === userCode) return d;
    throw new Error(`no device flow with user code ${userCode}`);
  };
  return {
    provider,
    url: base,
    env,
    clientId,
    clientSecret,
    controls,
    stats,
    issue() {
      const t = issueTokens();
      return {
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        expires_at: Math.floor(Date.now() / 1000) + t.expires_in,
        client_id: clientId,
        ...(clientSecret ? { client_secret: clientSecret } : {}),
      };
    },
    validate(authorization) {
      const m = /^Bearer (.+)$/.exec(authorization ?? "");
      if (!m) return "invalid";
      const exp = access.get(m[1]!);
      if (exp === undefined) return "invalid";
      return exp > Date.now() ? "ok" : "expired";
    },
    refreshTokenValid: (t) => refresh.has(t),
    approveDevice(userCode) {
      findDevice(userCode).state = "approved";
    },
    denyDevice(userCode) {
      findDevice(userCode).state = "denied";
    },
    pendingUserCodes: () => [...devices.values()].filter((d) => d.state === "pending").map((d) => d.userCode),
    setAccessTokenTtl(ms) {
      ttlMs = ms;
    },
    stop() {
      server.stop(true);
    },
  };
}
