// Two-factor authentication end to end with real otplib codes.
import { describe, expect, test } from "bun:test";
import { TestClient, testApp } from "../helpers/app.ts";
import { codeAt, enable2fa, PASSWORD, setup, signWith, wrongCode } from "./helpers.ts";

// Logins run real argon2id: give a busy 2-core machine room.
const SLOW = 60_000;

async function twoFactorApp() {
  const t = testApp();
  await setup(t.client);
  const { secret, recoveryCodes } = await enable2fa(t.client);
  const login = async () => {
    const c = new TestClient(t.app, t.ctx);
    const r = await c.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } });
    return { c, r };
  };
  return { ...t, secret, recoveryCodes, login };
}

describe("TOTP enrolment", () => {
  test(
    "setup gives a base32 secret, a PNG QR code and an otpauth URL with issuer Dynamight; nothing stored yet",
    async () => {
      const { client, ctx } = testApp();
      await setup(client);
      const r = await client.json("POST", "/api/auth/totp/setup");
      expect(r.status).toBe(200);
      expect(r.body.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(r.body.qr_code.startsWith("data:image/png;base64,")).toBe(true);
      expect(r.body.otpauth_url).toBe(`otpauth://totp/Dynamight:admin?secret=${r.body.secret}&issuer=Dynamight`);
      expect(ctx.db.$client.query("SELECT totp_secret, totp_enabled FROM users").get()).toEqual({ totp_secret: null, totp_enabled: 0 });
      expect((await client.json("GET", "/api/auth/totp/status")).body).toEqual({ enabled: false, remaining_codes: 0 });
    },
    SLOW,
  );

  test(
    "enable refuses a wrong code, then returns 10 recovery codes once; the secret is sealed at rest",
    async () => {
      const { client, ctx } = testApp();
      await setup(client);
      const { secret } = (await client.json("POST", "/api/auth/totp/setup")).body;
      const bad = await client.json("POST", "/api/auth/totp/enable", { body: { secret, code: await wrongCode(secret) } });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toStartWith("Invalid code");
      const ok = await client.json("POST", "/api/auth/totp/enable", { body: { secret, code: await codeAt(secret) } });
      expect(ok.status).toBe(200);
      expect(ok.body.enabled).toBe(true);
      expect(ok.body.recovery_codes).toHaveLength(10);
      for (const c of ok.body.recovery_codes) expect(c).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
      expect(new Set(ok.body.recovery_codes).size).toBe(10);
      const row = ctx.db.$client.query("SELECT totp_secret, totp_enabled FROM users").get() as { totp_secret: string; totp_enabled: number };
      expect(row.totp_enabled).toBe(1);
      expect(row.totp_secret).toStartWith("v1.");
      expect(row.totp_secret).not.toContain(secret);
      const stored = ctx.db.$client.query("SELECT code_hash FROM recovery_codes").all() as { code_hash: string }[];
      expect(stored).toHaveLength(10);
      for (const s of stored) expect(ok.body.recovery_codes).not.toContain(s.code_hash);
      expect((await client.json("GET", "/api/auth/totp/status")).body).toEqual({ enabled: true, remaining_codes: 10 });
      const again = await client.json("POST", "/api/auth/totp/setup");
      expect(again.status).toBe(409);
    },
    SLOW,
  );
});

describe("login with 2FA", () => {
  test(
    "password step answers totp_required + a short-lived totp token and sets no cookie",
    async () => {
      const { login } = await twoFactorApp();
      const { c, r } = await login();
      expect(r.status).toBe(200);
      expect(r.body.totp_required).toBe(true);
      expect(Object.keys(r.body).sort()).toEqual(["totp_required", "totp_token"]);
      expect(c.token).toBeUndefined();
      const claims = JSON.parse(Buffer.from(r.body.totp_token.split(".")[1], "base64url").toString());
      expect(claims.typ).toBe("totp");
      expect(claims.exp - claims.iat).toBe(300);
      // The totp token is not a session.
      expect((await c.json("GET", "/api/auth/me", { token: r.body.totp_token })).status).toBe(401);
    },
    SLOW,
  );

  test(
    "a wrong code is refused, a replayed code is refused, a fresh one signs in",
    async () => {
      const { login, secret } = await twoFactorApp();
      const { c, r } = await login();
      const totp_token = r.body.totp_token;
      const wrong = await c.json("POST", "/api/auth/totp/validate", { body: { totp_token, code: await wrongCode(secret) } });
      expect(wrong.status).toBe(401);
      expect(wrong.body.message).toBe("Invalid code");
      // The current step's code was spent on enabling 2FA: a replay.
      const replay = await c.json("POST", "/api/auth/totp/validate", { body: { totp_token, code: await codeAt(secret) } });
      expect(replay.status).toBe(401);
      expect(replay.body.message).toContain("already used");
      const next = await codeAt(secret, 1);
      const ok = await c.json("POST", "/api/auth/totp/validate", { body: { totp_token, code: next } });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ id: 1, username: "admin" });
      expect((await c.json("GET", "/api/auth/me")).body.totp_enabled).toBe(true);

      // Same code through a new login: replay again; and the spent totp token is single use.
      const second = await login();
      const replay2 = await second.c.json("POST", "/api/auth/totp/validate", { body: { totp_token: second.r.body.totp_token, code: next } });
      expect(replay2.status).toBe(401);
      const reuse = await second.c.json("POST", "/api/auth/totp/validate", { body: { totp_token, code: await codeAt(secret, -1) } });
      expect(reuse.status).toBe(401);
      expect(reuse.body.message).toContain("Sign-in expired");
    },
    SLOW,
  );

  test(
    "an expired or forged totp token is refused",
    async () => {
      const { login, secret, ctx } = await twoFactorApp();
      const { c } = await login();
      const expired = await signWith(ctx.secret, { sub: "1", typ: "totp", jti: "x", exp: Math.floor(Date.now() / 1000) - 1 });
      const r1 = await c.json("POST", "/api/auth/totp/validate", { body: { totp_token: expired, code: await codeAt(secret, 1) } });
      expect(r1.status).toBe(401);
      const forged = await signWith(crypto.getRandomValues(new Uint8Array(32)), { sub: "1", typ: "totp", jti: "y", exp: Math.floor(Date.now() / 1000) + 60 });
      const r2 = await c.json("POST", "/api/auth/totp/validate", { body: { totp_token: forged, code: await codeAt(secret, 1) } });
      expect(r2.status).toBe(401);
      expect(c.token).toBeUndefined();
    },
    SLOW,
  );

  test(
    "recovery codes sign in once each and count down; a used one is refused",
    async () => {
      const { login, recoveryCodes } = await twoFactorApp();
      const a = await login();
      const code = recoveryCodes[3]!;
      const ok = await a.c.json("POST", "/api/auth/totp/recovery", { body: { totp_token: a.r.body.totp_token, recovery_code: code.toLowerCase().replace(/-/g, " ") } });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ id: 1, username: "admin", remaining_codes: 9 });
      expect((await a.c.json("GET", "/api/auth/me")).status).toBe(200);
      const b = await login();
      const used = await b.c.json("POST", "/api/auth/totp/recovery", { body: { totp_token: b.r.body.totp_token, recovery_code: code } });
      expect(used.status).toBe(401);
      expect(used.body.message).toBe("Invalid or already used recovery code");
      const made = await b.c.json("POST", "/api/auth/totp/recovery", { body: { totp_token: b.r.body.totp_token, recovery_code: "AAAA-BBBB-CCCC" } });
      expect(made.status).toBe(401);
      const other = await b.c.json("POST", "/api/auth/totp/recovery", { body: { totp_token: b.r.body.totp_token, recovery_code: recoveryCodes[0]! } });
      expect(other.body.remaining_codes).toBe(8);
      expect((await a.c.json("GET", "/api/auth/totp/status")).body).toEqual({ enabled: true, remaining_codes: 8 });
    },
    SLOW,
  );

  test(
    "disable needs a valid code; afterwards login needs only the password",
    async () => {
      const { client, secret, login, ctx } = await twoFactorApp();
      const bad = await client.json("POST", "/api/auth/totp/disable", { body: { code: await wrongCode(secret) } });
      expect(bad.status).toBe(400);
      const replay = await client.json("POST", "/api/auth/totp/disable", { body: { code: await codeAt(secret) } });
      expect(replay.status).toBe(400);
      const ok = await client.json("POST", "/api/auth/totp/disable", { body: { code: await codeAt(secret, 1) } });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ enabled: false });
      expect(ctx.db.$client.query("SELECT totp_secret, totp_enabled FROM users").get()).toEqual({ totp_secret: null, totp_enabled: 0 });
      expect(ctx.db.$client.query("SELECT count(*) AS n FROM recovery_codes").get()).toEqual({ n: 0 });
      const { r } = await login();
      expect(r.body).toEqual({ id: 1, username: "admin" });
      expect((await client.json("POST", "/api/auth/totp/disable", { body: { code: "123456" } })).status).toBe(409);
    },
    SLOW,
  );

  test(
    "a recovery code can also disable 2FA (lost device)",
    async () => {
      const { client, recoveryCodes } = await twoFactorApp();
      const ok = await client.json("POST", "/api/auth/totp/disable", { body: { code: recoveryCodes[0]! } });
      expect(ok.status).toBe(200);
    },
    SLOW,
  );
});
