// Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core against a real server
// listening on 127.0.0.1 with a fresh data folder. Never downloads a browser.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/logger.ts";
import { type RunningServer, serve } from "../../src/server.ts";
import { TEST_ALLOWED_PATHS } from "../helpers/app.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const chromiumMissing: string | null = existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;

export async function startTestServer(env: Record<string, string> = {}): Promise<RunningServer & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "dm-browser-"));
  const config = { ...loadConfig([], { ALLOWED_BROWSE_PATHS: TEST_ALLOWED_PATHS.join(","), ...env, HOST: "127.0.0.1" }, dataDir), dataDir, port: 0 };
  const server = await serve(config, silentLogger);
  return {
    ...server,
    dataDir,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Requests the page made to anything but the test server (should stay empty). */
  offOrigin: string[];
  /** Console errors and uncaught page errors (CSP violations show up here). */
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(origin: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "dm-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 850 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const offOrigin: string[] = [];
  const errors: string[] = [];
  context.on("request", (req) => {
    const url = req.url();
    if (!url.startsWith(origin) && !url.startsWith("data:") && !url.startsWith("about:")) offOrigin.push(url);
  });
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(err.message));
  return {
    context,
    page,
    offOrigin,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Creates the admin account through the API and opens a browser already signed in with its session cookie. */
export async function openSignedInBrowser(server: { url: string }): Promise<Browser> {
  const res = await fetch(`${server.url}/api/auth/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "correct horse battery staple" }),
  });
  if (res.status !== 200) throw new Error(`setup failed: ${res.status} ${await res.text()}`);
  const token = res.headers
    .getSetCookie()
    .find((c) => c.startsWith("token="))!
    .split(";")[0]!
    .slice("token=".length);
  const browser = await openBrowser(server.url);
  await browser.context.addCookies([{ name: "token", value: token, url: server.url }]);
  return browser;
}
