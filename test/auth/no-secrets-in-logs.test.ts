// Every auth flow, API and pages, with the log collected: no password, TOTP secret, recovery
// code, API key or token may appear in any line.
import { expect, test } from "bun:test";
import { TestClient, testApp } from "../helpers/app.ts";
import { codeAt, enable2fa, form, PASSWORD, setup, wrongCode } from "./helpers.ts";

test("no secret in any log line", async () => {
  const logLines: string[] = [];
  const { client, app, ctx } = testApp({ logLines });
  const secrets: string[] = [PASSWORD];
  await setup(client);
  secrets.push(client.token!);

  const wrongPassword = "Wrong-Pa55word-XYZ";
  secrets.push(wrongPassword);
  const other = new TestClient(app, ctx);
  await other.json("POST", "/api/auth/login", { body: { username: "admin", password: wrongPassword } });
  await other.json("POST", "/api/auth/login", { body: { username: "ghost", password: wrongPassword } });
  // Someone typing their password into the username field.
  await other.json("POST", "/api/auth/login", { body: { username: "MyPassw0rd-in-name", password: "x" } });
  secrets.push("MyPassw0rd-in-name");

  const { secret, recoveryCodes } = await enable2fa(client);
  secrets.push(secret, ...recoveryCodes);

  const login = await other.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } });
  secrets.push(login.body.totp_token);
  await other.json("POST", "/api/auth/totp/validate", { body: { totp_token: login.body.totp_token, code: await wrongCode(secret) } });
  await other.json("POST", "/api/auth/totp/recovery", { body: { totp_token: login.body.totp_token, recovery_code: recoveryCodes[0]! } });
  secrets.push(other.token!);
  await other.json("POST", "/api/auth/totp/recovery", { body: { totp_token: login.body.totp_token, recovery_code: recoveryCodes[0]! } });

  const key = (await client.json("POST", "/api/auth/api-keys", { body: { name: "k", scope: "read" } })).body.key as string;
  secrets.push(key);
  await new TestClient(app, ctx).json("POST", "/api/auth/logout", { headers: { authorization: `Bearer ${key}` } });
  await new TestClient(app, ctx).json("GET", `/api/auth/me?token=${client.token}`);

  const newPassword = "N3w-Secret-Passphrase";
  secrets.push(newPassword);
  await client.json("POST", "/api/auth/change-password", { body: { current_password: "Not-The-Current-1", new_password: newPassword } });
  secrets.push("Not-The-Current-1");
  await client.json("POST", "/api/auth/change-password", { body: { current_password: PASSWORD, new_password: newPassword } });
  await client.json("POST", "/api/auth/totp/disable", { body: { code: recoveryCodes[1]! } });

  // The same through the pages.
  const page = new TestClient(app, ctx);
  await page.request("POST", "/login", form({ username: "admin", password: wrongPassword }, true));
  await page.request("POST", "/login", form({ username: "admin", password: newPassword }, true));
  const pageKey = await page.request("POST", "/account/api-keys", form({ name: "p", scope: "write" }, true));
  const shown = (await pageKey.text()).match(/dm_[A-Za-z0-9_-]{43}/)![0];
  secrets.push(shown);
  const setupFragment = await (await page.request("POST", "/account/totp/setup", form({}, true))).text();
  const secret2 = setupFragment.match(/name="secret" value="([A-Z2-7]+)"/)![1]!;
  secrets.push(secret2);
  const codesFragment = await (await page.request("POST", "/account/totp/enable", form({ secret: secret2, code: await codeAt(secret2) }, true))).text();
  const codes2 = codesFragment.match(/[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}/g)!;
  expect(codes2.length).toBeGreaterThanOrEqual(10);
  secrets.push(...codes2);
  await page.request("POST", "/account/password", form({ current_password: newPassword, new_password: "Third-Password-77", confirm_password: "Third-Password-77" }, true));
  secrets.push("Third-Password-77");

  await Bun.sleep(5);
  expect(logLines.length).toBeGreaterThan(20);
  const log = logLines.join("\n");
  if (process.env.SHOW_LOG) console.log(log);
  for (const s of secrets) expect([s.slice(0, 6), log.includes(s)]).toEqual([s.slice(0, 6), false]);
  // The flows did log what happened, by name only.
  expect(log).toContain("login failed");
  expect(log).toContain("2FA enabled");
  expect(log).toContain("API key created");
  expect(log).toContain("password changed");
}, 120_000);
