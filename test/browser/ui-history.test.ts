// Issue 16, item 5 (history) in real Chromium at 1366×900 and 390×844: a failure under a second
// draws a visible red bar, the chart and the table show times in one format (relative when
// recent, the absolute time with its zone on hover), runs are numbered per job while links keep
// the global id, and the table says why a run failed.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { chromiumMissing } from "./harness.ts";
import { type Kit, openKit, SIZES, sidewaysOverflow, waitRun } from "./ui-kit.ts";

setDefaultTimeout(120_000);

describeIf(chromiumMissing ?? missingCommand("rsync"))("history (issue 16 item 5)", () => {
  let kit: Kit;
  let base: string;
  let jobId: number;
  const runIds: number[] = [];

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "dm-ui-history-"));
    mkdirSync(join(base, "src"));
    writeFileSync(join(base, "src", "a.txt"), "a\n");
    kit = await openKit({ ALLOWED_BROWSE_PATHS: base });
    const make = async (name: string, disk: string) => {
      mkdirSync(join(base, disk), { recursive: true });
      return (await kit.api("POST", "/api/jobs", { name, source_dirs: [join(base, "src")], destination_type: "local", destination_config: { mount_point: join(base, disk) } })).json.id as number;
    };
    jobId = await make("Numbered", "disk");
    const other = await make("Other", "disk2");
    const run = async (id: number) => {
      const runId = (await kit.api("POST", `/api/jobs/${id}/run`)).json.run_id as number;
      await waitRun(kit, runId);
      return runId;
    };
    // Another job's runs in between: this job's global ids are not 1, 2, 3.
    await run(other);
    runIds.push(await run(jobId));
    await run(other);
    rmSync(join(base, "disk"), { recursive: true });
    runIds.push(await run(jobId)); // fails at once: the destination folder is gone
    mkdirSync(join(base, "disk"));
    await run(other);
    runIds.push(await run(jobId));
    expect((await kit.api("GET", `/api/runs/${runIds[1]}`)).json.status).toBe("failed");
  }, 120_000);

  afterAll(async () => {
    await kit?.close();
    rmSync(base, { recursive: true, force: true });
  });

  for (const size of SIZES) {
    test(`${size.name}: per-job numbers, reason, visible red failure bar, one time format`, async () => {
      const { page } = kit;
      await page.setViewportSize(size);
      await page.goto(`${kit.server.url}/jobs/${jobId}`);
      const rows = page.locator(".runs-table tbody tr");
      expect(await rows.count()).toBe(3);
      // Numbered 3, 2, 1 (newest first); each links to its global id.
      for (let i = 0; i < 3; i++) {
        const link = rows.nth(i).locator("td").first().locator("a");
        expect((await link.innerText()).trim()).toBe(`#${3 - i}`);
        expect(await link.getAttribute("href")).toBe(`/runs/${runIds[2 - i]}`);
      }
      expect(runIds).not.toEqual([1, 2, 3]);
      // The failed run says why, in the table.
      const reason = (await rows.nth(1).locator(".run-reason").innerText()).trim();
      expect(reason.length).toBeGreaterThan(5);
      expect((await kit.api("GET", `/api/runs/${runIds[1]}`)).json.error_message).toContain(reason.replace(/…$/, "").slice(0, 20));
      expect((await rows.nth(0).locator(".run-reason").innerText()).trim()).toBe("");

      // The failed bar is visible (at least 5 of the chart's units) and drawn in the error colour.
      const bar = page.locator(`#chart-duration rect[data-run-id="${runIds[1]}"]`);
      const { height, fill, err } = await bar.evaluate((el) => ({
        height: (el as SVGRectElement).getBBox().height,
        fill: getComputedStyle(el).fill,
        err: (() => {
          const probe = document.createElement("span");
          probe.style.color = "var(--err)";
          document.body.append(probe);
          const c = getComputedStyle(probe).color;
          probe.remove();
          return c;
        })(),
      }));
      expect(height).toBeGreaterThanOrEqual(5);
      expect(fill).toBe(err);
      expect(await bar.locator("title").textContent()).toStartWith("Run #2 · ");

      // One time format: the oldest run's start reads the same in the table and under the chart,
      // relative (it was seconds ago), with the absolute time and the browser's zone on hover.
      const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
      const tableTime = rows.nth(2).locator("time");
      const axis = page.locator("#chart-duration text[data-datetime]").first();
      expect(await tableTime.getAttribute("datetime")).toBe(await axis.getAttribute("data-datetime"));
      const text = (await tableTime.innerText()).trim();
      expect(text).toMatch(/^(just now|\d+ min ago)$/);
      expect((await axis.textContent())!.trim()).toBe(text);
      const title = (await tableTime.getAttribute("title"))!;
      expect(title).toContain(`(${zone})`);
      expect(title).toMatch(/\d{1,2}:\d{2}:\d{2}/);
      // The card's "Last run" uses the same format.
      expect((await page.locator(".job-card time").first().innerText()).trim()).toMatch(/^(just now|\d+ min ago)$/);

      // The run page is headed with the job's number, the URL keeps the global id.
      await page.goto(`${kit.server.url}/runs/${runIds[0]}`);
      expect((await page.locator("#run-summary h1").innerText()).trim()).toBe("Backup run #1");
      expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
      expect(kit.browser.errors).toEqual([]);
    });
  }
});
