// The request-level guard rails of SPEC "Guard rails that become contract": authentication
// before any body, param or query validation; JSON nesting capped before any schema work; JSON
// only on the API (415); the same-origin check for cookie-authenticated state changes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunningServer } from "../../src/server.ts";
import { form, setup } from "../auth/helpers.ts";
import { startTestServer } from "../browser/harness.ts";
import { TestClient, testApp } from "../helpers/app.ts";

const DEEP = "[".repeat(20_000) + "]".repeat(20_000);
const nested = (depth: number) => '{"name":' + "[".repeat(depth - 1) + "1" + "]".repeat(depth - 1) + "}";

interface Operation {
  method: string;
  path: string;
  hasBody: boolean;
}

/** Every operation of the live OpenAPI document that needs a signed-in user or an API key. */
async function protectedOperations(client: TestClient): Promise<Operation[]> {
  const doc = (await client.json("GET", "/api/openapi.json")).body;
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!["get", "post", "put", "delete", "patch"].includes(method)) continue;
      if (Array.isArray(op.security) && op.security.length === 0) continue;
      ops.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, "0x2"), hasBody: !!op.requestBody });
    }
  }
  return ops;
}

describe("authentication comes before validation", () => {
  test("a stranger gets 401 on every protected route, whatever the ids, query or body", async () => {
    const { client, app, ctx } = testApp();
    await setup(client);
    const stranger = new TestClient(app, ctx);
    const ops = await protectedOperations(client);
    expect(ops.length).toBeGreaterThan(40);
    const bodies: (string | undefined)[] = [undefined, DEEP, "{not json", '{"name": 5, "source_dirs": "x"}', "null"];
    for (const op of ops) {
      for (const body of bodies) {
        if (body !== undefined && op.method === "GET") continue;
        const res = await stranger.json(op.method, `${op.path}?limit=abc&offset=-1`, { body, headers: { "content-type": "application/json" } });
        expect({ op: `${op.method} ${op.path}`, status: res.status, body: res.body }).toEqual({
          op: `${op.method} ${op.path}`,
          status: 401,
          body: { error: "Unauthorized", message: "Invalid or expired token" },
        });
      }
    }
    // A form or text body is refused the same way: no 415 to strangers either.
    const text = await stranger.json("POST", "/api/jobs", { body: "name=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(text.status).toBe(401);
  });

  test("signed in, JSON deeper than 64 levels is a 400 before any schema work; 64 levels reach the schema", async () => {
    const { client } = testApp();
    await setup(client);
    for (const [method, path] of [
      ["POST", "/api/jobs"],
      ["PUT", "/api/jobs/1"],
      ["POST", "/api/credentials"],
      ["POST", "/api/providers/test"],
    ] as const) {
      const deep = await client.json(method, path, { body: DEEP });
      expect(deep.status).toBe(400);
      expect(deep.body).toEqual({ error: "Invalid request", message: "Request body nests deeper than 64 levels" });
      const just = await client.json(method, path, { body: nested(65) });
      expect(just.body.message).toBe("Request body nests deeper than 64 levels");
    }
    // At the limit the body is parsed and the schema names the field.
    const ok = await client.json("POST", "/api/jobs", { body: nested(64) });
    expect(ok.status).toBe(400);
    expect(ok.body.message).toStartWith("Field '");
    expect(ok.body.message).not.toContain("nests deeper");
    // Brackets inside strings are text, not nesting.
    const inString = await client.json("POST", "/api/jobs", { body: JSON.stringify({ name: "[".repeat(500) }) });
    expect(inString.body.message).not.toContain("nests deeper");
  });

  test("the API takes JSON only: a form or text body is 415 in the contract's shape; pages still take forms", async () => {
    const { client } = testApp();
    await setup(client);
    for (const type of ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", "application/xml"]) {
      const res = await client.json("POST", "/api/jobs", { body: "name=x&destination_type=local", headers: { "content-type": type } });
      expect(res.status).toBe(415);
      expect(res.body).toEqual({ error: "Unsupported media type", message: "Request body must be JSON sent as Content-Type: application/json" });
    }
    expect((await client.json("GET", "/api/jobs")).body).toEqual([]);
    // The settings page form posts urlencoded, as a browser does.
    const page = await client.request("POST", "/settings", form({ theme: "dark", max_runs_per_job: "7" }));
    expect(page.status).toBeLessThan(400);
    expect((await client.json("GET", "/api/settings")).body.theme).toBe("dark");
  });
});

describe("a hostile body does not freeze the server", () => {
  let server: RunningServer & { dataDir: string };
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  test("while strangers send deeply nested bodies to four routes, health keeps answering", async () => {
    const hostile = ["/api/jobs", "/api/jobs/1", "/api/credentials", "/api/providers/test"].flatMap((path) =>
      Array.from({ length: 5 }, () => fetch(server.url + path, { method: path === "/api/jobs/1" ? "PUT" : "POST", headers: { "content-type": "application/json" }, body: DEEP }).then((r) => r.status)),
    );
    const health: number[] = [];
    for (let i = 0; i < 10; i++) health.push((await fetch(`${server.url}/api/system/health`)).status);
    expect(new Set(await Promise.all(hostile))).toEqual(new Set([401]));
    expect(health.every((s) => s === 200 || s === 503)).toBe(true);
    expect(health.length).toBe(10);
  });
});

describe("same origin for cookie-authenticated state changes", () => {
  test("a foreign or missing Origin is 403 and changes nothing; the own origin and API keys pass", async () => {
    const { client, app, ctx } = testApp();
    await setup(client);
    const source = mkdtempSync(join(tmpdir(), "dm-origin-"));
    const job = { name: "Docs", source_dirs: [source], destination_type: "local", destination_config: { mount_point: mkdtempSync(join(tmpdir(), "dm-origin-dst-")) } };
    // Raw requests, so exactly these headers go with the cookie (TestClient would add an Origin).
    const withCookie = (headers: Record<string, string>) =>
      app.handle(
        new Request("http://localhost/api/jobs", {
          method: "POST",
          headers: { cookie: `token=${client.token}`, "content-type": "application/json", ...headers },
          body: JSON.stringify(job),
        }),
      );
    const refused: Record<string, string>[] = [{ origin: "http://evil.example" }, { origin: "null" }, {}, { referer: "http://evil.example/form" }, { origin: "http://localhost.evil.example" }];
    for (const headers of refused) {
      const res = await withCookie(headers);
      expect(res.status).toBe(403);
      expect((await res.json()).error).toBe("Forbidden");
    }
    // Page forms and the logout button are covered by the same check.
    const pageForm = await client.request("POST", "/settings", { ...form({ theme: "dark" }), headers: { ...form({}).headers, origin: "http://evil.example" } });
    expect(pageForm.status).toBe(403);
    const logout = await client.json("POST", "/api/auth/logout", { headers: { origin: "http://evil.example" } });
    expect(logout.status).toBe(403);
    expect((await client.json("GET", "/api/jobs")).body).toEqual([]);
    expect((await client.json("GET", "/api/settings")).body.theme).not.toBe("dark");
    // Reading is not a state change: a foreign Origin on GET is answered.
    expect((await client.json("GET", "/api/jobs", { headers: { origin: "http://evil.example" } })).status).toBe(200);

    // The own origin, by Origin or by Referer: accepted.
    expect((await client.json("POST", "/api/jobs", { body: job, headers: { origin: "http://localhost" } })).status).toBe(201);
    await client.json("DELETE", "/api/jobs/1");
    expect((await withCookie({ referer: "http://localhost/jobs/new" })).status).toBe(201);

    // An API key is not ambient: exempt, whatever Origin says (even with a stale cookie beside it).
    const key = (await client.json("POST", "/api/auth/api-keys", { body: { name: "script", scope: "write" } })).body.key as string;
    const scripted = await app.handle(
      new Request("http://localhost/api/jobs", {
        method: "POST",
        headers: { "x-api-key": key, cookie: "token=stale", origin: "http://evil.example", "content-type": "application/json" },
        body: JSON.stringify({ ...job, name: "Docs 2", source_dirs: [mkdtempSync(join(tmpdir(), "dm-origin-2-"))] }),
      }),
    );
    expect(scripted.status).toBe(201);
  });

  test("behind a trusted proxy the forwarded host is the server's own", async () => {
    const { client } = testApp({ config: { trustProxy: true } });
    await setup(client);
    const headers = { "x-forwarded-host": "backup.example.net", origin: "https://backup.example.net" };
    expect((await client.json("PUT", "/api/settings", { body: { theme: "dark" }, headers })).status).toBe(200);
    expect((await client.json("PUT", "/api/settings", { body: { theme: "dark" }, headers: { ...headers, origin: "http://localhost" } })).status).toBe(403);
  });
});
