// The backup flow in real Chromium against a real server: set up the admin, create a local job in
// the editor (sources picked with the folder picker), run it, watch the live log on the run page
// until it completes, see it in the history; the files must have arrived. Screenshots of each
// page at desktop and phone width go to $DM_SCREENSHOTS (default: a temp folder) for review.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { type Browser, chromiumMissing, openBrowser, startTestServer } from "./harness.ts";

const SHOTS = process.env.DM_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), "dm-shots-"));
const PASSWORD = "correct horse battery staple";

describeIf(chromiumMissing ?? missingCommand("rsync"))("backup job flow in Chromium", () => {
  let base: string;
  let src: string;
  let dest: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "dm-jobs-ui-"));
    src = join(base, "photos");
    dest = join(base, "backup");
    mkdirSync(join(src, "2026"), { recursive: true });
    mkdirSync(dest);
    writeFileSync(join(src, "hello.txt"), "hello from the browser test\n");
    writeFileSync(join(src, "2026", "notes.md"), "# notes\n");
    // Large enough that, with a bandwidth limit, the run lasts a few seconds: long enough to
    // open its page while it is still running and receive lines live.
    writeFileSync(join(src, "2026", "big.bin"), new Uint8Array(400 * 1024).fill(7));
    server = await startTestServer({ ALLOWED_BROWSE_PATHS: base });
    browser = await openBrowser(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  const shot = async (name: string) => {
    const { page } = browser;
    await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    // In screen-sized pieces, so each can be looked at at its real size.
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    for (let i = 0; i * 844 < Math.min(height, 4 * 844); i++) {
      await page.screenshot({ path: join(SHOTS, `${name}-phone-${i + 1}.png`), fullPage: true, clip: { x: 0, y: i * 844, width: 390, height: Math.min(844, height - i * 844) } });
    }
    await page.setViewportSize({ width: 1200, height: 850 });
  };

  test("set up, create a local job, run it, watch it live, find it in the history", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/`);
    await page.waitForURL(/\/setup$/);
    await page.fill("#username", "admin");
    await page.fill("#password", PASSWORD);
    await page.fill("#confirm", PASSWORD);
    await page.click("button[type=submit]");
    await page.waitForSelector("text=No backup jobs yet.");

    // The editor: name, sources from the folder picker, destination, a schedule preview.
    await page.click("text=Create your first job");
    await page.waitForSelector("#job-form");
    await page.fill("#name", "Photos to backup disk");
    // The folder browser opens on demand, in a dialog (issue 16).
    await page.click("#picker-source_dirs .picker-open");
    await page.click('button[aria-label="Add photos"]');
    await page.waitForFunction((want) => (document.querySelector('textarea[name="source_dirs"]') as HTMLTextAreaElement | null)?.value.trim() === want, src);
    await page.click("#picker-source_dirs [data-picker-close]");
    await page.fill('[name="dest.mount_point"]', dest);
    await page.click("#section-options > summary"); // folded for a new job (issue 16)
    await page.fill('[name="sync.bandwidth_limit_kbps"]', "120");
    await page.click("text=Test connection");
    await page.waitForSelector("#test-result .alert-ok");
    expect(await page.locator(".schedule-row [data-preview] li").count()).toBe(5);
    // Changing the schedule type re-renders the row with that type's fields.
    await page.selectOption(".schedule-row select[name$='-schedule_type']", "weekly");
    await page.waitForSelector(".schedule-row select[name$='-day_of_week']");
    expect(await page.locator(".schedule-row [data-preview] li").count()).toBe(5);
    await shot("editor");

    await page.click("text=Create job");
    await page.waitForURL(/\/jobs\/\d+(\?saved=created)?$/);
    const jobId = Number(new URL(page.url()).pathname.split("/").pop());

    // Run now from the dashboard: the card turns into a live one with a link to the log.
    await page.click('nav a[href="/"]');
    await page.waitForSelector(`#job-${jobId}`);
    await page.click(`#job-${jobId} >> text=Run now`);
    await page.waitForSelector(`#job-${jobId} .live-progress`);
    await shot("dashboard-running");
    await page.click(`#job-${jobId} >> text=live log`);
    await page.waitForURL(/\/runs\/\d+$/);
    const runId = Number(new URL(page.url()).pathname.split("/").pop());

    // Lines arrive over the WebSocket while the run is still going, then the run completes.
    const logs = page.locator("#run-logs");
    expect(await logs.getAttribute("data-live")).toBe("true");
    await page.waitForSelector("#run-logs .log-line", { timeout: 20_000 });
    const liveLines = await page.locator("#run-logs .log-line").count();
    expect(liveLines).toBeGreaterThan(0);
    // Counters follow job_progress from /api/ws/status while the run is still going.
    await page.waitForFunction(() => document.querySelector("#run-summary")?.getAttribute("data-status") === "running" && Number(document.querySelector("#run-files")?.textContent) >= 1, undefined, {
      timeout: 20_000,
    });
    await page.screenshot({ path: join(SHOTS, "run-live-desktop.png") });
    await page.waitForSelector('#run-summary[data-status="completed"]', { timeout: 60_000 });
    expect((await page.locator("#run-status").textContent())?.trim()).toBe("Completed");
    const text = await logs.innerText();
    expect(text).toContain("hello.txt");
    // Every line once: the stream joins stored and live lines without duplicates.
    const ids = await page.locator("#run-logs .log-line").evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
    expect(new Set(ids).size).toBe(ids.length);
    // The level filter hides info lines.
    await page.selectOption("#log-level", "error");
    expect(await page.locator("#run-logs .log-line.info").first().isVisible()).toBe(false);
    await page.selectOption("#log-level", "all");
    await shot("run-detail");

    // A second run from the dashboard: the card follows it live and turns "Completed" by itself.
    await page.click('nav a[href="/"]');
    await page.waitForSelector(`#job-${jobId} .badge-completed`);
    await page.click(`#job-${jobId} >> text=Run now`);
    await page.waitForSelector(`#job-${jobId} .live-progress`);
    await page.waitForSelector(`#job-${jobId} .badge-completed`, { timeout: 60_000 });
    expect(await page.locator(`#job-${jobId} .live-progress`).count()).toBe(0);
    await shot("dashboard");

    // The history lists both runs, with the chart.
    await page.click(`#job-${jobId} >> text=History`);
    await page.waitForSelector(`#run-row-${runId} .badge-completed`);
    expect(await page.locator(".runs-table tbody tr").count()).toBe(2);
    await page.waitForSelector("#chart-duration rect.chart-bar");
    await shot("history");

    // Dark theme from the settings page: the chart and badges must stay readable.
    await page.click('nav a[href="/settings"]');
    await page.check('input[name="theme"][value="dark"]');
    await page.click("text=Save settings");
    await page.waitForSelector('html[data-theme="dark"]');
    await page.goto(`${server.url}/jobs/${jobId}/runs`);
    await page.waitForSelector("#chart-bytes rect.chart-bar");
    await shot("history-dark");
    await page.click('nav a[href="/credentials"]');
    await page.waitForSelector("#credential-form");
    await shot("credentials-dark");

    expect(readFileSync(join(dest, "photos", "hello.txt"), "utf8")).toBe("hello from the browser test\n");
    expect(readFileSync(join(dest, "photos", "2026", "notes.md"), "utf8")).toBe("# notes\n");
    expect(readFileSync(join(dest, "photos", "2026", "big.bin")).length).toBe(400 * 1024);
    expect(browser.errors).toEqual([]);
    expect(browser.offOrigin).toEqual([]);
  }, 120_000);
});
