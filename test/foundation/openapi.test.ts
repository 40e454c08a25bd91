// /api/openapi.json describes every request body: its JSON schema with properties, and examples
// (from the API reference) that the route's own validation accepts. The body parser is a
// function hook, which @elysiajs/openapi cannot read a content type from; routes with a body
// declare `parse: "json"` so the document (and the Swagger page) shows their schema.
import { describe, expect, test } from "bun:test";
import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { testApp } from "../helpers/app.ts";

async function documentAndRoutes() {
  const { app } = testApp();
  const doc = await (await app.handle(new Request("http://localhost/api/openapi.json"))).json();
  const withBody = app.routes.filter((r) => (r.hooks as { body?: unknown }).body && !(r.hooks as { detail?: { hide?: boolean } }).detail?.hide);
  return { doc, withBody };
}

const UPLOADS = new Set(["POST /api/config/import/preview", "POST /api/config/import", "POST /api/auth/setup-from-backup"]);

const docPath = (path: string) => path.replace(/:([^/]+)/g, "{$1}");

describe("OpenAPI request bodies", () => {
  test("every route with a body schema has it under application/json, with properties and examples", async () => {
    const { doc, withBody } = await documentAndRoutes();
    expect(withBody.length).toBeGreaterThanOrEqual(19);
    let bodies = 0;
    for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        if (!op.requestBody) continue;
        bodies++;
        const where = `${method.toUpperCase()} ${path}`;
        // File uploads (configuration restore) are multipart forms; a file has no JSON example.
        const type = UPLOADS.has(where) ? "multipart/form-data" : "application/json";
        expect([where, Object.keys(op.requestBody.content)]).toEqual([where, [type]]);
        const schema = op.requestBody.content[type].schema;
        expect([where, schema.type, Object.keys(schema.properties ?? {}).length > 0]).toEqual([where, "object", true]);
        if (type === "application/json") expect([where, Array.isArray(schema.examples) && schema.examples.length > 0]).toEqual([where, true]);
      }
    }
    // Every body route of the app is in the document with its body.
    for (const r of withBody) expect([r.method, r.path, !!doc.paths[docPath(r.path)]?.[r.method.toLowerCase()]?.requestBody]).toEqual([r.method, r.path, true]);
    expect(bodies).toBe(withBody.length);
  });

  test("each example passes the route's own body validation", async () => {
    const { withBody } = await documentAndRoutes();
    for (const r of withBody) {
      const schema = (r.hooks as { body: TSchema & { examples?: unknown[] } }).body;
      for (const example of schema.examples ?? []) {
        const errors = [...Value.Errors(schema, example)].map((e) => `${e.path} ${e.message}`);
        expect([r.method, r.path, errors]).toEqual([r.method, r.path, []]);
      }
    }
  });

  test("the seed's job example is what POST /api/jobs shows", async () => {
    const { doc } = await documentAndRoutes();
    const schema = doc.paths["/api/jobs"].post.requestBody.content["application/json"].schema;
    expect(schema.examples[0]).toMatchObject({ name: "S3 Backup", destination_type: "s3", destination_config: { bucket: "my-backup-bucket" } });
    expect(schema.required).toEqual(["name", "source_dirs", "destination_type", "destination_config"]);
  });
});
