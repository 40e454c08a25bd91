// The credentials page's OAuth connection in real Chromium against the token endpoint fakes: a
// device code that the page follows by itself (htmx polling) until the approval lands, a pasted
// rclone token (and a bad one refused naming the field), and the Reconnect button.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { open } from "../../src/crypto/seal.ts";
import { type OAuthFake, startOAuthFake } from "../fakes/oauth.ts";
import { describeIf } from "../helpers/prereq.ts";
import { type Browser, chromiumMissing, openSignedInBrowser, startTestServer } from "./harness.ts";

describeIf(chromiumMissing)("Credentials page: OAuth in Chromium", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let microsoft: OAuthFake;
  let google: OAuthFake;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    microsoft = await startOAuthFake({ provider: "microsoft", clientSecret: null, rotateRefreshTokens: true });
    google = await startOAuthFake({ provider: "google" });
    Object.assign(process.env, microsoft.env, google.env);
    server = await startTestServer();
    browser = await openSignedInBrowser(server);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    microsoft?.stop();
    google?.stop();
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  });

  const sealed = (id: number) => {
    const raw = server.ctx.db.$client.query<{ data: string }, [number]>("SELECT data FROM credentials WHERE id = ?").get(id)!.data;
    return JSON.parse(open(server.ctx.secret, raw, `credential:${id}`)) as Record<string, string>;
  };

  test("device code: the page shows the code and moves on by itself once it is approved", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/credentials?type=onedrive`);
    await page.getByRole("heading", { name: "Credentials", level: 1 }).waitFor();
    expect(await page.locator("#provider_type").inputValue()).toBe("onedrive");
    expect(await page.locator("#oauth-redirect-uri").textContent()).toBe(`${server.url}/api/oauth/callback`);
    // The raw token fields are API-only; the paste field is there.
    expect(await page.locator('[name="data.refresh_token"]').count()).toBe(0);
    expect(await page.locator('[name="data.token"]').count()).toBe(1);
    await page.locator("#cred-name").fill("Pi OneDrive");
    await page.locator('[name="data.client_id"]').fill(microsoft.clientId);
    await page.getByRole("button", { name: "Get a device code" }).click();
    const code = page.locator("#oauth-user-code");
    await code.waitFor();
    const userCode = (await code.textContent())!.trim();
    expect(userCode).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/);
    expect(await page.locator("#oauth-device-status a").getAttribute("href")).toBe(`${microsoft.url}/device`);
    microsoft.approveDevice(userCode);
    await page.waitForURL(/\/credentials\?connected=\d+$/, { timeout: 20_000 });
    await page.getByText("Account connected: the credential is saved.").waitFor();
    const id = Number(new URL(page.url()).searchParams.get("connected"));
    await page.locator(`#credential-${id}`, { hasText: "Pi OneDrive" }).waitFor();
    expect(microsoft.refreshTokenValid(sealed(id).refresh_token!)).toBe(true);
    expect(browser.errors).toEqual([]);
  }, 60_000);

  test("paste token: a bad paste names the field; the rclone JSON saves the credential; Reconnect shows when needed", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/credentials?type=google_drive`);
    await page.locator("#cred-name").fill("Pasted Drive");
    await page.locator('[name="data.client_id"]').fill(google.clientId);
    await page.locator('[name="data.client_secret"]').fill(google.clientSecret!);
    await page.locator('[name="data.token"]').fill("this is not json");
    await page.getByRole("button", { name: "Save credential" }).click();
    // Beside the field, in the form's words (issue 16): its label, not the API's field name.
    await page.locator("#credential-form #error-data-token", { hasText: "is not JSON" }).waitFor();
    expect(await page.locator("#credential-form").innerText()).not.toContain("Field 'data.token'");
    expect(await page.locator('[name="data.token"]').getAttribute("aria-invalid")).toBe("true");

    const issued = google.issue();
    const rclone = JSON.stringify({ access_token: issued.access_token, token_type: "Bearer", refresh_token: issued.refresh_token, expiry: new Date(issued.expires_at * 1000).toISOString() });
    // The fields the failed save kept, plus the secret and the token again (secrets are never shown back).
    await page.locator('[name="data.client_secret"]').fill(google.clientSecret!);
    await page.locator('[name="data.token"]').fill(rclone);
    await page.getByRole("button", { name: "Save credential" }).click();
    await page.getByText("Credential saved.").waitFor();
    const row = page.locator("tr", { hasText: "Pasted Drive" });
    await row.waitFor();
    const id = Number((await row.getAttribute("id"))!.replace("credential-", ""));
    expect(sealed(id)).toEqual({
      client_id: google.clientId,
      client_secret: google.clientSecret!,
      access_token: issued.access_token,
      refresh_token: issued.refresh_token,
      expires_at: String(issued.expires_at),
    });
    expect(await row.getByRole("link", { name: "Reconnect" }).count()).toBe(0);

    server.ctx.db.$client.run("UPDATE credentials SET needs_reconnect = 1 WHERE id = ?", [id]);
    await page.reload();
    await row.getByText("Needs reconnect").waitFor();
    await row.getByRole("link", { name: "Reconnect" }).click();
    await page.getByRole("heading", { name: "Edit Pasted Drive" }).waitFor();
    await page.getByText("Reconnect the account").waitFor();
    // A new paste on edit keeps the client settings.
    const again = google.issue();
    await page.locator('[name="data.token"]').fill(JSON.stringify({ access_token: again.access_token, token_type: "Bearer", refresh_token: again.refresh_token, expiry: "0001-01-01T00:00:00Z" }));
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Credential saved.").waitFor();
    expect(await page.locator(`#credential-${id}`).getByText("Needs reconnect").count()).toBe(0);
    expect(sealed(id)).toEqual({ client_id: google.clientId, client_secret: google.clientSecret!, access_token: again.access_token, refresh_token: again.refresh_token });
    expect(browser.errors).toEqual([]);
  }, 60_000);
});
