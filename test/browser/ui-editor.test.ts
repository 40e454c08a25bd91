// Issue 16, items 1 and 4 (the job editor) in real Chromium at 1366×900 and 390×844: an empty
// save shows every error at once beside its field in plain words, the first one focused and on
// screen; an error in a folded section opens it; sections fold with a summary line; folder
// pickers open on demand in a dialog; the connection test's answer is beside its button and
// not under the sticky Save bar.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { describeIf } from "../helpers/prereq.ts";
import { chromiumMissing } from "./harness.ts";
import { type Kit, openKit, SIZES, sidewaysOverflow } from "./ui-kit.ts";

setDefaultTimeout(120_000);

/** The element is drawn on screen and nothing (the sticky Save bar, the header) covers its middle. */
async function onScreen(page: Page, selector: string): Promise<boolean> {
  return page
    .locator(selector)
    .first()
    .evaluate((el) => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0 || r.top < 0 || r.bottom > window.innerHeight) return false;
      const hit = document.elementFromPoint(r.left + Math.min(r.width / 2, 20), r.top + r.height / 2);
      return !!hit && (el === hit || el.contains(hit));
    });
}

describeIf(chromiumMissing)("job editor (issue 16 items 1 and 4)", () => {
  let kit: Kit;
  let base: string;
  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "dm-ui-editor-"));
    mkdirSync(join(base, "photos"));
    mkdirSync(join(base, "disk"));
    kit = await openKit({ ALLOWED_BROWSE_PATHS: base });
  }, 120_000);
  afterAll(async () => {
    await kit?.close();
    rmSync(base, { recursive: true, force: true });
  });

  for (const size of SIZES) {
    test(`${size.name}: an empty save shows every error beside its field, in words, the first focused`, async () => {
      const { page } = kit;
      await page.setViewportSize(size);
      const before = (await kit.api("GET", "/api/jobs")).json.length;
      await page.goto(`${kit.server.url}/jobs/new`);
      // Scrolled to the bottom, as a user who filled nothing and pressed Create.
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.click("#job-form button[type=submit]");
      await page.waitForSelector(".error-summary");
      const beside = {
        "#error-name": "Give the job a name",
        "#picker-source_dirs-error": "Add at least one folder to back up",
        "#picker-dest-mount_point-error": "Enter the mount point or folder",
      };
      for (const [sel, words] of Object.entries(beside)) {
        expect((await page.locator(sel).innerText()).trim()).toBe(words);
        expect(await page.locator(sel).isVisible()).toBe(true);
      }
      // Each field says it is invalid and points at its words.
      expect(await page.locator("#name").getAttribute("aria-invalid")).toBe("true");
      expect(await page.locator("#name").getAttribute("aria-describedby")).toBe("error-name");
      expect(await page.locator("#picker-source_dirs-value").getAttribute("aria-invalid")).toBe("true");
      // No API wording on the page.
      expect(await page.locator("#job-form").innerText()).not.toMatch(/Field '|item\(s\)/);
      // The summary lists all three; the first field has focus and is on screen.
      expect(await page.locator(".error-summary li").count()).toBe(3);
      await page.waitForFunction(() => document.activeElement?.id === "name", undefined, { timeout: 5000 });
      expect(await onScreen(page, "#name")).toBe(true);
      // A summary link brings its field.
      await page.click(".error-summary a[href='#picker-dest-mount_point-value']");
      expect(await page.evaluate(() => document.activeElement?.id)).toBe("picker-dest-mount_point-value");
      expect(await onScreen(page, "#picker-dest-mount_point-value")).toBe(true);
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      expect((await kit.api("GET", "/api/jobs")).json.length).toBe(before);
      expect(kit.browser.errors).toEqual([]);
    });

    test(`${size.name}: the credentials form uses the same mechanism: every error beside its field, the first focused`, async () => {
      const { page } = kit;
      await page.setViewportSize(size);
      await page.goto(`${kit.server.url}/credentials?type=s3`);
      await page.click("#credential-form button[type=submit]");
      await page.waitForSelector("#credential-form .error-summary");
      expect((await page.locator("#error-cred-name").innerText()).trim()).toBe("Give the credential a name");
      expect((await page.locator("#error-data-access_key_id").innerText()).trim()).toBe("Enter the access key id");
      expect((await page.locator("#error-data-secret_access_key").innerText()).trim()).toBe("Enter the secret access key");
      await page.waitForFunction(() => document.activeElement?.id === "cred-name", undefined, { timeout: 5000 });
      expect(await onScreen(page, "#cred-name")).toBe(true);
      expect(await page.locator("#credential-form").innerText()).not.toMatch(/Field '/);
    });

    test(`${size.name}: an error in a folded section opens it; pickers in a dialog; the test result beside its button`, async () => {
      const { page } = kit;
      await page.setViewportSize(size);
      await page.goto(`${kit.server.url}/jobs/new`);
      // A new job folds Options and Notifications, with a summary line each.
      for (const s of ["options", "notifications"]) {
        expect(await page.locator(`#section-${s}`).getAttribute("open")).toBeNull();
        expect((await page.locator(`#section-${s} .section-summary`).innerText()).length).toBeGreaterThan(5);
      }
      // The folder browser is closed until asked for, opens in a dialog, stays open while browsing.
      const panel = page.locator("#picker-source_dirs-panel");
      expect(await panel.isVisible()).toBe(false);
      await page.click("#picker-source_dirs .picker-open");
      expect(await panel.isVisible()).toBe(true);
      expect(await page.locator("#picker-source_dirs-panel").getAttribute("role")).toBe("dialog");
      await page.click('#picker-source_dirs-panel button[aria-label="Add photos"]');
      await page.waitForFunction((want) => (document.querySelector("#picker-source_dirs-value") as HTMLTextAreaElement).value.trim() === want, join(base, "photos"));
      expect(await page.locator("#picker-source_dirs-panel").isVisible()).toBe(true);
      await page.keyboard.press("Escape");
      expect(await page.locator("#picker-source_dirs-panel").isVisible()).toBe(false);

      await page.fill("#name", `Folded ${size.name}`);
      await page.fill("#picker-dest-mount_point-value", join(base, "disk"));
      // The connection test answers beside its button, on screen, not under the Save bar.
      await page.click("text=Test connection");
      await page.waitForSelector("#test-result .alert-ok");
      const [button, result] = await Promise.all([page.locator("text=Test connection").boundingBox(), page.locator("#test-result").boundingBox()]);
      expect(Math.abs(result!.y - button!.y)).toBeLessThan(size.width < 500 ? 80 : 10);
      expect(await onScreen(page, "#test-result .alert")).toBe(true);

      // alert_after_hours 0 is refused: the folded Notifications section opens at its error.
      await page.click("#section-notifications > summary");
      await page.fill("#alert_after_hours", "0");
      await page.click("#section-notifications > summary");
      expect(await page.locator("#alert_after_hours").isVisible()).toBe(false);
      await page.click("#job-form button[type=submit]");
      await page.waitForSelector(".error-summary");
      expect(await page.locator("#section-notifications").getAttribute("open")).not.toBeNull();
      expect((await page.locator("#error-alert_after_hours").innerText()).trim()).toBe("Enter a whole number from 1 to 8760");
      await page.waitForFunction(() => document.activeElement?.id === "alert_after_hours", undefined, { timeout: 5000 });
      expect(await onScreen(page, "#alert_after_hours")).toBe(true);

      // Fixed and saved; the edit page is all folded, each section with its summary, and short.
      await page.fill("#alert_after_hours", "24");
      await page.click("#job-form button[type=submit]");
      await page.waitForURL(/\/jobs\/\d+\?saved=created$/);
      const id = Number(new URL(page.url()).pathname.split("/").pop());
      await page.goto(`${kit.server.url}/jobs/${id}/edit`);
      const sections = page.locator("#job-form details.editor-section");
      expect(await sections.count()).toBeGreaterThanOrEqual(6);
      for (const s of ["general", "sources", "destination", "options", "schedules", "notifications"]) {
        expect(await page.locator(`#section-${s}`).getAttribute("open")).toBeNull();
      }
      expect(await page.locator("#section-general .section-summary").innerText()).toContain(`Folded ${size.name}`);
      expect(await page.locator("#section-sources .section-summary").innerText()).toContain(join(base, "photos"));
      expect(await page.locator("#section-destination .section-summary").innerText()).toContain(join(base, "disk"));
      expect(await page.locator("#section-schedules .section-summary").innerText()).toContain("Daily at 02:00");
      expect(await page.locator("#section-notifications .section-summary").innerText()).toContain("alert after 24 h");
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      expect(height).toBeLessThan(size.width < 500 ? 2600 : 1800);
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      expect(kit.browser.errors).toEqual([]);
    });
  }
});
