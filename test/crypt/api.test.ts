// The API and editor edges of encryption: validation naming the field, the credential never
// returned, the rclone config only on request, a change of settings after a backup refused.
import { describe, expect, test } from "bun:test";
import { runs } from "../../src/db/schema.ts";
import { formBody, signedIn } from "../web/helpers.ts";

const s3 = { bucket: "crypt-api", prefix: "", region: "us-east-1", endpoint: "http://127.0.0.1:7480" };

async function setup() {
  const env = await signedIn();
  const c = env.client;
  const store = (await c.json("POST", "/api/credentials", { body: { name: "s3", provider_type: "s3", data: { access_key_id: "ak", secret_access_key: "sk-secret" } } })).body;
  const enc = await c.json("POST", "/api/credentials", { body: { name: "pw", provider_type: "encryption", data: { password: "hunter2-secret", salt: "pepper-secret" } } });
  return { ...env, storeId: store.id as number, encId: enc.body.id as number, enc };
}

const job = (storeId: number, encryption: unknown, type = "s3"): Record<string, unknown> => ({
  name: `j${Math.random()}`,
  source_dirs: ["/srv"],
  destination_type: type,
  destination_config: type === "s3" ? s3 : { mount_point: "/mnt" },
  credential_id: type === "s3" ? storeId : null,
  sync_options: { encryption },
});

describe("encryption through the API", () => {
  test("the encryption credential is sealed and never returned; an empty password is refused", async () => {
    const { client, enc } = await setup();
    expect(enc.status).toBe(201);
    expect(enc.body.provider_type).toBe("encryption");
    expect(JSON.stringify(enc.body)).not.toContain("secret");
    const got = await client.json("GET", `/api/credentials/${enc.body.id}`);
    expect(JSON.stringify(got.body)).not.toContain("hunter2");
    const empty = await client.json("POST", "/api/credentials", { body: { name: "x", provider_type: "encryption", data: { password: "" } } });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toContain("data.password");
  });

  test("refused on local/USB, with a credential of another type, or a bad mode: 400 naming the field", async () => {
    const { client, storeId, encId } = await setup();
    const local = await client.json("POST", "/api/jobs", { body: job(storeId, { password_credential_id: encId, filename_encryption: "standard", directory_name_encryption: true }, "local") });
    expect(local.status).toBe(400);
    expect(local.body.message).toContain("sync_options.encryption");
    expect(local.body.message).toContain("use an encrypted disk for local/USB destinations");
    const wrongType = await client.json("POST", "/api/jobs", { body: job(storeId, { password_credential_id: storeId, filename_encryption: "standard", directory_name_encryption: true }) });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.message).toContain("sync_options.encryption.password_credential_id");
    const mode = await client.json("POST", "/api/jobs", { body: job(storeId, { password_credential_id: encId, filename_encryption: "obfuscate", directory_name_encryption: true }) });
    expect(mode.status).toBe(400);
    expect(mode.body.message).toContain("sync_options.encryption.filename_encryption");
    const missing = await client.json("POST", "/api/jobs", { body: job(storeId, { password_credential_id: 99999, filename_encryption: "standard", directory_name_encryption: true }) });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain("refers to no credential");
  });

  test("rclone config: 400 for a plain job; for an encrypted one the obscured passwords, never the plain ones", async () => {
    const { client, storeId, encId } = await setup();
    const made = await client.json("POST", "/api/jobs", { body: job(storeId, null) });
    if (made.status !== 201) throw new Error(JSON.stringify(made.body));
    const plain = made.body;
    expect(plain.sync_options.encryption).toBeNull();
    expect((await client.json("GET", `/api/jobs/${plain.id}/rclone-config`)).status).toBe(400);
    const enc = (await client.json("POST", "/api/jobs", { body: job(storeId, { password_credential_id: encId, filename_encryption: "off", directory_name_encryption: false }) })).body;
    const res = await client.request("GET", `/api/jobs/${enc.id}/rclone-config`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain("hunter2-secret");
    expect(text).not.toContain("pepper-secret");
    expect(text).toMatch(/^password = [A-Za-z0-9_-]{20,}$/m);
    expect(text).toMatch(/^password2 = [A-Za-z0-9_-]{20,}$/m);
    expect(text).toContain("filename_encryption = off");
    expect(text).toContain("directory_name_encryption = false");
    expect(text).toContain("remote = ");
    expect((await client.json("GET", "/api/jobs/99999/rclone-config")).status).toBe(404);
    // The editor shows it only when asked (a fragment fetched by the button).
    const editor = await client.request("GET", `/jobs/${enc.id}/edit`);
    const page = await editor.text();
    expect(page).toContain("If you lose the password, the backup is lost.");
    expect(page).toContain("Download rclone config");
    expect(page).not.toContain("type = crypt");
    const shown = await (await client.request("GET", `/jobs/${enc.id}/rclone-config`)).text();
    expect(shown).toContain("type = crypt");
  });

  test("the editor form saves encryption; a change after a completed run is refused; a used password cannot change or go", async () => {
    const { client, ctx, storeId, encId } = await setup();
    const created = (await client.json("POST", "/api/jobs", { body: job(storeId, null) })).body;
    const form = {
      name: created.name,
      source_dirs: "/srv",
      destination_type: "s3",
      "dest.bucket": "crypt-api",
      "dest.region": "us-east-1",
      "dest.endpoint": "http://127.0.0.1:7480",
      credential_id: String(storeId),
      "sync.encryption.password_credential_id": String(encId),
      "sync.encryption.filename_encryption": "standard",
      "sync.encryption.directory_name_encryption": "true",
    };
    const saved = await client.request("POST", `/jobs/${created.id}/edit`, { body: formBody(form), headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(saved.status).toBeLessThan(400);
    const after = (await client.json("GET", `/api/jobs/${created.id}`)).body;
    expect(after.sync_options.encryption).toEqual({ password_credential_id: encId, filename_encryption: "standard", directory_name_encryption: true });
    ctx.db.insert(runs).values({ jobId: created.id, status: "completed", trigger: "manual" }).run();
    const change = await client.json("PUT", `/api/jobs/${created.id}`, { body: { ...job(storeId, null), name: created.name } });
    expect(change.status).toBe(400);
    expect(change.body.message).toContain("sync_options.encryption");
    const same = await client.json("PUT", `/api/jobs/${created.id}`, { body: { ...job(storeId, after.sync_options.encryption), name: "renamed" } });
    expect(same.status).toBe(200);
    expect((await client.json("PUT", `/api/credentials/${encId}`, { body: { data: { password: "other" } } })).status).toBe(409);
    expect((await client.json("DELETE", `/api/credentials/${encId}`)).status).toBe(409);
    expect((await client.json("GET", `/api/credentials/${encId}/usage`)).body.jobs).toEqual([{ id: created.id, name: "renamed" }]);
  });

  test("the Credentials page offers the encryption password type", async () => {
    const { client } = await setup();
    const page = await (await client.request("GET", "/credentials?type=encryption")).text();
    expect(page).toContain("Encryption password");
    expect(page).toContain('name="data.password"');
  });
});
