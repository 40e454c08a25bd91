// OAuth: the three ways to connect (browser code + PKCE + state, device code, pasted rclone
// token) through the API against the token endpoint fakes, and the token lifecycle of the
// TokenSource the stores use (refresh before expiry, once on a 401, rotation written back
// first, invalid_grant → reconnect).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { open } from "../../src/crypto/seal.ts";
import { DestinationError } from "../../src/destinations/contract.ts";
import { OAuthTokenSource } from "../../src/destinations/oauth/token-source.ts";
import { OAuthFlows } from "../../src/oauth/flows.ts";
import { authedApp } from "../engine/fixtures.ts";
import { type OAuthFake, startOAuthFake } from "../fakes/oauth.ts";

let google: OAuthFake;
let microsoft: OAuthFake;
const savedEnv = { ...process.env };

beforeAll(async () => {
  google = await startOAuthFake({ provider: "google" });
  microsoft = await startOAuthFake({ provider: "microsoft", rotateRefreshTokens: true, clientSecret: null });
  Object.assign(process.env, google.env, microsoft.env);
});
afterAll(() => {
  google.stop();
  microsoft.stop();
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
});

type T = Awaited<ReturnType<typeof authedApp>>;
const sealed = (t: T, id: number) => {
  const raw = t.ctx.db.$client.query<{ data: string }, [number]>("SELECT data FROM credentials WHERE id = ?").get(id)!.data;
  expect(raw).toStartWith("v1.");
  return JSON.parse(open(t.ctx.secret, raw, `credential:${id}`)) as Record<string, string>;
};
const count = (t: T) => t.ctx.db.$client.query<{ n: number }, []>("SELECT count(*) AS n FROM credentials").get()!.n;

