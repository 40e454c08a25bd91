// Settings → Back up configuration / Restore configuration, and the file manager, in real
// Chromium: a real download, a real file upload, the preview table, the confirm; a search, a
// download link and a delete through the re-authentication dialog.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeIf } from "../helpers/prereq.ts";
import { type Browser, chromiumMissing, openSignedInBrowser, startTestServer } from "./harness.ts";

const PASSWORD = "correct horse battery staple";

describeIf(chromiumMissing)("configuration backup and file manager in Chromium", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let folder: string;

  beforeAll(async () => {
    folder = realpathSync(mkdtempSync(join(tmpdir(), "movein-browser-")));
    mkdirSync(join(folder, "pics"));
    writeFileSync(join(folder, "pics", "holiday.jpg"), "jpeg bytes");
    writeFileSync(join(folder, "old.log"), "old");
    server = await startTestServer();
    browser = await openSignedInBrowser(server);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("back up (password twice, a download), then restore it: upload, preview table, confirm", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/settings`);
    await page.getByRole("heading", { name: "Back up configuration" }).waitFor();
    await page.getByLabel("Backup password", { exact: true }).first().fill("backup pass 123");
    await page.getByLabel("Repeat the password").fill("backup pass 123");
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download backup" }).click()]);
    expect(download.suggestedFilename()).toMatch(/^dynamight-backup-\d{4}-\d{2}-\d{2}\.dmbackup$/);
    const saved = join(folder, "saved.dmbackup");
    await download.saveAs(saved);
    expect(readFileSync(saved).subarray(0, 8).toString("latin1")).toBe("Salted__");

    await page.locator("#restore-file").setInputFiles(saved);
    await page.locator("#restore-password").fill("backup pass 123");
    await page.getByRole("button", { name: "Preview restore" }).click();
    await page.locator("#restore-items").waitFor();
    expect(await page.locator("#restore-items").textContent()).toContain("max_runs_per_job");
    await page.getByRole("button", { name: "Merge into this configuration" }).click();
    await page.getByText(/^Restored: 0 job\(s\)/).waitFor();
    expect(browser.errors).toEqual([]);
  });

  test("file manager: search, a download link, delete after the password dialog", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/drives`);
    await page.locator("#open-file-manager").click();
    await page.getByRole("heading", { name: "Files", level: 1 }).waitFor();
    await page.goto(`${server.url}/files?path=${encodeURIComponent(folder)}`);
    await page.locator("#file-search").fill("HOLIDAY");
    await page.getByRole("button", { name: "Search" }).click();
    await page.locator("#search-results", { hasText: join(folder, "pics", "holiday.jpg") }).waitFor();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "old.log" }).click()]);
    expect(download.suggestedFilename()).toBe("old.log");

    await page.getByRole("button", { name: "Delete old.log" }).click();
    await page.locator("#reauth").waitFor();
    expect(existsSync(join(folder, "old.log"))).toBe(true);
    await page.locator("#reauth-password").fill(PASSWORD);
    await page.getByRole("button", { name: "Confirm and delete" }).click();
    await page.getByText(`Deleted ${join(folder, "old.log")}`).waitFor();
    expect(existsSync(join(folder, "old.log"))).toBe(false);
    await page.locator("#dir-sizes").click();
    await page.locator("#files", { hasText: "10 B" }).waitFor();
    expect(browser.errors).toEqual([]);
    expect(browser.offOrigin).toEqual([]);
  });
});
