// Rate limiting through the real endpoints, walking the lockout progression on an injected clock.
import { describe, expect, test } from "bun:test";
import { authRuntime } from "../../src/auth/runtime.ts";
import { TestClient, testApp } from "../helpers/app.ts";
import { codeAt, enable2fa, PASSWORD, setup, wrongCode } from "./helpers.ts";

function fakeClock(ctx: Parameters<typeof authRuntime>[0]) {
  let now = Date.now();
  authRuntime(ctx).limiter.clock = () => now;
  return (seconds: number) => (now += seconds * 1000);
}

// Every attempt runs a real argon2id verification: seconds on a busy 2-core machine.
const SLOW = 60_000;

const badLogin = (c: TestClient, headers: Record<string, string> = {}, username = "admin") => c.json("POST", "/api/auth/login", { body: { username, password: "wrong password!" }, headers });

describe("login lockout", () => {
  test(
    "5 failures lock for 60 s, then 120 s, 240 s; Retry-After and retry_after agree; right password refused while locked",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const advance = fakeClock(ctx);
      const c = new TestClient(app, ctx);
      for (const expected of [60, 120, 240]) {
        for (let i = 0; i < 4; i++) expect((await badLogin(c)).status).toBe(401);
        const locked = await badLogin(c);
        expect(locked.status).toBe(429);
        expect(locked.res.headers.get("retry-after")).toBe(String(expected));
        expect(locked.body).toEqual({ error: "Rate limited", message: `Too many failed attempts. Try again in ${expected} seconds.`, retry_after: expected });
        advance(expected - 10);
        const right = await c.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } });
        expect(right.status).toBe(429);
        expect(right.res.headers.get("retry-after")).toBe("10");
        advance(10);
      }
      // After the lockout the right password works, and clears the record.
      expect((await c.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } })).status).toBe(200);
      for (let i = 0; i < 4; i++) expect((await badLogin(c)).status).toBe(401);
      expect((await badLogin(c)).body.retry_after).toBe(60);
    },
    SLOW,
  );

  test(
    "per address and user: failures from one address do not lock the owner out at another",
    async () => {
      const { client, app, ctx } = testApp({ config: { trustProxy: true } });
      await setup(client);
      fakeClock(ctx);
      const c = new TestClient(app, ctx);
      const attacker = { "x-forwarded-for": "10.0.0.66" };
      for (let i = 0; i < 4; i++) expect((await badLogin(c, attacker)).status).toBe(401);
      expect((await badLogin(c, attacker)).status).toBe(429);
      // The attacker's address is locked out of this account, even with the right password...
      const attackerRight = await c.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD }, headers: attacker });
      expect(attackerRight.status).toBe(429);
      // ...while the owner at home signs in, and the attacker's address may still try another account.
      const owner = await c.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD }, headers: { "x-forwarded-for": "192.168.1.20" } });
      expect(owner.status).toBe(200);
      expect((await badLogin(c, attacker, "someone-else")).status).toBe(401);
    },
    SLOW,
  );

  test(
    "per-user ceiling: 50 failures an hour from any mix of addresses lock the account for 15 min",
    async () => {
      const { client, app, ctx } = testApp({ config: { trustProxy: true } });
      await setup(client);
      const advance = fakeClock(ctx);
      authRuntime(ctx).ceiling.clock = authRuntime(ctx).limiter.clock;
      const c = new TestClient(app, ctx);
      // Four failures from each of 12 addresses: none of them reaches its own lockout (48 failures)...
      for (let a = 0; a < 12; a++) {
        for (let i = 0; i < 4; i++) expect((await badLogin(c, { "x-forwarded-for": `10.1.0.${a}` })).status).toBe(401);
      }
      expect((await badLogin(c, { "x-forwarded-for": "10.1.1.1" })).status).toBe(401);
      // ...the 50th failure in the hour does, for everyone, the owner included.
      const ceiling = await badLogin(c, { "x-forwarded-for": "10.1.1.2" });
      expect(ceiling.status).toBe(429);
      expect(ceiling.body.retry_after).toBe(900);
      const owner = await c.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD }, headers: { "x-forwarded-for": "192.168.1.20" } });
      expect(owner.status).toBe(429);
      advance(900);
      expect((await c.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD }, headers: { "x-forwarded-for": "192.168.1.20" } })).status).toBe(200);
    },
    SLOW * 3,
  );

  test(
    "per address ceiling: one address spraying account names is locked after 50; behind a trusted proxy the last X-Forwarded-For hop counts",
    async () => {
      const { client, app, ctx } = testApp({ config: { trustProxy: true } });
      await setup(client);
      fakeClock(ctx);
      authRuntime(ctx).ceiling.clock = authRuntime(ctx).limiter.clock;
      const c = new TestClient(app, ctx);
      for (let i = 0; i < 49; i++) expect((await badLogin(c, { "x-forwarded-for": `1.1.1.${i}, 192.0.2.7` }, `user${i}`)).status).toBe(401);
      expect((await badLogin(c, { "x-forwarded-for": "192.0.2.7" }, "user99")).status).toBe(429);
      const otherIp = await c.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD }, headers: { "x-forwarded-for": "192.0.2.8" } });
      expect(otherIp.status).toBe(200);
    },
    SLOW * 3,
  );

  test(
    "without TRUST_PROXY, X-Forwarded-For does not give an attacker fresh addresses",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      fakeClock(ctx);
      const c = new TestClient(app, ctx);
      for (let i = 0; i < 4; i++) await badLogin(c, { "x-forwarded-for": `10.0.0.${i}` });
      expect((await badLogin(c, { "x-forwarded-for": "10.0.0.99" })).status).toBe(429);
    },
    SLOW,
  );
});

describe("second-factor lockout", () => {
  test(
    "totp/validate and totp/recovery share a per-user limit",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const { secret } = await enable2fa(client);
      const advance = fakeClock(ctx);
      const c = new TestClient(app, ctx);
      const token = async () => (await c.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } })).body.totp_token as string;
      const totp_token = await token();
      const bad = await wrongCode(secret);
      for (let i = 0; i < 3; i++) expect((await c.json("POST", "/api/auth/totp/validate", { body: { totp_token, code: bad } })).status).toBe(401);
      expect((await c.json("POST", "/api/auth/totp/recovery", { body: { totp_token, recovery_code: "AAAA-BBBB-CCCC" } })).status).toBe(401);
      const locked = await c.json("POST", "/api/auth/totp/recovery", { body: { totp_token, recovery_code: "AAAA-BBBB-CCCD" } });
      expect(locked.status).toBe(429);
      expect(locked.res.headers.get("retry-after")).toBe("60");
      const good = await c.json("POST", "/api/auth/totp/validate", { body: { totp_token, code: await codeAt(secret, 1) } });
      expect(good.status).toBe(429);
      advance(60);
      const after = await c.json("POST", "/api/auth/totp/validate", { body: { totp_token, code: await codeAt(secret, 1) } });
      expect(after.status).toBe(200);
    },
    SLOW,
  );
});
