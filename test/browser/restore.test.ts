// The Files tab in real Chromium: browse a local destination after a real rsync backup, tick one
// file, open "Restore…", start the restore and land on the run's live page; the file is back with
// its bytes. At phone width (390 px) the tab has no horizontal scroll.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { tempDir } from "../system/helpers.ts";
import { type Browser, chromiumMissing, openSignedInBrowser, startTestServer } from "./harness.ts";

describeIf(chromiumMissing ?? missingCommand("rsync"))("Files tab in Chromium", () => {
  let base: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let jobId: number;
  let source: string;

  const api = async (method: string, path: string, body?: unknown) => {
    const cookies = await browser.context.cookies(server.url);
    const token = cookies.find((c) => c.name === "token")!.value;
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { cookie: `token=${token}`, origin: server.url, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    base = tempDir("dm-files-ui-");
    source = join(base, "Documents");
    mkdirSync(join(source, "Reports 2026"), { recursive: true });
    writeFileSync(join(source, "Reports 2026", "année.txt"), "bilan de l'année");
    writeFileSync(join(source, "Reports 2026", "keep.txt"), "keep me");
    writeFileSync(join(source, "a-rather-long-file-name-that-must-wrap-on-a-phone-screen-without-scrolling-sideways.txt"), "long");
    utimesSync(join(source, "Reports 2026", "année.txt"), 1_700_000_000, 1_700_000_000);
    mkdirSync(join(base, "disk"));
    server = await startTestServer({ ALLOWED_BROWSE_PATHS: base });
    browser = await openSignedInBrowser(server);
    const job = await api("POST", "/api/jobs", {
      name: "Docs",
      source_dirs: [source],
      destination_type: "local",
      destination_config: { mount_point: join(base, "disk"), backup_subdir: "b" },
      sync_options: {},
    });
    expect(job.status).toBe(201);
    jobId = job.body.id;
    const run = await api("POST", `/api/jobs/${jobId}/run`);
    for (let i = 0; i < 100; i++) {
      const r = await api("GET", `/api/runs/${run.body.run_id}`);
      if (r.body.status === "completed") break;
      expect(["pending", "running"]).toContain(r.body.status);
      await Bun.sleep(100);
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  test("tick one file, Restore…, start: the run's page shows it completed and the file is back", async () => {
    unlinkSync(join(source, "Reports 2026", "année.txt"));
    const { page } = browser;
    await page.goto(`${server.url}/jobs/${jobId}/runs`);
    await page.getByRole("navigation", { name: "Job" }).getByRole("link", { name: "Files" }).click();
    await page.getByRole("link", { name: "Documents/" }).click();
    await page.getByRole("link", { name: "Reports 2026/" }).click();
    await page.locator('.crumbs [aria-current="location"]', { hasText: "Reports 2026" }).waitFor();
    const row = page.locator("tr", { hasText: "année.txt" });
    await expect(row.getByRole("link", { name: "Download" }).getAttribute("href")).resolves.toBe(`/api/jobs/${jobId}/files/download?path=${encodeURIComponent("Documents/Reports 2026/année.txt")}`);
    await page.getByLabel("Select année.txt").check();
    await page.getByText("Restore…").click();
    await page.getByLabel("The original folders").check();
    await page.getByLabel("When a file already exists").selectOption("never");
    await page.getByRole("button", { name: "Start restore" }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    await page.getByRole("heading", { name: /Restore run #\d+/ }).waitFor();
    await page.locator("#run-status", { hasText: "Completed" }).waitFor({ timeout: 20_000 });
    expect(readFileSync(join(source, "Reports 2026", "année.txt"), "utf8")).toBe("bilan de l'année");
    const runs = (await api("GET", `/api/jobs/${jobId}/runs`)).body;
    expect(runs[0]).toMatchObject({ kind: "restore", status: "completed", files_transferred: 1 });
    // The history tab shows the kind.
    await page.goto(`${server.url}/jobs/${jobId}/runs`);
    await page.locator(`#run-row-${runs[0].id}`, { hasText: "Restore" }).waitFor();
    expect(browser.errors).toEqual([]);
    expect(browser.offOrigin).toEqual([]);
  }, 60_000);

  test("a target outside the allowed folders comes back on the form with the reason", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/jobs/${jobId}/files?path=Documents`);
    await page.getByText("Restore…").click();
    await page.getByLabel("Another folder (below)").check();
    await page.locator("#picker-folder-value").fill("/etc");
    await page.getByRole("button", { name: "Start restore" }).click();
    await page.locator(".alert-error", { hasText: "Field 'target' must be inside the allowed folders" }).waitFor();
    expect(page.url()).not.toMatch(/\/runs\//);
  });

  test("at phone width the Files tab fits without horizontal scroll", async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/jobs/${jobId}/files?path=Documents`);
    await page.getByText("a-rather-long-file-name").waitFor();
    await page.getByText("Restore…").click();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1200, height: 850 });
  });
});