/** Follows the fake's auto-approving authorization endpoint to the callback URL it redirects to. */
async function authorize(authorizeUrl: string): Promise<URL> {
  const res = await fetch(authorizeUrl, { redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location")!);
}

async function waitFor<R>(fn: () => Promise<R | undefined>, limitMs = 30_000): Promise<R> {
  const end = Date.now() + limitMs;
  while (Date.now() < end) {
    const r = await fn();
    if (r !== undefined) return r;
    await Bun.sleep(100);
  }
  throw new Error("timed out");
}

describe("connect in the browser (authorization code + PKCE + state)", () => {
  test("start → provider → callback saves the credential sealed; the state is single-use", async () => {
    const t = await authedApp();
    const start = await t.api("POST", "/api/oauth/google/start", { name: "My Drive", client_id: google.clientId, client_secret: google.clientSecret });
    expect(start.status).toBe(200);
    expect(start.body.redirect_uri).toBe("http://localhost/api/oauth/callback");
    const authUrl = new URL(start.body.authorize_url);
    expect(authUrl.origin).toBe(google.url);
    expect(authUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authUrl.searchParams.get("scope")).toBe("https://www.googleapis.com/auth/drive");
    expect(authUrl.searchParams.get("access_type")).toBe("offline");

    const back = await authorize(start.body.authorize_url);
    expect(back.origin + back.pathname).toBe("http://localhost/api/oauth/callback");
    const cb = await t.client.request("GET", back.pathname + back.search);
    expect(cb.status).toBe(200);
    const page = await cb.text();
    const id = Number(/connected=(\d+)/.exec(page)?.[1]);
    expect(page).toContain(`url=/credentials?connected=${id}`);
    const view = (await t.api("GET", `/api/credentials/${id}`)).body;
    expect(view).toMatchObject({ name: "My Drive", provider_type: "google_drive", needs_reconnect: false });
    const data = sealed(t, id);
    expect(google.refreshTokenValid(data.refresh_token!)).toBe(true);
    expect(google.validate(`Bearer ${data.access_token}`)).toBe("ok");
    expect(data.client_id).toBe(google.clientId);
    expect(Number(data.expires_at)).toBeGreaterThan(Date.now() / 1000 + 3000);
    expect(JSON.stringify(view)).not.toContain(data.refresh_token!);

    // The same redirect again (a replay): 400, nothing saved.
    const replay = await t.client.json("GET", back.pathname + back.search);
    expect(replay.status).toBe(400);
    expect(replay.body.message).toContain("state");
    expect(count(t)).toBe(1);
  });

  test("a wrong or missing state is a 400 and saves nothing; a denied authorization too", async () => {
    const t = await authedApp();
    const start = await t.api("POST", "/api/oauth/microsoft/start", { name: "OneDrive", client_id: microsoft.clientId });
    expect(new URL(start.body.authorize_url).pathname).toBe("/common/oauth2/v2.0/authorize");
    const back = await authorize(start.body.authorize_url);
    const forged = new URL(back);
    forged.searchParams.set("state", "not-the-state");
    for (const path of [forged.pathname + forged.search, `/api/oauth/callback?code=${back.searchParams.get("code")}`]) {
      const res = await t.client.json("GET", path);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("Invalid request");
    }
    expect(count(t)).toBe(0);
    microsoft.controls.denyAuthorization = true;
    try {
      const s2 = await t.api("POST", "/api/oauth/microsoft/start", { name: "OneDrive", client_id: microsoft.clientId });
      const denied = await authorize(s2.body.authorize_url);
      const res = await t.client.json("GET", denied.pathname + denied.search);
      expect(res.status).toBe(400);
      expect(res.body.message).toContain("access_denied");
    } finally {
      microsoft.controls.denyAuthorization = false;
    }
    expect(count(t)).toBe(0);
  });

  test("an expired state (10 minutes) is refused", async () => {
    let now = Date.now();
    const saved: number[] = [];
    const flows = new OAuthFlows(
      () => saved.push(1),
      () => now,
    );
    const url = await flows.start({ provider: "google", name: "x", client_id: google.clientId, client_secret: google.clientSecret! }, "http://localhost/api/oauth/callback");
    const back = await authorize(url);
    now += 10 * 60_000 + 1;
    await expect(flows.callback(back.searchParams)).rejects.toThrow(/expired|Unknown/);
    expect(saved).toEqual([]);
  });

  test("bad input names the field; a refused client secret is the provider's words", async () => {
    const t = await authedApp();
    expect((await t.api("POST", "/api/oauth/dropbox/start", { name: "x", client_id: "y" })).body.message).toContain("Path parameter 'provider'");
    expect((await t.api("POST", "/api/oauth/google/start", { client_id: "y" })).body.message).toBe("Field 'name' is required");
    expect((await t.api("POST", "/api/oauth/google/start", { name: "x" })).body.message).toBe("Field 'client_id' is required");
    expect((await t.api("POST", "/api/oauth/google/device", { name: "x", credential_id: 99 })).body.message).toBe("Field 'credential_id' refers to no credential (99)");
    const bad = await t.api("POST", "/api/oauth/google/device", { name: "x", client_id: google.clientId, client_secret: "wrong" });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain("invalid_client");
    expect((await t.client.json("POST", "/api/oauth/google/start", { body: { name: "x", client_id: "y" } })).status).toBe(401);
  });
});

describe("device code", () => {
  test("Microsoft: pending, slow_down honoured, approved → done with the credential (rotating tokens)", async () => {
    const t = await authedApp();
    const start = await t.api("POST", "/api/oauth/microsoft/device", { name: "Pi OneDrive", client_id: microsoft.clientId, tenant: "consumers" });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({ verification_uri: `${microsoft.url}/device`, interval: 1 });
    expect(start.body.user_code).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(start.body.flow_id).toMatch(/^[0-9a-f]{32}$/);
    expect((await t.api("GET", `/api/oauth/device/${start.body.flow_id}`)).body).toEqual({ status: "pending" });
    const pollsBefore = microsoft.stats.devicePollGapsMs.length;
    microsoft.controls.slowDownNext = 1;
    await waitFor(async () => (microsoft.stats.devicePollGapsMs.length > pollsBefore + 1 ? true : undefined), 20_000);
    microsoft.approveDevice(start.body.user_code);
    const done = await waitFor(async () => {
      const s = (await t.api("GET", `/api/oauth/device/${start.body.flow_id}`)).body;
      return s.status === "pending" ? undefined : s;
    });
    expect(done.status).toBe("done");
    const gaps = microsoft.stats.devicePollGapsMs.slice(pollsBefore);
    // Every poll waited the interval; after slow_down, 5 s more (RFC 8628 3.5).
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(900);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(5_900);
    const data = sealed(t, done.credential_id);
    expect(data).toMatchObject({ client_id: microsoft.clientId, tenant: "consumers" });
    expect(microsoft.refreshTokenValid(data.refresh_token!)).toBe(true);
    expect((await t.api("GET", `/api/credentials/${done.credential_id}`)).body.provider_type).toBe("onedrive");
  }, 60_000);

  test("Google (verification_url spelled its way): denied → denied, nothing saved; unknown flow 404", async () => {
    const t = await authedApp();
    const start = await t.api("POST", "/api/oauth/google/device", { name: "Pi", client_id: google.clientId, client_secret: google.clientSecret });
    expect(start.status).toBe(200);
    expect(start.body.verification_uri).toBe(`${google.url}/device`);
    google.denyDevice(start.body.user_code);
    const end = await waitFor(async () => {
      const s = (await t.api("GET", `/api/oauth/device/${start.body.flow_id}`)).body;
      return s.status === "pending" ? undefined : s;
    });
    expect(end.status).toBe("denied");
    expect(count(t)).toBe(0);
    expect((await t.api("GET", `/api/oauth/device/${"0".repeat(32)}`)).status).toBe(404);
    expect((await t.api("GET", "/api/oauth/device/nope")).status).toBe(400);
  }, 30_000);
});

describe("device code expiry", () => {
  test("a code nobody approves ends as expired, nothing saved", async () => {
    const short = await startOAuthFake({ provider: "microsoft", clientSecret: null, deviceExpiresInS: 2 });
    const saved = { ...process.env };
    Object.assign(process.env, short.env);
    try {
      const t = await authedApp();
      const start = await t.api("POST", "/api/oauth/microsoft/device", { name: "never", client_id: short.clientId });
      expect(start.body.expires_in).toBe(2);
      const end = await waitFor(async () => {
        const s = (await t.api("GET", `/api/oauth/device/${start.body.flow_id}`)).body;
        return s.status === "pending" ? undefined : s;
      });
      expect(end.status).toBe("expired");
      expect(count(t)).toBe(0);
    } finally {
      process.env.DYNAMIGHT_MS_LOGIN_URL = saved.DYNAMIGHT_MS_LOGIN_URL;
      short.stop();
    }
  }, 30_000);
});

describe("pasted token (rclone authorize)", () => {
  const rclone = (o: Record<string, unknown>) => JSON.stringify({ access_token: "ya29.x", token_type: "Bearer", refresh_token: "1//r", expiry: "2026-12-01T13:00:00.123456789+01:00", ...o });

  test("accepted as credential data, expiry becomes expires_at; bad pastes are 400 naming the field", async () => {
    const t = await authedApp();
    const ok = await t.api("POST", "/api/credentials", {
      name: "pasted",
      provider_type: "google_drive",
      data: { client_id: "cid", client_secret: "cs", token: `Paste the following into your remote machine --->\n${rclone({})}\n<---End paste` },
    });
    expect(ok.status).toBe(201);
    expect(sealed(t, ok.body.id)).toEqual({ client_id: "cid", client_secret: "cs", access_token: "ya29.x", refresh_token: "1//r", expires_at: String(Date.parse("2026-12-01T12:00:00Z") / 1000) });
    const direct = await t.api("POST", "/api/credentials", { name: "fields", provider_type: "onedrive", data: JSON.parse(rclone({})) });
    expect(direct.status).toBe(201);
    const cases: [unknown, string][] = [
      [{ token: "not json" }, "Field 'data.token' is not JSON"],
      [{ token: rclone({ refresh_token: undefined }) }, "Field 'data.token.refresh_token' is missing"],
      [{ token: "[1]" }, "Field 'data.token' is not a JSON object"],
      [{ token: rclone({ token_type: "mac" }) }, "Field 'data.token.token_type' must be Bearer"],
      [{ token: rclone({ expiry: "tomorrow" }) }, "Field 'data.token.expiry' must be a date"],
      [{ access_token: "a" }, "Field 'data.refresh_token' is required"],
      [{ refresh_token: "r", password: "x" }, "Field 'data.password' is not a setting of Google Drive"],
    ];
    for (const [data, message] of cases) {
      const res = await t.api("POST", "/api/credentials", { name: "x", provider_type: "google_drive", data });
      expect([res.status, res.body.message?.slice(0, message.length)]).toEqual([400, message]);
    }
    expect(count(t)).toBe(2);
  });
});

describe("needs_reconnect", () => {
  test("returned by the API; a reconnect through a flow clears it and keeps the client settings", async () => {
    const t = await authedApp();
    const c = (await t.api("POST", "/api/credentials", { name: "Drive", provider_type: "google_drive", data: google.issue() })).body;
    t.ctx.db.$client.run("UPDATE credentials SET needs_reconnect = 1 WHERE id = ?", [c.id]);
    expect((await t.api("GET", "/api/credentials")).body[0].needs_reconnect).toBe(true);
    const start = await t.api("POST", "/api/oauth/google/start", { credential_id: c.id });
    expect(start.status).toBe(200);
    const back = await authorize(start.body.authorize_url);
    expect((await t.client.request("GET", back.pathname + back.search)).status).toBe(200);
    expect(count(t)).toBe(1);
    const view = (await t.api("GET", `/api/credentials/${c.id}`)).body;
    expect(view).toMatchObject({ name: "Drive", needs_reconnect: false });
    expect(sealed(t, c.id).client_secret).toBe(google.clientSecret!);
    // An edit of the data clears it too.
    t.ctx.db.$client.run("UPDATE credentials SET needs_reconnect = 1 WHERE id = ?", [c.id]);
    await t.api("PUT", `/api/credentials/${c.id}`, { data: google.issue() });
    expect((await t.api("GET", `/api/credentials/${c.id}`)).body.needs_reconnect).toBe(false);
    // A microsoft flow cannot reconnect a google credential.
    expect((await t.api("POST", "/api/oauth/microsoft/start", { credential_id: c.id })).body.message).toBe(`Field 'credential_id' is a google_drive credential, not onedrive`);
  });
});

describe("TokenSource", () => {
  test("refreshes 60 s before expiry, once for many callers; a rotated refresh token is saved before use", async () => {
    const seed = microsoft.issue();
    let now = Date.now();
    const saves: Record<string, string>[] = [];
    let savedBeforeUse = true;
    const src = new OAuthTokenSource(
      "microsoft",
      { ...seed, expires_at: String(seed.expires_at) },
      {
        save: async (d) => {
          await Bun.sleep(20);
          saves.push(d);
        },
      },
      () => now,
    );
    const signal = new AbortController().signal;
    expect(await src.accessToken(signal)).toBe(seed.access_token);
    now = seed.expires_at * 1000 - 59_000;
    const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => src.accessToken(signal)));
    expect(new Set(tokens).size).toBe(1);
    expect(saves.length).toBe(1);
    savedBeforeUse = saves[0]!.access_token === tokens[0];
    expect(savedBeforeUse).toBe(true);
    expect(saves[0]!.refresh_token).not.toBe(seed.refresh_token);
    expect(microsoft.refreshTokenValid(seed.refresh_token)).toBe(false);
    expect(microsoft.refreshTokenValid(saves[0]!.refresh_token!)).toBe(true);
    expect(saves[0]!.client_id).toBe(microsoft.clientId);

    // A 401 on the current token: one refresh, however many requests saw it.
    src.invalidate(tokens[0]);
    src.invalidate(tokens[0]);
    const after = await src.accessToken(signal);
    expect(after).not.toBe(tokens[0]);
    expect(saves.length).toBe(2);
    src.invalidate(tokens[0]); // an old token's 401: nothing to do
    expect(await src.accessToken(signal)).toBe(after);
    expect(saves.length).toBe(2);
  });

  test("invalid_grant: auth error with the SPEC words, reconnectNeeded called once, no more requests", async () => {
    const seed = google.issue();
    const heard: string[] = [];
    const src = new OAuthTokenSource("google", { ...seed, expires_at: "1" }, { reconnectNeeded: (m) => heard.push(m) });
    google.controls.invalidGrant = true;
    try {
      const err = await src.accessToken(new AbortController().signal).catch((e) => e);
      expect(err).toBeInstanceOf(DestinationError);
      expect([err.kind, err.message]).toEqual(["auth", "authorization expired or was revoked: reconnect the credential"]);
      const refreshes = google.stats.refreshes;
      await expect(src.accessToken(new AbortController().signal)).rejects.toThrow("reconnect the credential");
      expect(google.stats.refreshes).toBe(refreshes);
      expect(heard).toEqual(["authorization expired or was revoked: reconnect the credential"]);
    } finally {
      google.controls.invalidGrant = false;
    }
  });

  test("an expired token without a client_id says what to add; a 503 from the token endpoint is transient", async () => {
    const { client_id: _c, client_secret: _s, ...tokens } = google.issue();
    const noClient = new OAuthTokenSource("google", { ...tokens, expires_at: "1" });
    const err = await noClient.accessToken(new AbortController().signal).catch((e) => e);
    expect([err.kind, err.field]).toEqual(["config", "client_id"]);
    const seed = google.issue();
    google.controls.failNext = 1;
    const flaky = new OAuthTokenSource("google", { ...seed, expires_at: "1" });
    const e2 = await flaky.accessToken(new AbortController().signal).catch((e) => e);
    expect(e2.kind).toBe("transient");
    expect(await flaky.accessToken(new AbortController().signal)).toStartWith("ya29.");
  });
});
