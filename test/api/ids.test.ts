// Ids are read one way (src/http/params.ts): plain decimal. `0x2`, `2e0`, `+2`, `02` are not
// another spelling of 2: the API answers 400 naming the parameter, pages the not-found page, and
// nothing happens to the thing whose id is 2.
import { describe, expect, test } from "bun:test";
import { credentials, runs, schedules } from "../../src/db/schema.ts";
import { parseId } from "../../src/http/params.ts";
import { testApp } from "../helpers/app.ts";
import { addUser, apiKey, insertJob, sessionToken } from "../schedules/helpers.ts";

const SPELLINGS = ["0x2", "2e0", "+2", "02", "0", "2.0", " 2", "2 ", "-2", "abc", "9999999999999999"];

async function world() {
  const t = testApp();
  const user = await addUser(t.ctx);
  const key = await apiKey(t.ctx, user.id, "write");
  await apiKey(t.ctx, user.id, "read"); // api key 2
  const token = await sessionToken(t.ctx, user.id);
  for (const name of ["one", "two"]) {
    const job = insertJob(t.ctx.db, { name });
    t.ctx.db.insert(schedules).values({ jobId: job.id, scheduleType: "daily", hour: 2, minute: 0 }).run();
    t.ctx.db.insert(runs).values({ jobId: job.id, status: "completed", trigger: "manual" }).run();
    t.ctx.db
      .insert(credentials)
      .values({ name: `cred ${name}`, providerType: "s3", data: "x" })
      .run();
  }
  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = { "x-api-key": key }) => t.client.json(method, path, { body, headers });
  const page = (method: string, path: string) =>
    t.client.request(method, path, { token, headers: method === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {}, body: method === "POST" ? "" : undefined });
  return { ...t, api, page, token };
}

const API_ROUTES: [string, string][] = [
  ["GET", "/api/jobs/:id"],
  ["PUT", "/api/jobs/:id"],
  ["DELETE", "/api/jobs/:id"],
  ["POST", "/api/jobs/:id/run"],
  ["POST", "/api/jobs/:id/cancel"],
  ["POST", "/api/jobs/:id/clone"],
  ["GET", "/api/jobs/:id/schedules"],
  ["POST", "/api/jobs/:id/schedules"],
  ["PUT", "/api/schedules/:id"],
  ["DELETE", "/api/schedules/:id"],
  ["GET", "/api/jobs/:id/runs"],
  ["DELETE", "/api/jobs/:id/runs"],
  ["GET", "/api/runs/:id"],
  ["DELETE", "/api/runs/:id"],
  ["GET", "/api/runs/:id/logs"],
  ["GET", "/api/credentials/:id"],
  ["PUT", "/api/credentials/:id"],
  ["DELETE", "/api/credentials/:id"],
  ["GET", "/api/credentials/:id/usage"],
  ["DELETE", "/api/auth/api-keys/:id"],
];

describe("path ids", () => {
  test("parseId takes plain decimal only", () => {
    expect(parseId("2")).toBe(2);
    expect(parseId("123456789012345")).toBe(123456789012345);
    for (const s of SPELLINGS) expect([s, parseId(s)]).toEqual([s, null]);
    expect(parseId(undefined)).toBeNull();
  });

  test("every API route with an id answers 400 naming it for another spelling of id 2", async () => {
    const t = await world();
    for (const [method, route] of API_ROUTES) {
      for (const spelling of SPELLINGS) {
        const path = route.replace(":id", encodeURIComponent(spelling));
        const res = await t.api(method, path, method === "PUT" || method === "POST" ? {} : undefined);
        expect([method, path, res.status]).toEqual([method, path, 400]);
        expect(res.body).toEqual({ error: "Invalid request", message: "Path parameter 'id' must be a positive whole number" });
      }
    }
    // Nothing whose id is 2 was touched.
    expect((await t.api("GET", "/api/jobs/2")).body.name).toBe("two");
    expect((await t.api("GET", "/api/jobs")).body.map((j: any) => j.name)).toEqual(["one", "two"]);
    expect((await t.api("GET", "/api/jobs/2/schedules")).body).toHaveLength(1);
    expect((await t.api("GET", "/api/runs/2")).status).toBe(200);
    expect((await t.api("GET", "/api/credentials/2")).body.name).toBe("cred two");
  });

  test("the OpenAPI document describes the id as a digit string", async () => {
    const t = await world();
    const doc = await (await t.client.request("GET", "/api/openapi.json")).json();
    const param = doc.paths["/api/jobs/{id}"].get.parameters.find((p: any) => p.name === "id");
    expect(param).toMatchObject({ in: "path", required: true, schema: { type: "string", pattern: "^[1-9][0-9]{0,14}$" } });
  });

  test("pages with an id answer the not-found page, never job 2's", async () => {
    const t = await world();
    for (const route of ["/jobs/:id", "/jobs/:id/runs", "/jobs/:id/edit", "/runs/:id", "/credentials/:id/edit"]) {
      for (const spelling of SPELLINGS) {
        const path = route.replace(":id", encodeURIComponent(spelling));
        const res = await t.page("GET", path);
        const text = await res.text();
        expect([path, res.status]).toEqual([path, 404]);
        expect(res.headers.get("content-type")).toContain("text/html");
        expect(text).toContain("Not found");
        expect(text).not.toContain("two");
      }
    }
    // Actions under another spelling do nothing to job 2, its run or credential 2.
    for (const route of ["/jobs/:id/run", "/jobs/:id/clone", "/jobs/:id/delete", "/jobs/:id/runs/delete", "/runs/:id/delete", "/credentials/:id/delete", "/api-keys/:id/revoke"]) {
      for (const spelling of ["0x2", "2e0", "+2", "02"]) {
        const res = await t.page("POST", route.replace(":id", encodeURIComponent(spelling)));
        expect(res.status).toBeLessThan(500);
      }
    }
    expect((await t.api("GET", "/api/jobs")).body.map((j: any) => [j.name, j.active_run_id])).toEqual([
      ["one", null],
      ["two", null],
    ]);
    expect((await t.api("GET", "/api/jobs/2/runs")).body).toHaveLength(1);
    expect((await t.api("GET", "/api/credentials/2")).status).toBe(200);
    expect((await t.api("GET", "/api/auth/api-keys", undefined, { cookie: `token=${t.token}` })).body).toHaveLength(2);
  });
});
