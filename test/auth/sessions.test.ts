// Setup, login, logout, tokens and sessions through the real app and database.
import { describe, expect, test } from "bun:test";
import { TestClient, testApp } from "../helpers/app.ts";
import { claimsOf, PASSWORD, setup, signWith } from "./helpers.ts";

// Logins run real argon2id: give a busy 2-core machine room.
const SLOW = 60_000;

describe("setup", () => {
  test(
    "only while no user exists: a second setup is refused with 409",
    async () => {
      const { client, app, ctx } = testApp();
      expect((await client.json("GET", "/api/auth/setup-required")).body).toEqual({ setup_required: true });
      const first = await client.json("POST", "/api/auth/setup", { body: { username: "admin", password: PASSWORD } });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ id: 1, username: "admin" });
      const cookie = first.res.headers.getSetCookie().find((c) => c.startsWith("token="))!;
      expect(cookie).toContain("HttpOnly");
      expect(cookie).toContain("SameSite=Strict");
      expect(cookie).toContain("Path=/");
      expect(cookie).not.toContain("Secure");
      expect((await client.json("GET", "/api/auth/setup-required")).body).toEqual({ setup_required: false });

      const other = new TestClient(app, ctx);
      const second = await other.json("POST", "/api/auth/setup", { body: { username: "mallory", password: "another password" } });
      expect(second.status).toBe(409);
      expect(second.body.error).toBe("Conflict");
      expect(other.token).toBeUndefined();
      expect(ctx.db.$client.query("SELECT count(*) AS n FROM users").get()).toEqual({ n: 1 });
    },
    SLOW,
  );

  test(
    "clear 400s for a short password or a bad username; password stored as argon2id",
    async () => {
      const { client, ctx } = testApp();
      const short = await client.json("POST", "/api/auth/setup", { body: { username: "admin", password: "1234567" } });
      expect(short.status).toBe(400);
      expect(short.body.message).toBe("Field 'password' must be at least 8 characters");
      const bad = await client.json("POST", "/api/auth/setup", { body: { username: "bad name!", password: PASSWORD } });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain("username");
      const missing = await client.json("POST", "/api/auth/setup", { body: { username: "admin" } });
      expect(missing.body.message).toBe("Field 'password' is required");
      await setup(client);
      const row = ctx.db.$client.query("SELECT password_hash FROM users").get() as { password_hash: string };
      expect(row.password_hash.startsWith("$argon2id$")).toBe(true);
    },
    SLOW,
  );

  test(
    "Secure cookie when SECURE_COOKIES is set",
    async () => {
      const { client } = testApp({ config: { secureCookies: true } });
      const r = await client.request("POST", "/api/auth/setup", { body: { username: "admin", password: PASSWORD } });
      expect(r.headers.getSetCookie().find((c) => c.startsWith("token="))).toContain("Secure");
    },
    SLOW,
  );
});

