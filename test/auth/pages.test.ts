// The auth pages as a browser without JavaScript and as htmx see them (form-encoded posts).
import { describe, expect, test } from "bun:test";
import { TestClient, testApp } from "../helpers/app.ts";
import { codeAt, enable2fa, form, PASSWORD, setup, wrongCode } from "./helpers.ts";

const SLOW = 60_000;

describe("setup and sign-in pages", () => {
  test(
    "first start: / and /login lead to the setup wizard, which signs in and shows the dashboard",
    async () => {
      const { client } = testApp();
      expect((await client.request("GET", "/")).headers.get("location")).toBe("/setup");
      expect((await client.request("GET", "/login")).headers.get("location")).toBe("/setup");
      const page = await client.request("GET", "/setup");
      expect(await page.text()).toContain('action="/setup"');
      const mismatch = await client.request("POST", "/setup", form({ username: "admin", password: PASSWORD, confirm: "something else" }, true));
      const mismatchHtml = await mismatch.text();
      expect(mismatchHtml).toStartWith("<form");
      expect(mismatchHtml).toContain("The two passwords do not match");
      const short = await (await client.request("POST", "/setup", form({ username: "admin", password: "short", confirm: "short" }))).text();
      expect(short).toContain("<!doctype html>");
      expect(short).toContain("The password must be at least 8 characters");
      const ok = await client.request("POST", "/setup", form({ username: "admin", password: PASSWORD, confirm: PASSWORD }, true));
      expect(ok.headers.get("hx-redirect")).toBe("/");
      expect(client.token).toBeDefined();
      const dash = await (await client.request("GET", "/")).text();
      expect(dash).toContain("<h1");
      expect(dash).toContain("Dashboard");
      expect(dash).toContain('action="/logout"');
      expect((await client.request("GET", "/setup")).headers.get("location")).toBe("/login");
      expect((await client.request("POST", "/setup", form({ username: "evil", password: PASSWORD, confirm: PASSWORD }))).headers.get("location")).toBe("/login");
    },
    SLOW,
  );

  test(
    "login errors are shown inline and escaped; success redirects to /",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const c = new TestClient(app, ctx);
      const bad = await (await c.request("POST", "/login", form({ username: '"><script>x</script>', password: "nope" }, true))).text();
      expect(bad).toContain("Invalid username or password");
      // Attribute values are quoted: escaping the quote keeps the markup inert.
      expect(bad).not.toContain('"><script>');
      expect(bad).toContain(`value="&#34;>`);
      const ok = await c.request("POST", "/login", form({ username: "admin", password: PASSWORD }));
      expect(ok.status).toBe(303);
      expect(ok.headers.get("location")).toBe("/");
      expect((await c.request("GET", "/login")).headers.get("location")).toBe("/");
    },
    SLOW,
  );

  test(
    "2FA step: wrong code shown inline with the token kept, then a right code or a recovery code signs in",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const { secret, recoveryCodes } = await enable2fa(client);
      const c = new TestClient(app, ctx);
      const step = await (await c.request("POST", "/login", form({ username: "admin", password: PASSWORD }, true))).text();
      const token = step.match(/name="totp_token" value="([^"]+)"/)![1]!;
      expect(step).toContain('action="/login/totp"');
      expect(step).toContain('action="/login/recovery"');
      expect(c.token).toBeUndefined();
      const wrong = await (await c.request("POST", "/login/totp", form({ totp_token: token, code: await wrongCode(secret) }, true))).text();
      expect(wrong).toContain("Invalid code");
      expect(wrong).toContain(token);
      const ok = await c.request("POST", "/login/totp", form({ totp_token: token, code: await codeAt(secret, 1) }, true));
      expect(ok.headers.get("hx-redirect")).toBe("/");
      expect((await c.request("GET", "/")).status).toBe(200);

      const d = new TestClient(app, ctx);
      const step2 = await (await d.request("POST", "/login", form({ username: "admin", password: PASSWORD }))).text();
      expect(step2).toContain("<!doctype html>");
      const token2 = step2.match(/name="totp_token" value="([^"]+)"/)![1]!;
      const rec = await d.request("POST", "/login/recovery", form({ totp_token: token2, recovery_code: recoveryCodes[5]! }));
      expect(rec.headers.get("location")).toBe("/");
      const expired = await (await d.request("POST", "/login/recovery", form({ totp_token: token2, recovery_code: recoveryCodes[6]! }, true))).text();
      expect(expired).toContain("Sign-in expired");
      expect(expired).toContain('action="/login"');
    },
    SLOW,
  );

  test(
    "logout ends the session and clears the cookie",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const token = client.token!;
      const out = await client.request("POST", "/logout");
      expect(out.status).toBe(303);
      expect(out.headers.get("location")).toBe("/login");
      expect(client.token).toBeUndefined();
      expect((await new TestClient(app, ctx).json("GET", "/api/auth/me", { token })).status).toBe(401);
      expect((await client.request("GET", "/")).headers.get("location")).toBe("/login");
    },
    SLOW,
  );
});

