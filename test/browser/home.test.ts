// The first pages in a real Chromium: they render under our CSP with nothing blocked, and load
// nothing from another origin (this is the proof for the vendored htmx and Swagger UI bundles,
// whose code contains URL strings that are never loaded).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { describeIf } from "../helpers/prereq.ts";
import { type Browser, chromiumMissing, openBrowser, startTestServer } from "./harness.ts";

// bun 1.4.5 ignores bunfig's [test] timeout; a browser on a busy machine needs more than 5 s.
setDefaultTimeout(60_000);

const SHOTS = process.env.DYNAMIGHT_SCREENSHOTS ?? "/tmp";

describeIf(chromiumMissing)("first pages in Chromium", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await openBrowser(server.url);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("/ asks to create the admin account, styled and scripted, nothing blocked", async () => {
    const { page } = browser;
    const res = await page.goto(server.url + "/", { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    // Not `expect(promise).resolves`: bun runs its event loop re-entrantly there, which makes
    // playwright-core handle protocol messages out of order ("Cannot find parent object").
    expect(await page.title()).toBe("Create the admin account · Dynamight");
    expect(await page.locator("h1").innerText()).toBe("Welcome to Dynamight");
    expect(await page.getByText("Create the admin account.").count()).toBe(1);
    for (const id of ["username", "password", "confirm"]) {
      expect(await page.locator(`#setup-form #${id}`).isVisible()).toBe(true);
    }
    expect(await page.locator("#password").getAttribute("type")).toBe("password");
    expect(await page.locator("#setup-form button[type=submit]").innerText()).toBe("Create admin account");
    // The stylesheet applied (a blocked one leaves the browser's transparent default) and htmx ran.
    const primaryBg = await page.locator(".btn-primary").evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(primaryBg).not.toBe("rgba(0, 0, 0, 0)");
    expect(await page.evaluate(() => typeof (window as any).htmx?.version)).toBe("string");
    await page.screenshot({ path: `${SHOTS}/dynamight-setup-desktop.png`, fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload({ waitUntil: "load" });
    // Readable on a phone: nothing wider than the screen, the form fits.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const field = await page.locator("#username").boundingBox();
    expect(field!.x).toBeGreaterThanOrEqual(0);
    expect(field!.x + field!.width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${SHOTS}/dynamight-setup-mobile.png`, fullPage: true });
    await page.setViewportSize({ width: 1200, height: 850 });

    // The system's dark preference gives the dark theme.
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await background()).not.toBe(light);
    await page.screenshot({ path: `${SHOTS}/dynamight-setup-dark.png` });
    await page.emulateMedia({ colorScheme: "light" });

    expect(browser.errors).toEqual([]);
    expect(browser.offOrigin).toEqual([]);
  });

  test("/api/docs renders Swagger UI from the binary's files, nothing blocked", async () => {
    const { page } = browser;
    const res = await page.goto(server.url + "/api/docs", { waitUntil: "load" });
    expect(res?.status()).toBe(200);
    await page.locator(".opblock").first().waitFor({ state: "visible", timeout: 30_000 });
    expect(await page.locator(".info .title").innerText()).toContain("Dynamight API");
    expect(await page.locator(".opblock-summary-path[data-path='/api/system/health']").count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/dynamight-api-docs.png` });

    expect(browser.errors).toEqual([]);
    expect(browser.offOrigin).toEqual([]);
  });

  // Runs last: it pollutes the lists on purpose, to show the empty lists above mean something.
  test("the harness does notice off-origin requests and CSP violations", async () => {
    const { page } = browser;
    await page.goto(server.url + "/", { waitUntil: "load" });
    const requested = page.waitForRequest("https://cdn.example.invalid/pixel.png");
    const refused = page.waitForEvent("console", (m) => m.text().includes("Content Security Policy"));
    await page.evaluate(() => {
      const img = document.createElement("img");
      img.src = "https://cdn.example.invalid/pixel.png";
      document.body.append(img);
      const script = document.createElement("script");
      script.textContent = "window.inlineRan = true";
      document.body.append(script);
    });
    await Promise.all([requested, refused]);
    expect(browser.offOrigin).toContain("https://cdn.example.invalid/pixel.png");
    expect(await page.evaluate(() => (window as any).inlineRan)).toBeUndefined();
    expect(browser.errors.join("\n")).toContain("Content Security Policy");
  });
});
