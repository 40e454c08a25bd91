// Shared by the web-UI browser tests of issue 16: one server and one signed-in Chromium per
// file, API calls with the same session, and the checks every page must pass at both sizes.
import type { Page } from "playwright-core";
import { type Browser, openSignedInBrowser, startTestServer } from "./harness.ts";

export const SIZES = [
  { name: "desktop", width: 1366, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;

export interface Kit {
  server: Awaited<ReturnType<typeof startTestServer>>;
  browser: Browser;
  page: Page;
  /** JSON API call signed in as the browser's user. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

export async function openKit(env: Record<string, string> = {}): Promise<Kit> {
  const server = await startTestServer(env);
  const browser = await openSignedInBrowser(server);
  const token = (await browser.context.cookies()).find((c) => c.name === "token")!.value;
  return {
    server,
    browser,
    page: browser.page,
    async api(method, path, body) {
      const res = await fetch(server.url + path, {
        method,
        headers: { "content-type": "application/json", origin: server.url, cookie: `token=${token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : null };
    },
    async close() {
      await browser.close();
      await server.stop();
    },
  };
}

/** How far the page scrolls sideways beyond the screen (0 when it fits). */
export async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth);
}

/** An element lies within the screen's width (it can be reached without scrolling sideways). */
export async function withinWidth(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).first().boundingBox();
  const width = page.viewportSize()!.width;
  return !!box && box.x >= 0 && box.x + box.width <= width;
}

export async function waitRun(kit: Kit, runId: number): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const run = (await kit.api("GET", `/api/runs/${runId}`)).json;
    if (!["pending", "running"].includes(run.status)) return run;
    await Bun.sleep(100);
  }
  throw new Error(`run ${runId} did not finish`);
}