describe("login, logout and the session token", () => {
  test(
    "wrong password: 401; right one: cookie with a session JWT",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const c = new TestClient(app, ctx);
      const wrong = await c.json("POST", "/api/auth/login", { body: { username: "admin", password: "wrong password" } });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toEqual({ error: "Unauthorized", message: "Invalid username or password" });
      const unknown = await c.json("POST", "/api/auth/login", { body: { username: "nobody", password: PASSWORD } });
      expect(unknown.body.message).toBe("Invalid username or password");
      const ok = await c.json("POST", "/api/auth/login", { body: { username: "ADMIN", password: PASSWORD } });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ id: 1, username: "admin" });
      const claims = claimsOf(c.token!);
      expect(claims.typ).toBe("session");
      expect(claims.sub).toBe("1");
      expect(typeof claims.sid).toBe("string");
      const me = await c.json("GET", "/api/auth/me");
      expect(me.body).toEqual({ id: 1, username: "admin", totp_enabled: false, auth: "session", scope: "write" });
      const token = await c.json("GET", "/api/auth/token");
      expect(token.body).toEqual({ token: c.token });
      // The same JWT works as a Bearer token (scripts, WebSocket ?token=).
      const bearer = await new TestClient(app, ctx).json("GET", "/api/auth/me", { headers: { authorization: `Bearer ${c.token}` } });
      expect(bearer.status).toBe(200);
      const viaQuery = await new TestClient(app, ctx).json("GET", `/api/auth/token?token=${c.token}`);
      expect(viaQuery.body).toEqual({ token: c.token });
      // The guard reads the raw Cookie header and query string itself (issue 17): among other
      // cookies, with spaces, and ?token= after other parameters.
      const among = await new TestClient(app, ctx).json("GET", "/api/auth/me", { headers: { cookie: `theme=dark;token=${c.token} ; other=x%20y` } });
      expect(among.status).toBe(200);
      const lookalike = await new TestClient(app, ctx).json("GET", "/api/auth/me", { headers: { cookie: `xtoken=${c.token}; token_old=${c.token}` } });
      expect(lookalike.status).toBe(401);
      const later = await new TestClient(app, ctx).json("GET", `/api/auth/me?a=1&token=${c.token}`);
      expect(later.status).toBe(200);
      const noToken = await new TestClient(app, ctx).json("GET", `/api/auth/me?mytoken=${c.token}`);
      expect(noToken.status).toBe(401);
    },
    SLOW,
  );

  test(
    "logout deletes the session: the old token stops working",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const token = client.token!;
      const out = await client.json("POST", "/api/auth/logout");
      expect(out.body).toEqual({ message: "Logged out" });
      expect(out.res.headers.getSetCookie().join()).toMatch(/token=;.*Max-Age=0/);
      const again = await new TestClient(app, ctx).json("GET", "/api/auth/me", { token });
      expect(again.status).toBe(401);
      expect(again.body).toEqual({ error: "Unauthorized", message: "Invalid or expired token" });
    },
    SLOW,
  );

  test(
    "a tampered, foreign-key or expired JWT is refused",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const good = client.token!;
      const [h, p, s] = good.split(".") as [string, string, string];
      const payload = { ...claimsOf(good), sub: "2" };
      const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
      const anon = new TestClient(app, ctx);
      expect((await anon.json("GET", "/api/auth/me", { token: tampered })).status).toBe(401);
      expect((await anon.json("GET", "/api/auth/me", { token: `${h}.${p}.${s.slice(0, -2)}AA` })).status).toBe(401);
      const foreign = await signWith(crypto.getRandomValues(new Uint8Array(32)), { ...claimsOf(good) });
      expect((await anon.json("GET", "/api/auth/me", { token: foreign })).status).toBe(401);
      // Signed with the right key, naming a live session, but past its exp.
      const expired = await signWith(ctx.secret, { sid: claimsOf(good).sid, sub: "1", typ: "session", exp: Math.floor(Date.now() / 1000) - 5 });
      expect((await anon.json("GET", "/api/auth/me", { token: expired })).status).toBe(401);
      // Right key and session but the wrong type (a 2FA login token is not a session).
      const wrongType = await signWith(ctx.secret, { sid: claimsOf(good).sid, sub: "1", typ: "totp" });
      expect((await anon.json("GET", "/api/auth/me", { token: wrongType })).status).toBe(401);
      expect((await anon.json("GET", "/api/auth/me", { token: good })).status).toBe(200);
    },
    SLOW,
  );

  test(
    "sessions list marks the current one; revoking one kills its token",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const phone = new TestClient(app, ctx);
      await phone.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD }, headers: { "user-agent": "Phone/1.0" } });
      const list = await client.json("GET", "/api/auth/sessions");
      expect(list.body).toHaveLength(2);
      const current = list.body.filter((s: any) => s.current);
      expect(current).toHaveLength(1);
      expect(current[0].id).toBe(claimsOf(client.token!).sid);
      const other = list.body.find((s: any) => !s.current);
      expect(other.user_agent).toBe("Phone/1.0");
      expect((await client.json("DELETE", `/api/auth/sessions/${other.id}`)).status).toBe(200);
      expect((await phone.json("GET", "/api/auth/me")).status).toBe(401);
      expect((await client.json("DELETE", "/api/auth/sessions/nope")).status).toBe(404);
    },
    SLOW,
  );

  test(
    "logout-all ends every session of the user",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const b = new TestClient(app, ctx);
      await b.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } });
      const aToken = client.token!;
      const r = await client.json("POST", "/api/auth/logout-all");
      expect(r.body).toEqual({ message: "All sessions ended", ended_sessions: 2 });
      expect((await b.json("GET", "/api/auth/me")).status).toBe(401);
      expect((await client.json("GET", "/api/auth/me", { token: aToken })).status).toBe(401);
    },
    SLOW,
  );

  test(
    "change-password verifies the current one and ends the other sessions only",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const b = new TestClient(app, ctx);
      await b.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } });
      const wrong = await client.json("POST", "/api/auth/change-password", { body: { current_password: "not it at all", new_password: "a brand new one" } });
      expect(wrong.status).toBe(400);
      expect(wrong.body.message).toBe("Current password is incorrect");
      const short = await client.json("POST", "/api/auth/change-password", { body: { current_password: PASSWORD, new_password: "short" } });
      expect(short.status).toBe(400);
      expect(short.body.message).toBe("Field 'new_password' must be at least 8 characters");
      const ok = await client.json("POST", "/api/auth/change-password", { body: { current_password: PASSWORD, new_password: "a brand new one" } });
      expect(ok.body).toEqual({ message: "Password changed", ended_sessions: 1 });
      expect((await client.json("GET", "/api/auth/me")).status).toBe(200);
      expect((await b.json("GET", "/api/auth/me")).status).toBe(401);
      const c = new TestClient(app, ctx);
      expect((await c.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } })).status).toBe(401);
      expect((await c.json("POST", "/api/auth/login", { body: { username: "admin", password: "a brand new one" } })).status).toBe(200);
    },
    SLOW,
  );

  test(
    "protected endpoints need a session: 401 without",
    async () => {
      const { client } = testApp();
      await setup(client);
      for (const [m, p] of [
        ["GET", "/api/auth/me"],
        ["GET", "/api/auth/token"],
        ["POST", "/api/auth/logout"],
        ["POST", "/api/auth/logout-all"],
        ["GET", "/api/auth/totp/status"],
        ["GET", "/api/auth/api-keys"],
        ["GET", "/api/auth/sessions"],
      ] as const) {
        const r = await client.json(m, p, { token: "", headers: { cookie: "x=1" } });
        expect([m, p, r.status]).toEqual([m, p, 401]);
      }
    },
    SLOW,
  );
});

