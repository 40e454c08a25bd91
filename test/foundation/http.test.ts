import { describe, expect, test } from "bun:test";
import { t } from "elysia";
import { testApp } from "../helpers/app.ts";

function appWithProbeRoutes(logLines?: string[]) {
  const { app, ctx } = testApp({ logLines });
  // Routes added on top of the real app, so they go through its hooks exactly as features do.
  const probe = app
    .post("/api/probe", ({ body }) => ({ got: body }), {
      body: t.Object({ name: t.String({ minLength: 1 }), count: t.Optional(t.Integer({ minimum: 1, maximum: 10 })), mode: t.Optional(t.Union([t.Literal("a"), t.Literal("b")])) }),
    })
    .get("/api/boom", () => {
      throw new Error("secret internals: /etc/shadow at line 3");
    });
  const call = (path: string, init?: RequestInit) => probe.handle(new Request(`http://localhost${path}`, init));
  return { call, ctx };
}

const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("errors in the contract's shape", () => {
  test("unknown /api route: 404 JSON", async () => {
    const { call } = appWithProbeRoutes();
    const res = await call("/api/nothing-here");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Not found", message: "No route for GET /api/nothing-here" });
  });

  test("unknown page: 404 HTML, path escaped", async () => {
    const { call } = appWithProbeRoutes();
    const res = await call("/no/<script>");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("text/html");
    const text = await res.text();
    expect(text).not.toContain("<script>");
  });

  test("validation names the field", async () => {
    const { call } = appWithProbeRoutes();
    const missing = await call("/api/probe", json({}));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: "Invalid request", message: "Field 'name' is required" });
    const range = await call("/api/probe", json({ name: "x", count: 50 }));
    expect(range.status).toBe(400);
    expect((await range.json()).message).toBe("Field 'count' must be a whole number from 1 to 10");
    const choice = await call("/api/probe", json({ name: "x", mode: "c" }));
    expect((await choice.json()).message).toBe(`Field 'mode' must be one of "a", "b"`);
  });

  test("malformed JSON: 400", async () => {
    const { call } = appWithProbeRoutes();
    const res = await call("/api/probe", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "Invalid request", message: "Request body is not valid JSON" });
  });

  test("an unexpected exception: 500 without internals, logged on the server", async () => {
    const lines: string[] = [];
    const { call } = appWithProbeRoutes(lines);
    const res = await call("/api/boom");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: "Internal error", message: "An unexpected error occurred" });
    expect(text).not.toContain("shadow");
    expect(lines.some((l) => l.includes("secret internals"))).toBe(true);
  });
});

describe("request bodies over 1 MiB", () => {
  const big = JSON.stringify({ name: "x".repeat(1024 * 1024 + 10) });

  test("with Content-Length: 413", async () => {
    const { call } = appWithProbeRoutes();
    const res = await call("/api/probe", { method: "POST", headers: { "content-type": "application/json", "content-length": String(big.length) }, body: big });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toBe("Payload too large");
  });

  test("chunked, without Content-Length: 413 as well", async () => {
    const { call } = appWithProbeRoutes();
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.slice(i, i + 64 * 1024));
        controller.close();
      },
    });
    const res = await call("/api/probe", { method: "POST", headers: { "content-type": "application/json" }, body: stream });
    expect(res.status).toBe(413);
  });

  test("just under the limit is accepted", async () => {
    const { call } = appWithProbeRoutes();
    const ok = JSON.stringify({ name: "y".repeat(1024 * 1000) });
    const res = await call("/api/probe", json(JSON.parse(ok)));
    expect(res.status).toBe(200);
  });
});

describe("security headers", () => {
  test("API responses: no-store, DENY, strict CSP", async () => {
    const { call } = appWithProbeRoutes();
    for (const res of [await call("/api/system/health"), await call("/api/nothing")]) {
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    }
  });

  test("pages: strict CSP without unsafe-inline; assets cached for a year", async () => {
    const { call } = appWithProbeRoutes();
    // A fresh appliance sends "/" to the setup page; that page is what the first visitor loads.
    const page = await call("/setup");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(page.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    const html = await page.text();
    const css = html.match(/href="(\/assets\/app\.css\?v=[0-9a-f]+)"/)![1]!;
    const asset = await call(css);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-type")).toContain("text/css");
    const again = await call(css, { headers: { "if-none-match": asset.headers.get("etag")! } });
    expect(again.status).toBe(304);
  });
});

describe("health", () => {
  test("503 with the component that is not ready; 200 once required components are", async () => {
    const { call, ctx } = appWithProbeRoutes();
    ctx.health.register("rsync", () => ({ ready: false, error: "rsync not found" }));
    const down = await call("/api/system/health");
    const body = await down.json();
    if (!body.components.scheduler.ready) {
      expect(down.status).toBe(503);
      expect(body.status).toBe("unavailable");
    }
    ctx.health.register("scheduler", () => ({ ready: true, error: null }));
    const up = await call("/api/system/health");
    expect(up.status).toBe(200);
    const upBody = await up.json();
    expect(upBody).toMatchObject({ status: "degraded", version: expect.any(String), components: { database: { ready: true, error: null }, rsync: { ready: false, error: "rsync not found" } } });
    expect(Number.isInteger(upBody.uptime_seconds)).toBe(true);
    ctx.health.register("rsync", () => ({ ready: true, error: null }));
    expect((await (await call("/api/system/health")).json()).status).toBe("ok");
  });

  test("a component whose check throws is reported not ready with the reason", async () => {
    const { call, ctx } = appWithProbeRoutes();
    ctx.health.register("scheduler", () => ({ ready: true, error: null }));
    ctx.health.register("database", () => {
      throw new Error("disk I/O error");
    });
    const res = await call("/api/system/health");
    expect(res.status).toBe(503);
    expect((await res.json()).components.database).toEqual({ ready: false, error: "disk I/O error" });
  });
});

describe("OpenAPI", () => {
  test("3.1 document generated from the routes, Swagger page from embedded assets", async () => {
    const { call } = appWithProbeRoutes();
    const doc = await (await call("/api/openapi.json")).json();
    expect(doc.openapi).toStartWith("3.1");
    expect(doc.info.title).toBe("Dynamight API");
    expect(doc.paths["/api/system/health"].get).toBeDefined();
    const page = await call("/api/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      expect(ref).toStartWith("/assets/");
      expect((await call(ref)).status).toBe(200);
    }
    expect(html).toContain('"validatorUrl":null');
  });
});
