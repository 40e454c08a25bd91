// Every route and method of the live OpenAPI document, sent malformed ids, queries and bodies:
// wrong types, null, arrays, 100 KB strings, deep nesting, invalid UTF-8, wrong content types.
// Wanted: no 500, every error in the contract's { error, message } shape, no stack trace.
// Signed in with a write API key, so the requests get past the guard into validation and the
// handlers (account routes answer 403 to a key, after validation).
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setup } from "../auth/helpers.ts";
import { testApp } from "../helpers/app.ts";

const BIG = "x".repeat(100_000);
const DEEP = "[".repeat(5_000) + "]".repeat(5_000);
const INVALID_UTF8 = new Uint8Array([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]);

const BAD_IDS = ["0", "-1", "abc", "0x2", "2e0", "+2", "1.5", "99999999999999999999999", "%00", "%FF%FE", "null", "[]", "1%20", "x".repeat(2000)];
const BAD_QUERY_VALUES = ["", "abc", "-1", "1e309", "null", "[]", "%FF", "%00", "true", BIG];
const WRONG_VALUES: unknown[] = [null, [], {}, "", 123, -1, 1e308, true, "%00\u0000", BIG, ["a", 1, null], { nested: { deeper: [1] } }];

interface Op {
  method: string;
  path: string;
  query: string[];
  bodyProps: string[] | null;
}

interface Sent {
  what: string;
  status: number;
  type: string;
  text: string;
}

function operations(doc: any): Op[] {
  const ops: Op[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!["get", "post", "put", "delete", "patch"].includes(method)) continue;
      const params = (op.parameters ?? []) as { in: string; name: string }[];
      const schema = op.requestBody?.content?.["application/json"]?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        query: params.filter((p) => p.in === "query").map((p) => p.name),
        bodyProps: op.requestBody ? Object.keys(schema?.properties ?? {}) : null,
      });
    }
  }
  // Deleting last keeps the fixtures (job 1, credential 1, schedule 1) alive for the others.
  return ops.sort((a, b) => Number(a.method === "DELETE") - Number(b.method === "DELETE"));
}

const fill = (path: string, id: string) => path.replace(/\{[^}]+\}/g, id);

function checkAnswer(s: Sent) {
  const where = `${s.what} → ${s.status}`;
  expect({ where, status: s.status >= 500 && s.status !== 503 ? s.status : "fine" }).toEqual({ where, status: "fine" });
  expect({ where, trace: /\bat \S+ \(|node_modules|\.ts:\d+|Error: /.test(s.text) }).toEqual({ where, trace: false });
  if (s.status >= 400 && s.type.includes("application/json")) {
    const body = JSON.parse(s.text);
    // Documented extras: a 429's retry_after, a busy job's 409 naming its active run.
    const keys = Object.keys(body).filter((k) => k !== "retry_after" && !(s.status === 409 && k === "run_id"));
    expect({ where, keys: keys.sort(), error: typeof body.error, message: typeof body.message }).toEqual({ where, keys: ["error", "message"], error: "string", message: "string" });
  } else if (s.status >= 400) {
    // Errors on the API are JSON; only the HTML not-found page may answer otherwise.
    expect({ where, type: s.type }).toEqual({ where, type: expect.stringContaining("text/html") });
  }
}

describe("fuzzing every route of the OpenAPI document", () => {
  test("malformed ids, queries and bodies: no 500, every error in the contract's shape, no stack trace", async () => {
    const { client, app } = testApp({ config: { allowedBrowsePaths: [tmpdir()] } });
    await setup(client);
    const key = (await client.json("POST", "/api/auth/api-keys", { body: { name: "fuzz", scope: "write" } })).body.key as string;
    // Fixtures with id 1, so "1" reaches handlers and body validation on every id route.
    const source = mkdtempSync(join(tmpdir(), "dm-fuzz-src-"));
    const job = await client.json("POST", "/api/jobs", {
      body: { name: "Fuzz", source_dirs: [source], destination_type: "local", destination_config: { mount_point: mkdtempSync(join(tmpdir(), "dm-fuzz-dst-")) } },
    });
    expect(job.status).toBe(201);
    expect((await client.json("POST", "/api/jobs/1/schedules", { body: { schedule_type: "daily", hour: 3, minute: 0 } })).status).toBe(201);

    const healthBefore = (await client.json("GET", "/api/system/health")).body.components;
    const doc = (await client.json("GET", "/api/openapi.json")).body;
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThan(50);
    let sent = 0;
    const send = async (what: string, method: string, path: string, body?: BodyInit, type = "application/json") => {
      const headers: Record<string, string> = { "x-api-key": key };
      if (body !== undefined) headers["content-type"] = type;
      let res: Response;
      try {
        res = await app.handle(new Request(`http://localhost${path}`, { method, headers, body }));
      } catch (err) {
        // A URL the Request constructor refuses never reaches a server; nothing to check.
        if (err instanceof TypeError) return;
        throw err;
      }
      sent++;
      checkAnswer({ what, status: res.status, type: res.headers.get("content-type") ?? "", text: await res.text() });
    };

    for (const op of ops) {
      const name = `${op.method} ${op.path}`;
      const path = fill(op.path, op.path.includes("{type}") ? "local" : "1");
      if (op.path.includes("{")) {
        for (const id of BAD_IDS) await send(`${name} id=${id.slice(0, 20)}`, op.method, fill(op.path, id));
      }
      for (const q of op.query) {
        for (const v of BAD_QUERY_VALUES) await send(`${name} ?${q}=${v.slice(0, 20)}`, op.method, `${path}?${q}=${encodeURIComponent(v).replace(/%25(FF|00)/g, "%$1")}`);
        await send(`${name} ?${q} twice`, op.method, `${path}?${q}=1&${q}=2`);
      }
      if (op.bodyProps === null) continue;
      const bodies: [string, BodyInit, string?][] = [
        ["null", "null"],
        ["array", "[]"],
        ["string", '"text"'],
        ["number", "42"],
        ["empty object", "{}"],
        ["not JSON", "{name: 'x',"],
        ["deep", DEEP],
        ["invalid UTF-8", INVALID_UTF8],
        ["big string", JSON.stringify({ name: BIG })],
        ["form", "name=x&a=b", "application/x-www-form-urlencoded"],
        ["text", "hello", "text/plain"],
        ["no type", '{"name":"x"}', ""],
      ];
      for (const wrong of WRONG_VALUES) {
        bodies.push([`every field ${JSON.stringify(wrong)?.slice(0, 20)}`, JSON.stringify(Object.fromEntries(op.bodyProps.map((p) => [p, wrong])))]);
      }
      for (const prop of op.bodyProps) {
        bodies.push([`${prop}: big`, JSON.stringify({ [prop]: BIG })]);
        bodies.push([`${prop}: NUL`, JSON.stringify({ [prop]: "/mnt/a\u0000b" })]);
      }
      for (const [what, body, type] of bodies) await send(`${name} body ${what}`, op.method, path, body, type);
    }
    expect(sent).toBeGreaterThan(ops.length * 15);
    // Nothing the fuzzing sent changed what the server says of itself, and the fixture job is intact.
    expect((await client.json("GET", "/api/system/health")).body.components).toEqual(healthBefore);
  }, 240_000);
});
