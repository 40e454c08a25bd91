// Verify from the web UI in real Chromium against a real server: "Verify now" on a job's page
// lands on the live run page, which ends "Completed" with the files checked; after a file is
// changed on the destination the next verify ends "Failed" with "1 difference" and the warning
// line naming the file. No console or CSP errors on the way.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromiumMissing, openSignedInBrowser, startTestServer } from "../browser/harness.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";

describeIf(chromiumMissing ?? missingCommand("rsync"))("verify in Chromium", () => {
  let base: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let jobId: number;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "verify-ui-"));
    const src = join(base, "photos");
    mkdirSync(join(src, "2026"), { recursive: true });
    mkdirSync(join(base, "backup"));
    writeFileSync(join(src, "2026", "été.txt"), "summer");
    writeFileSync(join(src, "notes.md"), "# notes\n");
    server = await startTestServer({ ALLOWED_BROWSE_PATHS: base });
    browser = await openSignedInBrowser(server);
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await browser.context.request.fetch(`${server.url}${path}`, { method, data: body, headers: { origin: server.url } });
      return { status: res.status(), body: await res.json() };
    };
    const job = await api("POST", "/api/jobs", { name: "Photos", source_dirs: [src], destination_type: "local", destination_config: { mount_point: join(base, "backup") }, sync_options: {} });
    expect(job.status).toBe(201);
    jobId = job.body.id;
    const run = await api("POST", `/api/jobs/${jobId}/run`);
    expect(run.status).toBe(202);
    for (let i = 0; i < 100 && (await api("GET", `/api/runs/${run.body.run_id}`)).body.status !== "completed"; i++) await Bun.sleep(100);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  test("Verify now, then a changed file fails the next verify naming it", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/jobs/${jobId}`);
    if (process.env.DM_SCREENSHOTS) {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: join(process.env.DM_SCREENSHOTS, "verify-job-phone.png"), fullPage: true });
      await page.setViewportSize({ width: 1200, height: 850 });
    }
    await page.getByRole("button", { name: "Verify now" }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    await page.locator("#run-status", { hasText: "Completed" }).waitFor({ timeout: 20_000 });
    expect(await page.locator("h1").first().textContent()).toMatch(/^Verify run #\d+$/);
    expect(await page.locator("[data-checked-for-run]").textContent()).toBe("2");
    expect(await page.locator("[data-differences-for-run]").textContent()).toBe("0");

    const copy = join(base, "backup", "photos", "2026", "été.txt");
    const st = statSync(copy);
    writeFileSync(copy, "winter");
    utimesSync(copy, st.atime, st.mtime);
    await page.goto(`${server.url}/jobs/${jobId}`);
    await page.getByRole("button", { name: "Verify now" }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    await page.locator("#run-status", { hasText: "Failed" }).waitFor({ timeout: 20_000 });
    await page.locator(".log-line.warning", { hasText: "photos/2026/été.txt: content differs (checksum)" }).waitFor();
    expect(await page.locator("[data-differences-for-run]").textContent()).toBe("1");
    expect(await page.content()).toContain("1 difference");
    await page.goto(`${server.url}/jobs/${jobId}/runs`);
    expect(await page.locator(".runs-table").textContent()).toContain("2 checked (1 difference)");
    expect(browser.errors).toEqual([]);
    expect(browser.offOrigin).toEqual([]);
  }, 60_000);
});
