// The auth pages in real Chromium against a real server: setup wizard, account page with 2FA
// enrolment, logout, and login with the 2FA step. Codes are computed with otplib like an app would.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { generate } from "otplib";
import { describeIf } from "../helpers/prereq.ts";
import { type Browser, chromiumMissing, openBrowser, startTestServer } from "./harness.ts";

const PASSWORD = "browser test password";

describeIf(chromiumMissing)("auth in a browser", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await openBrowser(server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("setup → dashboard", async () => {
    const { page } = browser;
    await page.goto(server.url + "/");
    await page.waitForURL(/\/setup$/);
    await page.fill("#username", "admin");
    await page.fill("#password", PASSWORD);
    await page.fill("#confirm", "not the same");
    await page.click("button[type=submit]");
    await page.getByText("The two passwords do not match").waitFor();
    await page.fill("#password", PASSWORD);
    await page.fill("#confirm", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForURL(server.url + "/");
    expect(await page.locator("h1").first().textContent()).toContain("Dashboard");
    expect(await page.locator(".topbar").textContent()).toContain("admin");
    // Over a real socket the session records the client's address (what rate limits key on).
    const sessions = await (await page.request.get(server.url + "/api/auth/sessions")).json();
    expect(sessions).toHaveLength(1);
    expect(sessions[0].ip).toBe("127.0.0.1");
  }, 60_000);

  test("enable 2FA on the account page, logout, login with the 2FA step → dashboard", async () => {
    const { page } = browser;
    await page.goto(server.url + "/account");
    await page.click("text=Enable 2FA");
    await page.locator("img.qr").waitFor();
    await page.screenshot({ path: (process.env.DM_SCREENSHOT ?? "/tmp/dm-account.png").replace(".png", "-enrol.png"), caret: "initial" });
    const secret = (await page.locator("#totp-secret").textContent())!.replace(/\s/g, "");
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.fill("#totp-code", await generate({ secret }));
    await page.click("text=Confirm and enable");
    await page.locator("#recovery-codes").waitFor();
    const codes = (await page.locator("#recovery-codes").textContent())!.match(/[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}/g)!;
    expect(codes).toHaveLength(10);
    const download = await page.locator("#download-codes").getAttribute("href");
    expect(decodeURIComponent(download!)).toContain(codes[0]!);

    // A key, so the screenshot shows every section filled in.
    await page.fill("#api-key-name", "monitoring");
    await page.click("text=Create key");
    await page.locator("#new-api-key-value").waitFor();
    expect(await page.locator("#new-api-key-value").inputValue()).toMatch(/^dm_/);
    await page.evaluate(() => window.scrollTo(0, 0));
    // caret: "initial": hiding the caret makes Playwright inject a <style>, which the CSP (rightly) blocks.
    await page.screenshot({ path: process.env.DM_SCREENSHOT ?? "/tmp/dm-account.png", fullPage: true, caret: "initial" });

    await page.click("text=I saved them");
    await page.getByText("10 of 10 recovery codes left.").waitFor();

    await page.click("text=Log out");
    await page.waitForURL(/\/login$/);
    await page.fill("#username", "admin");
    await page.fill("#password", PASSWORD);
    await page.click("button[type=submit]");
    await page.locator("#code").waitFor();
    await page.screenshot({ path: (process.env.DM_SCREENSHOT ?? "/tmp/dm-account.png").replace(".png", "-login-2fa.png"), caret: "initial" });
    // The enabling code's 30 s step is spent; the next step's code is within the allowed drift.
    await page.fill("#code", await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await page.click("text=Verify");
    await page.waitForURL(server.url + "/");
    expect(await page.locator("h1").first().textContent()).toContain("Dashboard");
    expect(browser.errors).toEqual([]);
    expect(browser.offOrigin).toEqual([]);
  }, 90_000);
});
