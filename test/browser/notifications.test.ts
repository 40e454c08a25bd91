// The Notifications page in real Chromium: the type select swaps the fields (htmx), a channel is
// added, and "Send test" shows why an unreachable channel failed, inline, without a reload.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { describeIf } from "../helpers/prereq.ts";
import { type Browser, chromiumMissing, openSignedInBrowser, startTestServer } from "./harness.ts";

describeIf(chromiumMissing)("Notifications page in Chromium", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await openSignedInBrowser(server);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("add a webhook channel, then send a test to an unreachable URL", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/notifications`);
    await page.getByRole("heading", { name: "Notifications", level: 1 }).waitFor();
    await page.locator("#channel-type").selectOption("ntfy");
    await page.locator('[name="config.topic"]').waitFor();
    await page.locator("#channel-type").selectOption("webhook");
    await page.locator('[name="config.url"]').waitFor();
    await page.getByLabel("Name").fill("Browser hook");
    await page.locator('[name="config.url"]').fill("http://127.0.0.1:1/");
    await page.getByRole("button", { name: "Save channel" }).click();
    await page.locator("#channel-1", { hasText: "Browser hook" }).waitFor();

    await page.locator("#channel-1").getByRole("link", { name: "Edit" }).click();
    await page.getByRole("heading", { name: "Edit Browser hook" }).waitFor();
    await page.getByRole("button", { name: "Send test" }).click();
    const result = page.locator("#channel-test-result .alert-error");
    await result.waitFor();
    expect(await result.textContent()).toContain("is unreachable");
  });
});
