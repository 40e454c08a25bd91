// The Encryption section in real Chromium: save an encryption password on the Credentials page,
// choose it in the job editor for an S3 job, save, then "Show rclone config" fetches the crypt
// section into the page (it is not there before) and "Download rclone config" points at the API.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeIf } from "../helpers/prereq.ts";
import { type Browser, chromiumMissing, openSignedInBrowser, startTestServer } from "./harness.ts";

describeIf(chromiumMissing)("job editor Encryption section in Chromium", () => {
  let base: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "dm-crypt-ui-"));
    mkdirSync(join(base, "docs"));
    writeFileSync(join(base, "docs", "a.txt"), "a\n");
    server = await startTestServer({ ALLOWED_BROWSE_PATHS: base });
    browser = await openSignedInBrowser(server);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  const saveCredential = async (type: string, name: string, fields: Record<string, string>) => {
    const { page } = browser;
    await page.goto(`${server.url}/credentials?type=${type}`);
    await page.fill("#cred-name", name);
    for (const [k, v] of Object.entries(fields)) await page.fill(`[name="data.${k}"]`, v);
    await page.click("form button[type=submit].btn-primary");
    await page.waitForSelector("text=Credential saved.");
  };

  test("choose a password, save, show the rclone config on request", async () => {
    const { page } = browser;
    await saveCredential("s3", "radosgw", { access_key_id: "ak", secret_access_key: "sk-not-shown" });
    await saveCredential("encryption", "backup password", { password: "pw-never-in-the-page" });

    await page.goto(`${server.url}/jobs/new`);
    await page.waitForSelector("#job-form");
    await expect(page.locator("#encryption-section").textContent()).resolves.toContain("If you lose the password, the backup is lost.");
    await page.fill("#name", "Encrypted docs");
    await page.fill('textarea[name="source_dirs"]', join(base, "docs"));
    await page.selectOption("#destination_type", "s3");
    await page.waitForSelector('[name="dest.bucket"]');
    await page.fill('[name="dest.bucket"]', "crypt-ui");
    await page.fill('[name="dest.endpoint"]', "http://127.0.0.1:7480");
    await page.selectOption("#credential_id", { label: "radosgw" });
    await page.selectOption('[name="sync.encryption.password_credential_id"]', { label: "backup password" });
    await page.click("#job-form button[type=submit].btn-primary");
    await page.waitForURL(/\/jobs\/\d+\?saved=created$/);
    const id = /\/jobs\/(\d+)\?/.exec(page.url())![1];

    await page.goto(`${server.url}/jobs/${id}/edit`);
    expect(await page.locator('[name="sync.encryption.password_credential_id"] option:checked').textContent()).toBe("backup password");
    expect(await page.content()).not.toContain("type = crypt");
    expect(await page.locator("a", { hasText: "Download rclone config" }).getAttribute("href")).toBe(`/api/jobs/${id}/rclone-config`);
    await page.click("text=Show rclone config");
    await page.waitForSelector("#rclone-config pre");
    const conf = (await page.locator("#rclone-config pre").textContent()) ?? "";
    expect(conf).toContain("[encrypted-docs-crypt]");
    expect(conf).toContain("remote = encrypted-docs:crypt-ui");
    expect(conf).not.toContain("pw-never-in-the-page");
    expect(browser.errors).toEqual([]);
  }, 120_000);
});
