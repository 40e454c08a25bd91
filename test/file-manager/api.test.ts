// The browse page's file manager API on a real folder tree: search, download, delete (only after
// re-authentication, never the data folder), folder sizes; symbolic links leading out refused.
import { beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeAt, enable2fa, PASSWORD, setup } from "../auth/helpers.ts";
import { testApp } from "../helpers/app.ts";

function tree() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "movein-fm-")));
  const root = join(base, "allowed");
  const outside = join(base, "outside");
  mkdirSync(join(root, "photos", "2024", "summer"), { recursive: true });
  mkdirSync(join(root, "docs"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, "photos", "2024", "summer", "Beach.JPG"), "x".repeat(1000));
  writeFileSync(join(root, "photos", "2024", "beach-notes.txt"), "notes");
  writeFileSync(join(root, "docs", "report.pdf"), "y".repeat(300));
  writeFileSync(join(outside, "secret-beach.txt"), "top secret");
  symlinkSync(outside, join(root, "escape"));
  symlinkSync(join(outside, "secret-beach.txt"), join(root, "escape-file"));
  const dataDir = join(root, "dynamight-data");
  mkdirSync(dataDir);
  writeFileSync(join(dataDir, "secret.key"), "k");
  return { base, root, outside, dataDir };
}

async function app() {
  const t0 = tree();
  const t = testApp({ config: { allowedBrowsePaths: [t0.root], dataDir: t0.dataDir } });
  await setup(t.client);
  return { ...t, ...t0 };
}

const q = (p: string) => encodeURIComponent(p);

