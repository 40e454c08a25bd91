// Browse, mkdir, allowed-paths and the validation of the mount endpoints, over HTTP on the real app.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readMounts } from "../../src/system/mounts.ts";
import { systemApp, tempDir } from "./helpers.ts";

const base = tempDir("dm-browse-");
const root = join(base, "root");
const second = join(base, "second");
const outside = join(base, "outside");
let app: Awaited<ReturnType<typeof systemApp>>;

beforeAll(async () => {
  mkdirSync(join(root, "Photos"), { recursive: true });
  mkdirSync(join(root, "docs"));
  mkdirSync(join(root, ".config"));
  mkdirSync(second);
  mkdirSync(outside);
  writeFileSync(join(root, "b.txt"), "hello");
  writeFileSync(join(root, "A.txt"), "");
  utimesSync(join(root, "b.txt"), new Date("2026-01-01T00:00:00Z"), new Date("2026-01-01T00:00:00Z"));
  symlinkSync("/etc", join(root, "etc-link"));
  symlinkSync(join(root, "docs"), join(root, "docs-link"));
  // The first allowed path does not exist: browse defaults to the first one that does.
  app = await systemApp([join(base, "missing"), root, second]);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("GET /api/system/browse", () => {
  test("needs authentication", async () => {
    const res = await app.client.json("GET", "/api/system/browse");
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: "Unauthorized" });
  });

  test("defaults to the first allowed path that exists, folders first, hidden included", async () => {
    const { status, body } = await app.call("GET", "/api/system/browse");
    expect(status).toBe(200);
    expect(body.path).toBe(root);
    expect(body.parent).toBeNull();
    expect(body.truncated).toBe(false);
    expect(body.entries.map((e: any) => e.name)).toEqual([".config", "docs", "docs-link", "etc-link", "Photos", "A.txt", "b.txt"]);
    const file = body.entries.find((e: any) => e.name === "b.txt");
    expect(file).toEqual({ name: "b.txt", path: join(root, "b.txt"), is_dir: false, size: 5, modified: "2026-01-01T00:00:00.000Z", is_symlink: false, browsable: false });
    expect(body.entries.find((e: any) => e.name === "docs")).toMatchObject({ is_dir: true, size: null, browsable: true });
  });

  test("hidden=false leaves dot entries out", async () => {
    const { body } = await app.call("GET", `/api/system/browse?path=${encodeURIComponent(root)}&hidden=false`);
    expect(body.entries.map((e: any) => e.name)).not.toContain(".config");
  });

  test("a subfolder has its parent; a symlink inside the roots can be entered", async () => {
    const sub = await app.call("GET", `/api/system/browse?path=${encodeURIComponent(join(root, "Photos"))}`);
    expect(sub.body).toMatchObject({ path: join(root, "Photos"), parent: root, entries: [] });
    const viaLink = await app.call("GET", `/api/system/browse?path=${encodeURIComponent(join(root, "docs-link"))}`);
    expect(viaLink.status).toBe(200);
    expect(viaLink.body.path).toBe(join(root, "docs"));
  });

  test("a symlink to /etc is listed but cannot be entered", async () => {
    const { body } = await app.call("GET", `/api/system/browse?path=${encodeURIComponent(root)}`);
    expect(body.entries.find((e: any) => e.name === "etc-link")).toMatchObject({ is_dir: true, is_symlink: true, browsable: false });
    const enter = await app.call("GET", `/api/system/browse?path=${encodeURIComponent(join(root, "etc-link"))}`);
    expect(enter.status).toBe(403);
    expect(enter.body).toEqual({ error: "Forbidden", message: expect.stringContaining("outside the allowed paths") });
    expect(JSON.stringify(enter.body)).not.toContain("passwd");
  });

  test("traversal with .. and %2e%2e is refused", async () => {
    for (const q of [`${root}/../outside`, `${root}/%2e%2e/outside`, `${root}/%2E%2E/%2e%2e/%2e%2e/etc`, "/etc", "/", "relative/path", "-o%20remount"]) {
      const res = await app.call("GET", `/api/system/browse?path=${q.includes("%") ? q : encodeURIComponent(q)}`);
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("Forbidden");
    }
  });

  test("a missing folder is 404, a file is 400", async () => {
    expect((await app.call("GET", `/api/system/browse?path=${encodeURIComponent(join(root, "nope"))}`)).status).toBe(404);
    const file = await app.call("GET", `/api/system/browse?path=${encodeURIComponent(join(root, "b.txt"))}`);
    expect(file.status).toBe(400);
    expect(file.body.message).toContain("Not a folder");
  });
});

