// The file manager page (/files, linked from Drives): listing with download links, search box,
// sizes button, and delete through the re-authentication dialog.
import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { form, PASSWORD, setup } from "../auth/helpers.ts";
import { testApp } from "../helpers/app.ts";

async function app() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "movein-fmp-")));
  mkdirSync(join(root, "albums", "trip"), { recursive: true });
  writeFileSync(join(root, "albums", "trip", "sunset.png"), "z".repeat(2048));
  writeFileSync(join(root, "readme.txt"), "hi");
  const t = testApp({ config: { allowedBrowsePaths: [root] } });
  await setup(t.client);
  return { ...t, root };
}

const page = async (t: Awaited<ReturnType<typeof app>>, url: string) => {
  const res = await t.client.request("GET", url);
  return { status: res.status, text: await res.text() };
};

test("the Drives page links the file manager; the listing has download links, a search box and a sizes button", async () => {
  const t = await app();
  expect((await page(t, "/drives")).text).toContain('href="/files"');
  const p = await page(t, `/files?path=${encodeURIComponent(t.root)}`);
  expect(p.status).toBe(200);
  expect(p.text).toContain(`href="/api/system/download?path=${encodeURIComponent(join(t.root, "readme.txt"))}"`);
  expect(p.text).toContain('id="file-search"');
  expect(p.text).toContain('id="dir-sizes"');
  const found = await page(t, `/files?path=${encodeURIComponent(t.root)}&q=SUNSET`);
  expect(found.text).toContain('id="search-results"');
  expect(found.text).toContain(join(t.root, "albums", "trip", "sunset.png"));
  const sizes = await page(t, `/files?path=${encodeURIComponent(t.root)}&sizes=1`);
  expect(sizes.text).toContain("2.0 KiB");
  const outside = await page(t, "/files?path=/etc");
  expect(outside.status).toBe(403);
  expect(outside.text).toContain("outside the allowed paths");
});

test("delete asks for the password first; a wrong one is refused; the right one deletes and opens the window", async () => {
  const t = await app();
  const target = join(t.root, "readme.txt");
  const ask = await t.client.request("POST", "/files/delete", form({ path: target }));
  const askText = await ask.text();
  expect(askText).toContain('id="reauth"');
  expect(existsSync(target)).toBe(true);
  const wrong = await t.client.request("POST", "/files/delete", form({ path: target, password: "wrong password" }));
  expect(await wrong.text()).toContain("Wrong password");
  expect(existsSync(target)).toBe(true);
  const ok = await t.client.request("POST", "/files/delete", form({ path: target, password: PASSWORD }));
  expect(await ok.text()).toContain(`Deleted ${target}`);
  expect(existsSync(target)).toBe(false);
  // Within the window: no dialog.
  const folder = join(t.root, "albums");
  const again = await t.client.request("POST", "/files/delete", form({ path: folder }));
  expect(await again.text()).toContain(`Deleted ${folder}`);
  expect(existsSync(folder)).toBe(false);
});
