// The Drives page in real Chromium: browse folders with the picker, create one, choose it; and as
// root, mount and unmount a real loop-device drive from its row.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { mountAt } from "../../src/system/mounts.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { startUsb, tempDir, type UsbDrive } from "../system/helpers.ts";
import { type Browser, chromiumMissing, openSignedInBrowser, startTestServer } from "./harness.ts";

const rootReason = notRoot() ?? missingCommand("losetup", "mkfs.ext4", "mount", "umount", "blkid", "lsblk");

describeIf(chromiumMissing)("Drives page in Chromium", () => {
  let base: string;
  let root: string;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  let drive: UsbDrive | null = null;

  beforeAll(async () => {
    base = tempDir("dm-drives-ui-");
    root = join(base, "media");
    mkdirSync(join(root, "Photos"), { recursive: true });
    server = await startTestServer({ ALLOWED_BROWSE_PATHS: root });
    browser = await openSignedInBrowser(server);
    if (!rootReason) drive = await startUsb({ label: "UIUSB" });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await drive?.stop();
    rmSync(base, { recursive: true, force: true });
  });

  test("browse into a folder, create a folder there and choose it", async () => {
    const { page } = browser;
    await page.goto(`${server.url}/drives`);
    await page.getByRole("heading", { name: "Drives", level: 1 }).waitFor();
    const picker = page.locator("#picker-folder");
    await picker.getByRole("button", { name: "Photos/" }).click();
    await picker.locator('[aria-current="location"]', { hasText: "Photos" }).waitFor();

    await picker.getByLabel("New folder name").fill("album 2026");
    await picker.getByRole("button", { name: "Create folder" }).click();
    await picker.locator('[aria-current="location"]', { hasText: "album 2026" }).waitFor();
    expect(existsSync(join(root, "Photos", "album 2026"))).toBe(true);

    await picker.getByRole("button", { name: "Use this folder" }).click();
    await picker.locator(".badge", { hasText: "selected" }).waitFor();
    expect(await picker.locator("#picker-folder-value").inputValue()).toBe(join(root, "Photos", "album 2026"));

    // Breadcrumbs lead back up to the allowed root.
    await picker.locator("nav[aria-label='Current folder']").getByRole("button", { name: root }).click();
    await picker.locator('[aria-current="location"]', { hasText: root }).waitFor();
    expect(browser.errors).toEqual([]);
    expect(browser.offOrigin).toEqual([]);
  });

  test("mount and unmount a drive from its row (root only)", async () => {
    if (rootReason || !drive) {
      console.warn(`[skip] mount from the Drives page: ${rootReason}`);
      return;
    }
    const { page } = browser;
    await page.goto(`${server.url}/drives`);
    const row = page.locator("#drives tr", { hasText: drive.uuid });
    await row.waitFor();
    expect(await row.getByRole("textbox").inputValue()).toBe(join(root, "UIUSB"));
    // A refused mount point shows the contract's message on the page.
    await row.getByRole("textbox").fill("/etc");
    await row.getByRole("button", { name: /^Mount / }).click();
    await page.getByRole("alert").filter({ hasText: "outside the allowed paths" }).waitFor();
    expect(mountAt("/etc")).toBeNull();
    await page.locator("#drives tr", { hasText: drive.uuid }).getByRole("textbox").fill(join(root, "UIUSB"));
    await page
      .locator("#drives tr", { hasText: drive.uuid })
      .getByRole("button", { name: /^Mount / })
      .click();
    await page
      .getByRole("status")
      .filter({ hasText: `Drive mounted at ${join(root, "UIUSB")}` })
      .waitFor();
    expect(mountAt(join(root, "UIUSB"))?.device).toBe(drive.dev);

    await page
      .locator("#drives tr", { hasText: drive.uuid })
      .getByRole("button", { name: /^Unmount / })
      .click();
    await page
      .getByRole("status")
      .filter({ hasText: `Unmounted ${join(root, "UIUSB")}` })
      .waitFor();
    expect(mountAt(join(root, "UIUSB"))).toBeNull();
    expect(browser.errors).toEqual([]);
  });
});

// Under DYNAMIGHT_REQUIRE_ALL=1 the root part must not silently pass as a skip.
describeIf(rootReason)("Drives page mount prerequisites", () => {
  test("root and loop devices are available", () => {
    expect(rootReason).toBeNull();
  });
});
