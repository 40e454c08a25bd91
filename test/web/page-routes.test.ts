// Every GET page route, enumerated from the app itself (so a new page is covered without being
// listed here): a cookie that is not valid percent-encoding is no session (never a 500), and a
// signed-in answer is never cached (Cache-Control: no-store).
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signedIn } from "./helpers.ts";

function pageRoutes(app: { routes: { method: string; path: string }[] }): string[] {
  const paths = app.routes
    .filter((r) => r.method === "GET" && !r.path.startsWith("/api") && r.path !== "/metrics" && !r.path.startsWith("/assets/") && r.path !== "/favicon.ico")
    .map((r) => r.path.replace(/:[a-z_]+/g, "1"));
  return [...new Set(paths)];
}

const BAD_COOKIES = ["token=%", "token=%E0%A4%A", "token=a%zz%", "theme=dark; token=%"];

describe("every page route", () => {
  test("is found by the enumeration (the list is not empty by accident)", async () => {
    const { app } = await signedIn();
    const paths = pageRoutes(app);
    for (const p of ["/", "/login", "/setup", "/jobs/new", "/jobs/1", "/runs/1", "/credentials", "/settings", "/account", "/drives"]) expect(paths).toContain(p);
  });

  test("a badly encoded session cookie is no session: the login page or a redirect to it, never a 500", async () => {
    const { app } = await signedIn();
    for (const path of pageRoutes(app)) {
      for (const cookie of BAD_COOKIES) {
        const res = await app.handle(new Request(`http://localhost${path}`, { headers: { cookie } }));
        await res.text();
        expect([path, cookie, res.status < 500]).toEqual([path, cookie, true]);
        if (res.status >= 300 && res.status < 400) expect([path, res.headers.get("location")]).toEqual([path, expect.stringMatching(/^\/login/)]);
      }
    }
  });

  test("signed in: Cache-Control: no-store on every page answer, assets still cached", async () => {
    const { app, client } = await signedIn();
    // A job, a run and a credential with id 1, so the id pages render for real.
    const job = await client.json("POST", "/api/jobs", {
      body: {
        name: "j",
        source_dirs: [mkdtempSync(join(tmpdir(), "dm-pages-src-"))],
        destination_type: "local",
        destination_config: { mount_point: "/mnt/x", backup_subdir: "", auto_mount: false, auto_unmount: false },
      },
    });
    expect(job.status).toBe(201);
    for (const path of pageRoutes(app)) {
      const res = await client.request("GET", path);
      await res.text();
      expect([path, res.status < 500, res.headers.get("cache-control")]).toEqual([path, true, "no-store"]);
    }
    const asset = await client.request("GET", "/favicon.ico");
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  });
});
