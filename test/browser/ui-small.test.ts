// Issue 16, item 6 (small things) and the phone checks every page must pass, in real Chromium at
// 1366×900 and 390×844: "Saved" after the editor, one "coming soon" wording, a credential added
// in another tab showing up in the editor without a reload, the nav reachable on a phone through
// its menu, no page scrolling sideways, the API-key Revoke button on screen.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { chromiumMissing } from "./harness.ts";
import { type Kit, openKit, SIZES, sidewaysOverflow, waitRun, withinWidth } from "./ui-kit.ts";

setDefaultTimeout(120_000);

describeIf(chromiumMissing ?? missingCommand("rsync"))("web UI small things (issue 16 item 6)", () => {
  let kit: Kit;
  let base: string;
  let jobId: number;
  let runId: number;

  beforeAll(async () => {
    // A long allowed root: the folder pickers show it on a button, which must wrap on a phone.
    base = join(mkdtempSync(join(tmpdir(), "dm-ui-small-")), "backups-of-the-family-computer-in-the-living-room");
    mkdirSync(join(base, "docs", "a-rather-long-folder-name-for-a-phone-screen"), { recursive: true });
    mkdirSync(join(base, "disk"));
    writeFileSync(join(base, "docs", "note.txt"), "hi\n");
    kit = await openKit({ ALLOWED_BROWSE_PATHS: base });
    jobId = (
      await kit.api("POST", "/api/jobs", {
        name: "Documents",
        source_dirs: [join(base, "docs")],
        destination_type: "local",
        destination_config: { mount_point: join(base, "disk") },
      })
    ).json.id;
    runId = (await kit.api("POST", `/api/jobs/${jobId}/run`)).json.run_id;
    await waitRun(kit, runId);
    expect((await kit.api("POST", "/api/auth/api-keys", { name: "a script with a long name", scope: "read" })).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await kit?.close();
    rmSync(join(base, ".."), { recursive: true, force: true });
  });

  for (const size of SIZES) {
    test(`${size.name}: creating and editing a job says so`, async () => {
      const { page } = kit;
      await page.setViewportSize(size);
      await page.goto(`${kit.server.url}/jobs/new`);
      await page.fill("#name", `Saved check ${size.name}`);
      await page.fill('textarea[name="source_dirs"]', join(base, "docs"));
      await page.fill('[name="dest.mount_point"]', join(base, "disk"));
      await page.click("#job-form button[type=submit]");
      await page.waitForURL(/\/jobs\/\d+\?saved=created$/, { timeout: 8000 }).catch(async (e) => {
        console.log(
          "FORM:",
          await page
            .locator(".error-summary")
            .innerText()
            .catch(() => "none"),
        );
        throw e;
      });
      expect(await page.locator(".alert-ok").innerText()).toBe("Job created.");
      await page.click("text=Edit");
      await page.waitForSelector("#job-form");
      // An existing job's sections are folded, each with its summary line.
      expect(await page.locator("#section-general .section-summary").innerText()).toContain(`Saved check ${size.name}`);
      await page.click("#section-general > summary");
      await page.fill("#description", "now with a description");
      await page.click("#job-form button[type=submit]");
      await page.waitForURL(/\/jobs\/\d+\?saved=updated$/);
      expect(await page.locator(".alert-ok").innerText()).toBe("Changes saved.");
    });

    test(`${size.name}: types that cannot run yet read "(coming soon)" the same everywhere`, async () => {
      const { page } = kit;
      await page.setViewportSize(size);
      const providers: { type: string; name: string; sync_implemented: boolean; requires_credentials: boolean }[] = (await kit.api("GET", "/api/providers")).json;
      const want = (p: (typeof providers)[number]) => (p.sync_implemented ? p.name : `${p.name} (coming soon)`);
      await page.goto(`${kit.server.url}/jobs/new`);
      for (const p of providers) expect((await page.locator(`#destination_type option[value="${p.type}"]`).innerText()).trim()).toBe(want(p));
      await page.goto(`${kit.server.url}/credentials`);
      for (const p of providers.filter((x) => x.requires_credentials)) expect((await page.locator(`#provider_type option[value="${p.type}"]`).innerText()).trim()).toBe(want(p));
    });

    test(`${size.name}: a credential saved in another tab appears in the editor's list without a reload`, async () => {
      const { page } = kit;
      await page.setViewportSize(size);
      await page.goto(`${kit.server.url}/jobs/new`);
      await page.selectOption("#destination_type", "s3");
      await page.waitForSelector("#credential_id");
      const name = `Bucket key ${size.name}`;
      expect(await page.locator("#credential_id option", { hasText: name }).count()).toBe(0);
      const other = await kit.browser.context.newPage();
      await other.goto(`${kit.server.url}/credentials?type=s3`);
      await other.fill("#cred-name", name);
      await other.fill('[name="data.access_key_id"]', "AKIAUITEST");
      await other.fill('[name="data.secret_access_key"]', "not-a-real-secret");
      await other.click("#credential-form button[type=submit]");
      await other.locator("#credential-form ~ *, table td", { hasText: name }).first().waitFor();
      await other.close();
      await page.bringToFront();
      await page.focus("#credential_id");
      await page.locator("#credential_id option", { hasText: name }).waitFor({ state: "attached" });
    });
  }

  test("phone: every nav entry is reachable through the menu", async () => {
    const { page } = kit;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${kit.server.url}/`);
    const hrefs = await page.$$eval("#main-nav a", (as) => as.map((a) => a.getAttribute("href")!));
    expect(hrefs).toContain("/settings");
    expect(hrefs).toContain("/account");
    expect(await page.locator("#main-nav").isVisible()).toBe(false);
    for (const href of hrefs) {
      await page.click(".nav-toggle");
      const link = page.locator(`#main-nav a[href="${href}"]`);
      expect(await link.isVisible()).toBe(true);
      expect(await withinWidth(page, `#main-nav a[href="${href}"]`)).toBe(true);
      await link.click();
      await page.waitForURL(kit.server.url + href);
    }
    await page.setViewportSize({ width: 1366, height: 900 });
    expect(await page.locator(".nav-toggle").isVisible()).toBe(false);
    for (const href of hrefs) expect(await page.locator(`#main-nav a[href="${href}"]`).isVisible()).toBe(true);
  });

  for (const size of SIZES) {
    test(`${size.name}: no page scrolls sideways; Revoke is on screen`, async () => {
      const { page } = kit;
      await page.setViewportSize(size);
      await page.goto(`${kit.server.url}/`);
      const nav = await page.$$eval("#main-nav a", (as) => as.map((a) => a.getAttribute("href")!));
      const paths = [...nav, "/jobs/new", `/jobs/${jobId}`, `/jobs/${jobId}/edit`, `/runs/${runId}`, "/jobs/999999"];
      const wide: string[] = [];
      for (const path of paths) {
        await page.goto(kit.server.url + path);
        const over = await sidewaysOverflow(page);
        if (over > 0) wide.push(`${path}: ${over}px`);
      }
      expect(wide).toEqual([]);
      // The one 404 above is on purpose (an unknown job's page).
      kit.browser.errors.splice(0, kit.browser.errors.length, ...kit.browser.errors.filter((e) => !e.includes("404")));
      await page.goto(`${kit.server.url}/account`);
      expect(await withinWidth(page, "button:text-is('Revoke')")).toBe(true);
      expect(kit.browser.errors).toEqual([]);
    });
  }
});
