// Issue 16, item 2 (schedule editor) in real Chromium at 1366×900 and 390×844: switching Repeat
// between every type never shows an error, cron is explained in words as it is typed and a bad
// one in plain words, the time zone is a select of the IANA zones, and the preview is in the
// schedule's zone with the zone named (03:30 in Paris reads 03:30, whatever the browser's zone).
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeIf } from "../helpers/prereq.ts";
import { chromiumMissing } from "./harness.ts";
import { type Kit, openKit, SIZES, sidewaysOverflow } from "./ui-kit.ts";

setDefaultTimeout(120_000);

describeIf(chromiumMissing)("schedule editor (issue 16 item 2)", () => {
  let kit: Kit;
  beforeAll(async () => {
    kit = await openKit();
  }, 120_000);
  afterAll(async () => {
    await kit?.close();
  });

  const row = ".schedule-row";
  const sel = (f: string) => `${row} [name$='-${f}']`;

  for (const size of SIZES) {
    test(`${size.name}: switching Repeat never errors; cron in words as typed; a zone select; previews in the zone`, async () => {
      const { page } = kit;
      await page.setViewportSize(size);
      await page.goto(`${kit.server.url}/jobs/new`);
      await page.waitForSelector(`${row} [data-preview] li`);

      // Every switch, in both directions, with the old type's fields still posted by the row.
      const order = ["custom", "daily", "weekly", "custom", "monthly", "daily", "custom", "weekly", "monthly"];
      for (const type of order) {
        const before = await page.locator(row).getAttribute("id");
        await page.selectOption(sel("schedule_type"), type);
        await page.waitForFunction(
          ([t, id]) => {
            const r = document.querySelector(".schedule-row");
            return r?.id === id && (r.querySelector("select[name$='-schedule_type']") as HTMLSelectElement | null)?.value === t && !r.classList.contains("htmx-request");
          },
          [type, before] as const,
        );
        await page.waitForLoadState("networkidle");
        expect(await page.locator(`${row} .alert-error`).count(), `after switching to ${type}`).toBe(0);
        expect(await page.locator(`${row} .cron-error`).count(), `after switching to ${type}`).toBe(0);
        if (type === "custom") expect(await page.locator(sel("cron_expression")).count()).toBe(1);
        else expect(await page.locator(`${row} [data-preview] li`).count()).toBe(5);
      }

      // Cron in words while typing (no change event, no blur).
      await page.selectOption(sel("schedule_type"), "custom");
      await page.waitForSelector(sel("cron_expression"));
      const cron = page.locator(sel("cron_expression"));
      const words = page.locator(`${row} .cron-words`);
      await cron.click();
      await cron.pressSequentially("0 2 * * 1-5", { delay: 20 });
      await page.waitForFunction(() => document.querySelector(".schedule-row .cron-words")?.textContent === "At 02:00, Monday to Friday");
      expect(await cron.evaluate((el) => el === document.activeElement)).toBe(true);
      // A bad one in plain words, beside the field (not the parser's text).
      await cron.fill("");
      await cron.pressSequentially("0 25 * * *", { delay: 20 });
      await page.waitForFunction(() => document.querySelector(".schedule-row .cron-words")?.classList.contains("cron-error"));
      expect(await words.innerText()).toBe("The hour must be from 0 to 23; 25 is out of range");
      await cron.fill("*/15 * * * *");
      await page.waitForFunction(() => document.querySelector(".schedule-row .cron-words")?.textContent === "Every 15 minutes");

      // The zone is a select of IANA zones; the preview is in that zone, named.
      await page.selectOption(sel("schedule_type"), "daily");
      await page.waitForSelector(sel("hour"));
      const zones = await page.locator(`${sel("timezone")} option`).evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
      expect(zones.length).toBeGreaterThan(300);
      expect(zones).toContain("Europe/Paris");
      expect(zones).toContain("America/New_York");
      // One field at a time: each change re-renders the row from the server.
      for (const [f, v] of [
        ["hour", "3"],
        ["minute", "30"],
      ] as const) {
        await page.fill(sel(f), v);
        await page.locator(sel(f)).dispatchEvent("change");
        await page.waitForFunction(
          ([name, want]) => (document.querySelector(`.schedule-row [name$='-${name}']`) as HTMLInputElement | null)?.value === want && !document.querySelector(".htmx-request"),
          [f, v] as const,
        );
        await page.waitForLoadState("networkidle");
      }
      await page.selectOption(sel("timezone"), "Europe/Paris");
      await page.waitForFunction(() => document.querySelector(".schedule-row [data-preview]")?.getAttribute("data-zone") === "Europe/Paris");
      expect(await page.locator(`${row} .schedule-preview`).innerText()).toContain("Next runs (Europe/Paris)");
      const first = page.locator(`${row} [data-preview] time`).first();
      expect(await first.innerText()).toMatch(/03:30 (CET|CEST|GMT\+1|GMT\+2)$/);
      // The instant behind it is 03:30 in Paris (01:30 or 02:30 UTC).
      const iso = (await first.getAttribute("datetime"))!;
      expect(new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso))).toBe("03:30");
      // The hover text is added by live.js once the swapped-in preview has loaded.
      await page.waitForFunction(() => document.querySelector(".schedule-row [data-preview] time")?.hasAttribute("title") === true);
      expect(await first.getAttribute("title")).toContain("(Europe/Paris)");
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      expect(kit.browser.errors).toEqual([]);
    });
  }

  test("a custom schedule saves with only its cron; the words come back on edit", async () => {
    const { page } = kit;
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`${kit.server.url}/jobs/new`);
    await page.fill("#name", "Cron job");
    const dir = mkdtempSync(join(tmpdir(), "dm-ui-cron-"));
    mkdirSync(join(dir, "src"));
    mkdirSync(join(dir, "disk"));
    await page.fill('textarea[name="source_dirs"]', join(dir, "src"));
    await page.fill('[name="dest.mount_point"]', join(dir, "disk"));
    await page.selectOption(sel("schedule_type"), "custom");
    await page.waitForSelector(sel("cron_expression"));
    await page.fill(sel("cron_expression"), "0 2 * * 1-5");
    await page.click("#job-form button[type=submit]");
    await page.waitForURL(/\/jobs\/\d+\?saved=created$/);
    const id = Number(new URL(page.url()).pathname.split("/").pop());
    const job = (await kit.api("GET", `/api/jobs/${id}`)).json;
    expect(job.schedules).toHaveLength(1);
    expect(job.schedules[0]).toMatchObject({ schedule_type: "custom", cron_expression: "0 2 * * 1-5", hour: null, minute: null });
    await page.goto(`${kit.server.url}/jobs/${id}/edit`);
    // Folded on edit: its summary line says the same words.
    expect(await page.locator("#section-schedules .section-summary").innerText()).toBe("At 02:00, Monday to Friday");
    await page.click("#section-schedules > summary");
    expect(await page.locator(`${row} .cron-words`).innerText()).toBe("At 02:00, Monday to Friday");
  });
});
