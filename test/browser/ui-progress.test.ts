// Issue 16, item 3 (progress) in real Chromium at 1366×900 and 390×844, with a real local rsync
// job slowed by a bandwidth limit: the dashboard card and the run page show a bar with a
// percentage, speed and time left, a duration that ticks, "Running since" (not "Last run:
// pending"), and the dashboard's "N running" follows the status stream down to 0 when it ends.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { chromiumMissing } from "./harness.ts";
import { type Kit, openKit, SIZES, sidewaysOverflow, waitRun } from "./ui-kit.ts";

setDefaultTimeout(120_000);

describeIf(chromiumMissing ?? missingCommand("rsync"))("progress (issue 16 item 3)", () => {
  let kit: Kit;
  let base: string;

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "dm-ui-progress-"));
    kit = await openKit({ ALLOWED_BROWSE_PATHS: base });
  }, 120_000);

  afterAll(async () => {
    await kit?.close();
    rmSync(base, { recursive: true, force: true });
  });

  /** A job that moves 1.5 MB at 150 KB/s (about 10 s), in files of 100 KB so progress comes often. */
  async function slowJob(name: string): Promise<number> {
    const src = join(base, name, "src");
    mkdirSync(src, { recursive: true });
    mkdirSync(join(base, name, "disk"));
    for (let i = 0; i < 15; i++) writeFileSync(join(src, `part-${i}.bin`), new Uint8Array(100 * 1024).fill(i));
    const job = await kit.api("POST", "/api/jobs", {
      name,
      source_dirs: [src],
      destination_type: "local",
      destination_config: { mount_point: join(base, name, "disk") },
      sync_options: { bandwidth_limit_kbps: 150 },
    });
    expect(job.status).toBe(201);
    return job.json.id;
  }

  for (const size of SIZES) {
    test(`${size.name}: the card and the run page show %, speed, time left, a ticking duration; counts follow the stream`, async () => {
      const { page } = kit;
      await page.setViewportSize(size);
      const jobId = await slowJob(`slow-${size.name}`);
      await page.goto(`${kit.server.url}/`);
      const card = page.locator(`#job-${jobId}`);
      await card.locator("button:text-is('Run now')").click();
      await card.locator("progress.bar").waitFor();
      expect(await page.locator('[data-count="running"]').innerText()).toBe("1");
      // "Running since", never "Last run: pending" beside the Running badge.
      expect(await card.locator("dt").first().innerText()).toBe("Running since");
      expect(await card.innerText()).not.toContain("pending");

      const runId = Number(await card.locator("[data-progress-run]").getAttribute("data-progress-run"));
      const pct = card.locator(`[data-pct-for-run="${runId}"]`);
      await page.waitForFunction((id) => /^\d+%$/.test(document.querySelector(`[data-pct-for-run="${id}"]`)?.textContent ?? ""), runId, { timeout: 30_000 });
      await page.waitForFunction((id) => /left$/.test(document.querySelector(`[data-eta-for-run="${id}"]`)?.textContent ?? ""), runId, { timeout: 30_000 });
      expect(await card.locator(`[data-speed-for-run="${runId}"]`).innerText()).toMatch(/\d.* (B|KB|MB)\/s$/);
      expect(await card.locator(`[data-bytes-total-for-run="${runId}"]`).innerText()).toMatch(/of 1\.\d MB/);
      expect(await card.locator(`[data-files-total-for-run="${runId}"]`).innerText()).toBe(" of 15");
      const bar = await card.locator("progress.bar").evaluate((el) => ({ max: (el as HTMLProgressElement).max, value: (el as HTMLProgressElement).value }));
      expect(bar.max).toBe(15 * 100 * 1024);
      expect(Number((await pct.innerText()).replace("%", ""))).toBe(Math.floor((bar.value / bar.max) * 100));
      // The duration ticks by itself.
      const ticking = card.locator("[data-ticking-since]");
      const before = await ticking.innerText();
      await page.waitForFunction((b) => document.querySelector(".job-card [data-ticking-since]")?.textContent !== b, before, { timeout: 5000 });
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);

      // The run page has the same bar.
      await page.goto(`${kit.server.url}/runs/${runId}`);
      const summary = page.locator("#run-summary");
      await summary.locator("progress.bar").waitFor();
      await page.waitForFunction((id) => /^\d+%$/.test(document.querySelector(`#run-summary [data-pct-for-run="${id}"]`)?.textContent ?? ""), runId, { timeout: 30_000 });
      await page.waitForFunction((id) => /left$/.test(document.querySelector(`#run-summary [data-eta-for-run="${id}"]`)?.textContent ?? ""), runId, { timeout: 30_000 });
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);

      // Back on the dashboard: the count drops to 0 when the run ends, without a reload.
      await page.goto(`${kit.server.url}/`);
      expect(await page.locator('[data-count="running"]').innerText()).toBe("1");
      await waitRun(kit, runId);
      await page.waitForFunction(() => document.querySelector('[data-count="running"]')?.textContent === "0", undefined, { timeout: 15_000 });
      await page.locator(`#job-${jobId} .badge-completed`).waitFor({ timeout: 15_000 });
      expect(kit.browser.errors).toEqual([]);
    });
  }
});