describe("account page", () => {
  test(
    "without a session: redirect to /login (HX-Redirect for htmx)",
    async () => {
      const { client } = testApp();
      await setup(client);
      const anon = new TestClient(client.app, client.ctx);
      const plain = await anon.request("GET", "/account");
      expect(plain.status).toBe(303);
      expect(plain.headers.get("location")).toBe("/login");
      const htmx = await anon.request("POST", "/account/password", form({}, true));
      expect(htmx.headers.get("hx-redirect")).toBe("/login");
      // An API key is not a page session.
      const key = (await client.json("POST", "/api/auth/api-keys", { body: { name: "k", scope: "write" } })).body.key;
      expect((await anon.request("GET", "/account", { headers: { "x-api-key": key } })).headers.get("location")).toBe("/login");
    },
    SLOW,
  );

  test(
    "shows every section; password change reports errors inline and ends other sessions",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const other = new TestClient(app, ctx);
      await other.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } });
      const page = await (await client.request("GET", "/account")).text();
      for (const id of ["account-password", "account-totp", "account-sessions", "account-api-keys"]) expect(page).toContain(`id="${id}"`);
      expect(page).toContain("this device");
      const mismatch = await (await client.request("POST", "/account/password", form({ current_password: PASSWORD, new_password: "aaaaaaaaa", confirm_password: "bbbbbbbbb" }, true))).text();
      expect(mismatch).toStartWith('<section class="card" id="account-password"');
      expect(mismatch).toContain("do not match");
      const wrong = await (await client.request("POST", "/account/password", form({ current_password: "wrong one", new_password: "aaaaaaaaa", confirm_password: "aaaaaaaaa" }, true))).text();
      expect(wrong).toContain("Current password is incorrect");
      const ok = await (await client.request("POST", "/account/password", form({ current_password: PASSWORD, new_password: "aaaaaaaaa", confirm_password: "aaaaaaaaa" }, true))).text();
      expect(ok).toContain("Password changed. 1 other session was signed out.");
      expect((await other.json("GET", "/api/auth/me")).status).toBe(401);
      expect((await client.request("GET", "/account")).status).toBe(200);
    },
    SLOW,
  );

  test(
    "2FA: enrol with QR, wrong code keeps the same secret, codes shown once with a download, then disable",
    async () => {
      const { client } = testApp();
      await setup(client);
      const enrol = await (await client.request("POST", "/account/totp/setup", form({}, true))).text();
      expect(enrol).toContain('src="data:image/png;base64,');
      const secret = enrol.match(/name="secret" value="([A-Z2-7]+)"/)![1]!;
      const wrong = await (await client.request("POST", "/account/totp/enable", form({ secret, code: await wrongCode(secret) }, true))).text();
      expect(wrong).toContain("Invalid code");
      expect(wrong).toContain(`value="${secret}"`);
      const codes = await (await client.request("POST", "/account/totp/enable", form({ secret, code: await codeAt(secret) }, true))).text();
      const shown = codes.match(/[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}/g)!;
      expect(new Set(shown).size).toBe(10);
      expect(codes).toContain('download="dynamight-recovery-codes.txt"');
      expect(codes).toContain('href="data:text/plain;charset=utf-8,');
      const later = await (await client.request("GET", "/account")).text();
      expect(later).toContain("10 of 10 recovery codes left");
      for (const c of shown) expect(later).not.toContain(c);
      const bad = await (await client.request("POST", "/account/totp/disable", form({ code: "000000" }, true))).text();
      expect(bad).toContain("Invalid or already used code");
      const off = await (await client.request("POST", "/account/totp/disable", form({ code: shown[0]! }, true))).text();
      expect(off).toContain("Two-factor authentication is off.");
      expect((await client.json("GET", "/api/auth/totp/status")).body.enabled).toBe(false);
    },
    SLOW,
  );

  test(
    "API keys: created key shown once (escaped name), revoke; sessions: sign out one, log out everywhere",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const created = await (await client.request("POST", "/account/api-keys", form({ name: "<img src=x onerror=alert(1)>", scope: "read" }, true))).text();
      const key = created.match(/value="(dm_[A-Za-z0-9_-]{43})"/)![1]!;
      expect(created).not.toContain("<img src=x");
      expect(created).toContain("data-copy=");
      const anon = new TestClient(app, ctx);
      expect((await anon.json("GET", "/api/auth/me", { headers: { "x-api-key": key } })).body.scope).toBe("read");
      const again = await (await client.request("GET", "/account")).text();
      expect(again).not.toContain(key);
      const badScope = await (await client.request("POST", "/account/api-keys", form({ name: "x", scope: "root" }, true))).text();
      expect(badScope).toContain("Choose a scope");
      const id = (await client.json("GET", "/api/auth/api-keys")).body[0].id;
      const revoked = await (await client.request("POST", `/account/api-keys/${id}/revoke`, form({}, true))).text();
      expect(revoked).toContain("Key revoked.");
      expect((await anon.json("GET", "/api/auth/me", { headers: { "x-api-key": key } })).status).toBe(401);

      const phone = new TestClient(app, ctx);
      await phone.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } });
      const sid = JSON.parse(Buffer.from(phone.token!.split(".")[1]!, "base64url").toString()).sid;
      const one = await (await client.request("POST", `/account/sessions/${sid}/revoke`, form({}, true))).text();
      expect(one).toContain("Session signed out.");
      expect((await phone.json("GET", "/api/auth/me")).status).toBe(401);
      const all = await client.request("POST", "/account/sessions/logout-all", form({}, true));
      expect(all.headers.get("hx-redirect")).toBe("/login");
      expect((await client.json("GET", "/api/auth/me")).status).toBe(401);
    },
    SLOW,
  );
});