describe("POST /api/system/mkdir", () => {
  test("creates a folder inside the allowed paths, then refuses it as existing", async () => {
    const path = join(root, "new/nested");
    const made = await app.call("POST", "/api/system/mkdir", { path });
    expect(made).toMatchObject({ status: 200, body: { message: "Directory created", path } });
    expect(existsSync(path)).toBe(true);
    const again = await app.call("POST", "/api/system/mkdir", { path });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe("Conflict");
  });

  test("refuses outside, through .., through a symlink out, and injection-looking paths", async () => {
    for (const path of [join(outside, "x"), `${root}/../outside/y`, join(root, "etc-link/dynamight-test"), "-o remount", "x; rm -rf /", "$(touch /tmp/pwned)", `${root}/a\u0000b`, root]) {
      const res = await app.call("POST", "/api/system/mkdir", { path });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("Forbidden");
    }
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync("/etc/dynamight-test")).toBe(false);
  });

  test("a missing path field names the field", async () => {
    const res = await app.call("POST", "/api/system/mkdir", {});
    expect(res.status).toBe(400);
    expect(res.body.message).toBe("Field 'path' is required");
  });
});

describe("allowed paths and mount validation", () => {
  test("GET /api/system/allowed-paths lists the configured paths", async () => {
    const { status, body } = await app.call("GET", "/api/system/allowed-paths");
    expect(status).toBe(200);
    expect(body).toEqual({ paths: [join(base, "missing"), root, second] });
  });

  test("malformed UUIDs are refused before any process starts", async () => {
    const before = readMounts().length;
    for (const uuid of ["1234-5678; rm -rf /", "$(touch /tmp/dm-pwned)", "-o remount", "`id`", "ABCD-EFGH"]) {
      const res = await app.call("POST", "/api/system/mount", { uuid, mount_point: join(root, "usb") });
      expect(res.status).toBe(400);
      expect(res.body.message).toStartWith("Field 'uuid' must be a filesystem UUID");
    }
    expect(existsSync("/tmp/dm-pwned")).toBe(false);
    expect(existsSync(join(root, "usb"))).toBe(false);
    expect(readMounts().length).toBe(before);
  });

  test("mount points outside the allowed paths, or an allowed path itself, are 403", async () => {
    const uuid = "0b5e7a1e-0000-4000-8000-00000000b4c4";
    for (const mount_point of ["/etc", join(root, "etc-link"), `${root}/../outside`, "-o remount", "relative", root]) {
      const res = await app.call("POST", "/api/system/mount", { uuid, mount_point });
      expect(res.status).toBe(403);
    }
    const un = await app.call("POST", "/api/system/unmount", { mount_point: "/" });
    expect(un.status).toBe(403);
  });

  test("unmounting a folder where nothing is mounted is 404", async () => {
    const res = await app.call("POST", "/api/system/unmount", { mount_point: join(root, "docs") });
    expect(res.status).toBe(404);
    expect(res.body.message).toContain("Nothing is mounted");
  });

  test("every System route is in the OpenAPI document with the System tag", async () => {
    const { body } = await app.call("GET", "/api/openapi.json");
    const routes: [string, string][] = [
      ["get", "drives"],
      ["get", "mounts"],
      ["post", "mount"],
      ["post", "unmount"],
      ["get", "browse"],
      ["post", "mkdir"],
      ["get", "allowed-paths"],
    ];
    for (const [method, name] of routes) {
      expect(body.paths[`/api/system/${name}`]?.[method]?.tags).toEqual(["System"]);
    }
    expect(body.paths["/api/system/mount"].post.responses["404"]).toBeDefined();
  });

  test("a mount request without uuid names the field", async () => {
    const res = await app.call("POST", "/api/system/mount", { mount_point: join(root, "usb") });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "Invalid request", message: "Field 'uuid' is required" });
  });

  test("GET /api/system/mounts lists device mounts; all=true adds virtual ones", async () => {
    const devices = await app.call("GET", "/api/system/mounts");
    expect(devices.status).toBe(200);
    expect(devices.body.every((m: any) => m.device.startsWith("/dev/"))).toBe(true);
    const all = await app.call("GET", "/api/system/mounts?all=true");
    expect(all.body.some((m: any) => m.mountpoint === "/proc" && m.fstype === "proc")).toBe(true);
  });
});
