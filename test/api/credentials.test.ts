// Credentials API: never returned, sealed at rest, validated per type, usage, 409 when in use.
import { describe, expect, test } from "bun:test";
import { open } from "../../src/crypto/seal.ts";
import { authedApp } from "../engine/fixtures.ts";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const s3 = { name: "AWS Production", provider_type: "s3", data: { access_key_id: "AKIAIOSFODNN7EXAMPLE", secret_access_key: SECRET } };

describe("credentials API", () => {
  test("create, get, list, filter: secrets never in a response, sealed in the database", async () => {
    const lines: string[] = [];
    const t = await authedApp({ logLines: lines });
    const created = await t.api("POST", "/api/credentials", s3);
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(["created_at", "id", "name", "needs_reconnect", "provider_type", "updated_at"]);
    expect(created.body).toMatchObject({ name: "AWS Production", provider_type: "s3" });
    await t.api("POST", "/api/credentials", { name: "Box", provider_type: "sftp", data: { password: "pw-123" } });

    const all = await t.api("GET", "/api/credentials");
    expect(all.body.map((c: any) => c.name)).toEqual(["AWS Production", "Box"]);
    expect((await t.api("GET", "/api/credentials?provider=sftp")).body.map((c: any) => c.name)).toEqual(["Box"]);
    expect((await t.api("GET", "/api/credentials?provider=ftp")).status).toBe(400);
    const one = await t.api("GET", `/api/credentials/${created.body.id}`);
    for (const text of [JSON.stringify(all.body), JSON.stringify(one.body), lines.join("\n")]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain("AKIAIOSFODNN7EXAMPLE");
    }

    const raw = t.ctx.db.$client.query<{ data: string }, [number]>("SELECT data FROM credentials WHERE id = ?").get(created.body.id)!.data;
    expect(raw).not.toContain(SECRET);
    expect(raw).toStartWith("v1.");
    expect(JSON.parse(open(t.ctx.secret, raw, `credential:${created.body.id}`))).toEqual(s3.data);
  });

  test("update the name alone, or the data (re-sealed); provider_type cannot change", async () => {
    const t = await authedApp();
    const c = (await t.api("POST", "/api/credentials", s3)).body;
    const before = t.ctx.db.$client.query<{ data: string }, []>("SELECT data FROM credentials").get()!.data;
    const renamed = await t.api("PUT", `/api/credentials/${c.id}`, { name: "AWS (Updated)" });
    expect(renamed.body.name).toBe("AWS (Updated)");
    expect(t.ctx.db.$client.query<{ data: string }, []>("SELECT data FROM credentials").get()!.data).toBe(before);
    const newData = { access_key_id: "AKIANEW", secret_access_key: "newSecret" };
    expect((await t.api("PUT", `/api/credentials/${c.id}`, { data: newData })).status).toBe(200);
    const after = t.ctx.db.$client.query<{ data: string }, []>("SELECT data FROM credentials").get()!.data;
    expect(JSON.parse(open(t.ctx.secret, after, `credential:${c.id}`))).toEqual(newData);
    const moved = await t.api("PUT", `/api/credentials/${c.id}`, { provider_type: "sftp" });
    expect(moved.status).toBe(400);
    expect((await t.api("PUT", `/api/credentials/${c.id}`, {})).body.message).toBe("Field 'name' or 'data' is required");
    expect((await t.api("PUT", `/api/credentials/${c.id}`, { data: { access_key_id: "x" } })).body.message).toBe("Field 'data.secret_access_key' is required");
  });

  test("data validated per provider type, naming the field", async () => {
    const t = await authedApp();
    const cases: [unknown, string][] = [
      [{ name: "x", provider_type: "s3", data: { access_key_id: "a" } }, "Field 'data.secret_access_key' is required"],
      [{ name: "x", provider_type: "s3", data: { access_key_id: "a", secret_access_key: "b", region: "eu" } }, "Field 'data.region' is not a setting of AWS S3"],
      [{ name: "x", provider_type: "sftp", data: {} }, "Field 'data.password' or 'private_key' is required"],
      [{ name: "x", provider_type: "google_drive", data: { access_token: "a", refresh_token: "b", expires_at: "soon" } }, "Field 'data.expires_at' must be a whole number"],
      [{ name: "x", provider_type: "local", data: {} }, "Field 'provider_type': Local / USB destinations take no credentials"],
      [{ name: "x", provider_type: "ftp", data: {} }, "Field 'provider_type' must be one of"],
      [{ provider_type: "s3", data: {} }, "Field 'name' is required"],
      [{ name: "x", provider_type: "s3" }, "Field 'data' is required"],
    ];
    for (const [body, message] of cases) {
      const res = await t.api("POST", "/api/credentials", body);
      expect([res.status, res.body.message?.slice(0, message.length)]).toEqual([400, message]);
    }
  });

  test("usage, and 409 with the job names when deleting one in use", async () => {
    const t = await authedApp();
    const c = (await t.api("POST", "/api/credentials", s3)).body;
    for (const name of ["Daily Backup", "Weekly Backup"]) {
      const r = await t.api("POST", "/api/jobs", { name, source_dirs: ["/a"], destination_type: "s3", destination_config: { bucket: "my-backup-bucket" }, credential_id: c.id });
      expect(r.status).toBe(201);
    }
    const usage = await t.api("GET", `/api/credentials/${c.id}/usage`);
    expect(usage.body).toEqual({
      credential_id: c.id,
      jobs: [
        { id: 1, name: "Daily Backup" },
        { id: 2, name: "Weekly Backup" },
      ],
    });
    const refused = await t.api("DELETE", `/api/credentials/${c.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: "Conflict", message: "Credential is in use by 2 job(s)", jobs: ["Daily Backup", "Weekly Backup"] });
    await t.api("DELETE", "/api/jobs/1");
    await t.api("DELETE", "/api/jobs/2");
    expect((await t.api("DELETE", `/api/credentials/${c.id}`)).body).toEqual({ message: "Credential deleted" });
    expect((await t.api("GET", `/api/credentials/${c.id}`)).status).toBe(404);
  });

  test("404 on every id route", async () => {
    const t = await authedApp();
    for (const [m, p] of [
      ["GET", "/api/credentials/9"],
      ["PUT", "/api/credentials/9"],
      ["DELETE", "/api/credentials/9"],
      ["GET", "/api/credentials/9/usage"],
    ] as const) {
      const res = await t.api(m, p, m === "PUT" ? { name: "x" } : undefined);
      expect([p, res.status, res.body.message]).toEqual([p, 404, "Credential not found"]);
    }
  });
});
