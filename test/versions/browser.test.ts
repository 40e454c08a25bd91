// Versions in real Chromium against a real server: a file changed between two backups (real
// rsync, real clock); the Files tab's "Versions" opens its versions page, "Put back" restores the
// old copy and lands on the run's live page; "Restore as of…" takes a UTC date and time. At phone
// width the versions page has no horizontal scroll.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromiumMissing, openSignedInBrowser, startTestServer } from "../browser/harness.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { tempDir } from "../system/helpers.ts";

describeIf(chromiumMissing ?? missingCommand("rsync"))("versions in Chromium", () => {
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
  const backup = async () => {
    const run = await api("POST", `/api/jobs/${jobId}/run`);
    for (let i = 0; i < 200; i++) {
      const r = await api("GET", `/api/runs/${run.body.run_id}`);
      if (r.body.status === "completed") return r.body;
      expect(["pending", "running"]).toContain(r.body.status);
      await Bun.sleep(100);
    }
    throw new Error("backup did not finish");
  };

  beforeAll(async () => {
    base = tempDir("versions-ui-");
    source = join(base, "Documents");
    mkdirSync(source, { recursive: true });
    writeFileSync(join(source, "plan.txt"), "first draft");
    utimesSync(join(source, "plan.txt"), 1_700_000_000, 1_700_000_000);
    mkdirSync(join(base, "disk"));
    server = await startTestServer({ ALLOWED_BROWSE_PATHS: base });
    browser = await openSignedInBrowser(server);
    const job = await api("POST", "/api/jobs", { name: "Docs", source_dirs: [source], destination_type: "local", destination_config: { mount_point: join(base, "disk"), backup_subdir: "b" } });
    expect(job.status).toBe(201);
    expect(job.body.sync_options.keep_versions_days).toBe(30);
    jobId = job.body.id;
    await backup();
    writeFileSync(join(source, "plan.txt"), "second draft, longer");
    await backup();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  test("Files → Versions → Put back: the old copy is back in the source folder", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/jobs/${jobId}/files?path=Documents`);
    await page.locator("tr", { hasText: "plan.txt" }).getByRole("link", { name: "Versions" }).click();
    await page.getByRole("heading", { name: "Versions of Documents/plan.txt" }).waitFor();
    const rows = page.locator("table.files-table tbody tr");
    expect(await rows.count()).toBe(1);
    await rows.first().getByRole("button", { name: "Put back" }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    await page.locator("#run-status", { hasText: "Completed" }).waitFor({ timeout: 20_000 });
    expect(readFileSync(join(source, "plan.txt"), "utf8")).toBe("first draft");
    expect(browser.errors).toEqual([]);
    expect(browser.offOrigin).toEqual([]);
  }, 60_000);

  test("Restore as of… (a UTC date and time in the form) into a folder: a time after the last backup gives today's file", async () => {
    const { page } = browser;
    const out = join(base, "out");
    mkdirSync(out);
    await page.goto(`${server.url}/jobs/${jobId}/files?path=Documents`);
    await page.getByText("Restore…").click();
    await page.getByLabel("Another folder (below)").check();
    await page.locator("#picker-folder-value").fill(out);
    await page.getByLabel("Restore as of… (optional, UTC)").fill(new Date(Date.now() + 60_000).toISOString().slice(0, 19));
    await page.getByLabel("When a file already exists").selectOption("always");
    await page.getByRole("button", { name: "Start restore" }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    await page.locator("#run-status", { hasText: "Completed" }).waitFor({ timeout: 20_000 });
    expect(readFileSync(join(out, "Documents/plan.txt"), "utf8")).toBe("second draft, longer");
  }, 60_000);

  test("at phone width the versions page fits without horizontal scroll", async () => {
    const { page } = browser;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/jobs/${jobId}/files/versions?path=Documents/plan.txt`);
    await page.getByRole("button", { name: "Put back" }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1200, height: 850 });
  });
});