describe("OpenAPI", () => {
  test(
    "every auth endpoint is documented with the Auth tag and a response schema",
    async () => {
      const { client } = testApp();
      const spec = (await client.json("GET", "/api/openapi.json")).body;
      const expected = [
        "get /api/auth/setup-required",
        "post /api/auth/setup",
        "post /api/auth/login",
        "post /api/auth/logout",
        "post /api/auth/logout-all",
        "get /api/auth/me",
        "get /api/auth/token",
        "get /api/auth/sessions",
        "delete /api/auth/sessions/{id}",
        "post /api/auth/change-password",
        "get /api/auth/totp/status",
        "post /api/auth/totp/setup",
        "post /api/auth/totp/enable",
        "post /api/auth/totp/disable",
        "post /api/auth/totp/validate",
        "post /api/auth/totp/recovery",
        "get /api/auth/api-keys",
        "post /api/auth/api-keys",
        "delete /api/auth/api-keys/{id}",
      ];
      for (const key of expected) {
        const [method, path] = key.split(" ") as [string, string];
        const op = spec.paths[path]?.[method];
        expect([key, op?.tags]).toEqual([key, ["Auth"]]);
        expect(typeof op.summary).toBe("string");
        const ok = op.responses["200"] ?? op.responses["201"];
        expect([key, Boolean(ok?.content)]).toEqual([key, true]);
      }
    },
    SLOW,
  );
});