describe("file manager", () => {
  let t: Awaited<ReturnType<typeof app>>;
  beforeEach(async () => {
    t = await app();
  });

  test("search: case-insensitive names under a folder, links not followed, confined", async () => {
    const r = await t.client.json("GET", `/api/system/search?path=${q(t.root)}&q=beach`);
    expect(r.status).toBe(200);
    expect(r.body.results.map((e: any) => e.path).sort()).toEqual([join(t.root, "photos", "2024", "beach-notes.txt"), join(t.root, "photos", "2024", "summer", "Beach.JPG")]);
    expect(r.body).toMatchObject({ truncated: false, timed_out: false });
    expect(r.body.results.find((e: any) => e.name === "Beach.JPG").size).toBe(1000);
    const viaLink = await t.client.json("GET", `/api/system/search?path=${q(join(t.root, "escape"))}&q=beach`);
    expect(viaLink.status).toBe(403);
    const outside = await t.client.json("GET", `/api/system/search?path=${q(t.outside)}&q=beach`);
    expect(outside.status).toBe(403);
    const dotdot = await t.client.json("GET", `/api/system/search?path=${q(`${t.root}/../outside`)}&q=beach`);
    expect(dotdot.status).toBe(403);
    expect((await t.client.json("GET", `/api/system/search?path=${q(t.root)}&q=`)).status).toBe(400);
    expect((await t.client.json("GET", `/api/system/search?path=${q(t.root)}&q=beach`, { token: "", headers: { cookie: "" } })).status).toBe(401);
  });

  test("search is bounded: at most 200 results, marked truncated", async () => {
    const many = join(t.root, "many");
    mkdirSync(many);
    for (let i = 0; i < 250; i++) writeFileSync(join(many, `match-${i}`), "");
    const r = await t.client.json("GET", `/api/system/search?path=${q(many)}&q=match`);
    expect([r.body.results.length, r.body.truncated]).toEqual([200, true]);
  });

  test("download streams a file; folders, links out and outside paths are refused", async () => {
    const res = await t.client.request("GET", `/api/system/download?path=${q(join(t.root, "docs", "report.pdf"))}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(await res.text()).toBe("y".repeat(300));
    expect((await t.client.json("GET", `/api/system/download?path=${q(join(t.root, "docs"))}`)).status).toBe(400);
    const link = await t.client.json("GET", `/api/system/download?path=${q(join(t.root, "escape-file"))}`);
    expect(link.status).toBe(403);
    expect(JSON.stringify(link.body)).not.toContain("top secret");
    expect((await t.client.json("GET", `/api/system/download?path=${q(join(t.root, "escape", "secret-beach.txt"))}`)).status).toBe(403);
    expect((await t.client.json("GET", `/api/system/download?path=${q(join(t.root, "nope"))}`)).status).toBe(404);
  });

  test("delete without a recent re-authentication is 403; after POST /api/auth/confirm it deletes", async () => {
    const target = join(t.root, "docs", "report.pdf");
    const before = await t.client.json("POST", "/api/system/delete", { body: { path: target } });
    expect(before.status).toBe(403);
    expect(before.body.message).toContain("/api/auth/confirm");
    expect(existsSync(target)).toBe(true);
    const wrong = await t.client.json("POST", "/api/auth/confirm", { body: { password: "not my password" } });
    expect(wrong.status).toBe(401);
    expect((await t.client.json("POST", "/api/system/delete", { body: { path: target } })).status).toBe(403);
    const ok = await t.client.json("POST", "/api/auth/confirm", { body: { password: PASSWORD } });
    expect(ok.status).toBe(200);
    expect(ok.body.window_seconds).toBe(300);
    const del = await t.client.json("POST", "/api/system/delete", { body: { path: target } });
    expect([del.status, del.body.message]).toEqual([200, "Deleted"]);
    expect(existsSync(target)).toBe(false);
    const folder = await t.client.json("POST", "/api/system/delete", { body: { path: join(t.root, "photos") } });
    expect([folder.status, folder.body.message]).toEqual([200, "Folder deleted"]);
    expect(existsSync(join(t.root, "photos"))).toBe(false);
  });

  test("delete never touches the data folder, an allowed root or anything outside; a link goes as a link", async () => {
    expect((await t.client.json("POST", "/api/auth/confirm", { body: { password: PASSWORD } })).status).toBe(200);
    const del = (path: string) => t.client.json("POST", "/api/system/delete", { body: { path } });
    const data = await del(t.dataDir);
    expect([data.status, data.body.message]).toEqual([403, `"${t.dataDir}" is or contains Dynamight's data folder and cannot be deleted`]);
    expect((await del(join(t.dataDir, "secret.key"))).status).toBe(403);
    expect((await del(t.root)).status).toBe(403);
    expect((await del(`${t.root}/docs/..`)).status).toBe(400);
    expect((await del(join(t.root, "escape", "secret-beach.txt"))).status).toBe(403);
    expect((await del(t.outside)).status).toBe(403);
    const symlinkToData = join(t.root, "data-link");
    symlinkSync(t.dataDir, symlinkToData);
    expect((await del(join(symlinkToData, "secret.key"))).status).toBe(403);
    expect(existsSync(join(t.dataDir, "secret.key"))).toBe(true);
    // The link out is removed, its target stays.
    expect((await del(join(t.root, "escape"))).status).toBe(200);
    expect(existsSync(join(t.root, "escape"))).toBe(false);
    expect(existsSync(join(t.outside, "secret-beach.txt"))).toBe(true);
  });

  test("an API key never deletes (no session to re-authenticate)", async () => {
    const key = await t.client.json("POST", "/api/auth/api-keys", { body: { name: "w", scope: "write" } });
    const r = await t.client.json("POST", "/api/system/delete", { body: { path: join(t.root, "docs") }, headers: { authorization: `Bearer ${key.body.key}`, cookie: "" } });
    expect(r.status).toBe(403);
    expect(existsSync(join(t.root, "docs"))).toBe(true);
  });

  test("with 2FA on, the confirm needs the code too", async () => {
    const { secret } = await enable2fa(t.client);
    const noCode = await t.client.json("POST", "/api/auth/confirm", { body: { password: PASSWORD } });
    expect([noCode.status, noCode.body.message]).toEqual([401, "Enter the code from your authenticator app as well (totp_code)"]);
    const ok = await t.client.json("POST", "/api/auth/confirm", { body: { password: PASSWORD, totp_code: await codeAt(secret, 1) } });
    expect(ok.status).toBe(200);
    expect((await t.client.json("POST", "/api/system/delete", { body: { path: join(t.root, "docs") } })).status).toBe(200);
  });

  test("dir-sizes: bytes and files per sub-folder, links not followed, confined", async () => {
    const r = await t.client.json("GET", `/api/system/dir-sizes?path=${q(t.root)}`);
    expect(r.status).toBe(200);
    const byName = Object.fromEntries(r.body.folders.map((f: any) => [f.name, [f.bytes, f.files, f.complete]]));
    expect(byName).toEqual({ docs: [300, 1, true], "dynamight-data": [1, 1, true], photos: [1005, 2, true] });
    expect((await t.client.json("GET", `/api/system/dir-sizes?path=${q(join(t.root, "escape"))}`)).status).toBe(403);
  });
});
