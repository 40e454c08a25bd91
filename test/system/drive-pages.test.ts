// The Drives page and the folder picker's fragments, rendered by the real app with a real session.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { mountAt } from "../../src/system/mounts.ts";
import { testApp } from "../helpers/app.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { startUsb, tempDir, type UsbDrive } from "./helpers.ts";

const base = tempDir("dm-pages-");
const root = join(base, "root");
const XSS = "<img src=x onerror=alert(1)>";
const t = testApp({ config: { allowedBrowsePaths: [root] } });

beforeAll(async () => {
  mkdirSync(join(root, "Photos/2026"), { recursive: true });
  mkdirSync(join(root, XSS));
  symlinkSync("/etc", join(root, "etc-link"));
  const setup = await t.client.json("POST", "/api/auth/setup", { body: { username: "admin", password: "correct horse battery staple" } });
  expect(setup.status).toBe(200);
  expect(t.client.token).toBeDefined();
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const form = (fields: Record<string, string>) => ({ body: new URLSearchParams(fields).toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });

describe("Drives page", () => {
  test("sends a visitor without a session to the login page", async () => {
    const res = await t.app.handle(new Request("http://localhost/drives"));
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
  });

  test("lists drives and device mounts", async () => {
    const res = await t.client.request("GET", "/drives");
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain("Attached drives");
    expect(page).toContain('<table id="mounts">');
    expect(page).toContain(`Drives are mounted inside the allowed folders only (${root})`);
  });

  test("a refused mount shows the contract's message on the page", async () => {
    const res = await t.client.request("POST", "/drives/mount", form({ uuid: "0b5e7a1e-0000-4000-8000-00000000b4c4", mount_point: "/etc" }));
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("outside the allowed paths");
  });
});

describe("folder picker", () => {
  test("shows the folders of a path, escaped, with the outside link not enterable", async () => {
    const res = await t.client.request("GET", `/drives/picker?field=source_dirs&multiple=1&path=${encodeURIComponent(root)}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('id="picker-source_dirs"');
    expect(html).toContain("Photos/");
    // Inside a quoted attribute '<' is inert; outside attributes the name must be escaped.
    expect(html.replace(/="[^"]*"/g, '=""')).not.toContain(XSS);
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;/");
    expect(html).toContain("etc-link/ (outside)");
  });

  test("Add appends the folder to the field's lines once", async () => {
    const params = new URLSearchParams({ field: "source_dirs", multiple: "1", path: root, pick: join(root, "Photos"), source_dirs: "/home/me/docs" });
    const html = await (await t.client.request("GET", `/drives/picker?${params}`)).text();
    expect(html).toContain(`/home/me/docs\n${join(root, "Photos")}</textarea>`);
    params.set("source_dirs", `/home/me/docs\n${join(root, "Photos")}`);
    const again = await (await t.client.request("GET", `/drives/picker?${params}`)).text();
    expect(again.split(join(root, "Photos") + "</textarea>").length).toBe(2);
  });

  test("single mode replaces the value", async () => {
    const params = new URLSearchParams({ field: "dest.mount_point", multiple: "0", path: root, pick: join(root, "Photos"), "dest.mount_point": "/old" });
    const html = await (await t.client.request("GET", `/drives/picker?${params}`)).text();
    expect(html).toContain(`name="dest.mount_point" class="mono" value="${join(root, "Photos")}"`);
  });

  test("a path outside the allowed folders shows the refusal and falls back to the first allowed folder", async () => {
    const html = await (await t.client.request("GET", `/drives/picker?field=source_dirs&multiple=1&path=${encodeURIComponent(`${root}/../../etc`)}`)).text();
    expect(html).toContain("outside the allowed paths");
    expect(html).toContain("Photos/");
    expect(html).not.toContain("passwd");
  });

  test("a field name that is not a form field name is refused", async () => {
    const res = await t.client.request("GET", `/drives/picker?field=${encodeURIComponent('"><script>')}&multiple=1`);
    expect(res.status).toBe(400);
  });

  test("Create folder makes it inside the current folder and opens it; '..' is refused", async () => {
    const ok = await t.client.request("POST", "/drives/picker/mkdir", form({ field: "source_dirs", multiple: "1", path: join(root, "Photos"), new_folder: "new album", source_dirs: "" }));
    expect(ok.status).toBe(200);
    expect(existsSync(join(root, "Photos/new album"))).toBe(true);
    expect(await ok.text()).toContain('aria-current="location">new album</strong>');
    const bad = await t.client.request("POST", "/drives/picker/mkdir", form({ field: "source_dirs", multiple: "1", path: root, new_folder: "..", source_dirs: "" }));
    expect(await bad.text()).toContain("Folder name must be one name");
    const out = await t.client.request("POST", "/drives/picker/mkdir", form({ field: "source_dirs", multiple: "1", path: join(root, "etc-link"), new_folder: "x", source_dirs: "" }));
    expect(await out.text()).toContain("outside the allowed paths");
    expect(existsSync("/etc/x")).toBe(false);
  });
});

describeIf(notRoot() ?? missingCommand("losetup", "mkfs.ext4", "mount", "umount", "blkid", "lsblk"))("Drives page with a real drive (root)", () => {
  let drive: UsbDrive;
  beforeAll(async () => {
    drive = await startUsb({ label: "PAGEUSB" });
  });
  afterAll(async () => {
    await drive?.stop();
  });

  test("shows the drive, mounts it from the form, then unmounts it", async () => {
    const page = await (await t.client.request("GET", "/drives")).text();
    expect(page).toContain(drive.uuid);
    expect(page).toContain(`value="${root}/PAGEUSB"`);

    const mounted = await t.client.request("POST", "/drives/mount", form({ uuid: drive.uuid, mount_point: join(root, "PAGEUSB") }));
    const body = await mounted.text();
    expect(body.match(/role="(?:alert|status)"[^>]*>[^<]*/g)).toEqual([`role="status">Drive mounted at ${join(root, "PAGEUSB")}`]);
    expect(mounted.status).toBe(200);
    expect(mountAt(join(root, "PAGEUSB"))?.device).toBe(drive.dev);

    const un = await t.client.request("POST", "/drives/unmount", form({ mount_point: join(root, "PAGEUSB") }));
    expect(await un.text()).toContain(`Unmounted ${join(root, "PAGEUSB")}`);
    expect(mountAt(join(root, "PAGEUSB"))).toBeNull();
  });
});

describe("drive select for the local destination", () => {
  test("keeps a saved UUID of an unplugged drive selectable, escaped", async () => {
    const { renderDriveSelect } = await import("../../src/web/pages/drives.tsx");
    const html = await renderDriveSelect("dest.usb_uuid", "1234-ABCD");
    expect(html).toContain('<select id="dest-usb_uuid" name="dest.usb_uuid"');
    expect(html).toContain('<option value="1234-ABCD" selected>1234-ABCD (not connected)</option>');
    const none = await renderDriveSelect("dest.usb_uuid", null);
    expect(none).toContain('<option value="" selected>');
  });
});
