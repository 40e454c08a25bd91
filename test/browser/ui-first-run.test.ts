// Issue 16, item 7: after setup the empty dashboard offers the first step, one link per
// destination type, each opening the editor with that type chosen (1366×900 and 390×844).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { describeIf } from "../helpers/prereq.ts";
import { chromiumMissing } from "./harness.ts";
import { type Kit, openKit, SIZES, sidewaysOverflow } from "./ui-kit.ts";

setDefaultTimeout(120_000);

describeIf(chromiumMissing)("first run: the dashboard's first step (issue 16 item 7)", () => {
  let kit: Kit;
  beforeAll(async () => {
    kit = await openKit();
  }, 120_000);
  afterAll(async () => {
    await kit?.close();
  });

  for (const size of SIZES) {
    test(`${size.name}: every destination type is a first step into the editor with that type chosen`, async () => {
      const { page } = kit;
      await page.setViewportSize(size);
      await page.goto(`${kit.server.url}/`);
      const providers: { type: string; sync_implemented: boolean }[] = (await kit.api("GET", "/api/providers")).json;
      const links = page.locator("#first-step a.first-step-link");
      expect(await links.count()).toBe(providers.length);
      expect(await page.locator("#first-step").innerText()).toContain("Back up a folder to a USB disk");
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      // Ready types come first.
      const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      const ready = providers.filter((p) => p.sync_implemented).map((p) => `/jobs/new?type=${p.type}`);
      expect(hrefs.slice(0, ready.length).sort()).toEqual(ready.sort());
      for (const type of ["s3", "sftp", "webdav", "local"]) {
        await page.goto(`${kit.server.url}/`);
        await page.click(`#first-step a[href="/jobs/new?type=${type}"]`);
        await page.waitForSelector("#job-form");
        expect(await page.locator("#destination_type").inputValue()).toBe(type);
        // The destination's own fields came with it (not the local type's).
        const fields = await page.$$eval("#destination-form [name^='dest.']", (els) => els.map((e) => e.getAttribute("name")));
        expect(fields.length).toBeGreaterThan(0);
        if (type !== "local") expect(fields).not.toContain("dest.mount_point");
      }
      expect(kit.browser.errors).toEqual([]);
    });
  }
});
