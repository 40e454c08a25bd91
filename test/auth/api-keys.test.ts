import { describe, expect, test } from "bun:test";
import { hashApiKey } from "../../src/auth/guard.ts";
import { TestClient, testApp } from "../helpers/app.ts";
import { setup } from "./helpers.ts";

// Logins run real argon2id: give a busy 2-core machine room.
const SLOW = 60_000;

async function withKeys() {
  const t = testApp();
  await setup(t.client);
  const read = await t.client.json("POST", "/api/auth/api-keys", { body: { name: "monitoring", scope: "read" } });
  const write = await t.client.json("POST", "/api/auth/api-keys", { body: { name: "deploy script", scope: "write" } });
  const anon = new TestClient(t.app, t.ctx);
  return { ...t, read: read.body, write: write.body, readRes: read, anon };
}

/** "Last used" is written after the response: give the after-response hook its turn. */
async function settle() {
  for (let i = 0; i < 5; i++) await Bun.sleep(1);
}

describe("API keys", () => {
  test(
    "created with dm_ + 32 random bytes, shown once, stored as SHA-256",
    async () => {
      const { read, readRes, client, ctx } = await withKeys();
      expect(readRes.status).toBe(201);
      expect(read.key).toMatch(/^dm_[A-Za-z0-9_-]{43}$/);
      expect(read.prefix).toBe(read.key.slice(0, 11));
      expect(read).toMatchObject({ name: "monitoring", scope: "read", last_used_at: null });
      const list = await client.json("GET", "/api/auth/api-keys");
      expect(list.body).toHaveLength(2);
      expect(JSON.stringify(list.body)).not.toContain(read.key);
      for (const k of list.body) expect(Object.keys(k).sort()).toEqual(["created_at", "id", "last_used_at", "name", "prefix", "scope"]);
      const row = ctx.db.$client.query("SELECT key_hash FROM api_keys WHERE id = ?").get(read.id) as { key_hash: string };
      expect(row.key_hash).toBe(await hashApiKey(read.key));
    },
    SLOW,
  );

  test(
    "accepted as Bearer and as X-API-Key; last use is recorded",
    async () => {
      const { read, anon, client } = await withKeys();
      const viaBearer = await anon.json("GET", "/api/auth/me", { headers: { authorization: `Bearer ${read.key}` } });
      expect(viaBearer.body).toEqual({ id: 1, username: "admin", totp_enabled: false, auth: "api_key", scope: "read" });
      const viaHeader = await anon.json("GET", "/api/auth/me", { headers: { "x-api-key": read.key } });
      expect(viaHeader.status).toBe(200);
      await settle();
      const listed = (await client.json("GET", "/api/auth/api-keys")).body.find((k: any) => k.id === read.id);
      expect(listed.last_used_at).not.toBeNull();
    },
    SLOW,
  );

  test(
    "a read-only key cannot write (403); a write key can",
    async () => {
      const { read, write, anon } = await withKeys();
      const denied = await anon.json("POST", "/api/auth/logout", { headers: { "x-api-key": read.key } });
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual({ error: "Forbidden", message: "This API key is read-only" });
      const allowed = await anon.json("POST", "/api/auth/logout", { headers: { "x-api-key": write.key } });
      expect(allowed.status).toBe(200);
    },
    SLOW,
  );

  test(
    "keys cannot manage the account (no new keys, no password or 2FA changes)",
    async () => {
      const { write, anon } = await withKeys();
      const h = { "x-api-key": write.key };
      expect((await anon.json("POST", "/api/auth/api-keys", { headers: h, body: { name: "more", scope: "write" } })).status).toBe(403);
      expect((await anon.json("DELETE", "/api/auth/api-keys/1", { headers: h })).status).toBe(403);
      expect((await anon.json("POST", "/api/auth/change-password", { headers: h, body: { current_password: "x", new_password: "yyyyyyyyyy" } })).status).toBe(403);
      expect((await anon.json("POST", "/api/auth/totp/setup", { headers: h })).status).toBe(403);
      expect((await anon.json("GET", "/api/auth/token", { headers: h })).status).toBe(403);
    },
    SLOW,
  );

  test(
    "revoked keys stop working; unknown or malformed keys get 401",
    async () => {
      const { read, anon, client } = await withKeys();
      expect((await client.json("DELETE", `/api/auth/api-keys/${read.id}`)).body).toEqual({ message: "API key revoked" });
      expect((await anon.json("GET", "/api/auth/me", { headers: { "x-api-key": read.key } })).status).toBe(401);
      expect((await client.json("DELETE", `/api/auth/api-keys/${read.id}`)).status).toBe(404);
      expect((await anon.json("GET", "/api/auth/me", { headers: { authorization: "Bearer dm_nope" } })).status).toBe(401);
    },
    SLOW,
  );

  test(
    "validation: scope must be read or write, name required",
    async () => {
      const { client } = await withKeys();
      const bad = await client.json("POST", "/api/auth/api-keys", { body: { name: "x", scope: "admin" } });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toBe(`Field 'scope' must be one of "read", "write"`);
      expect((await client.json("POST", "/api/auth/api-keys", { body: { scope: "read" } })).body.message).toBe("Field 'name' is required");
    },
    SLOW,
  );
});
