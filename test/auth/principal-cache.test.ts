// The few-seconds cache of who a token or key belongs to (src/auth/principal-cache.ts): revoking
// is seen at once in this process, another process's change within the TTL, and "last used" is
// written at most every LAST_USE_EVERY_MS.
import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { dueForUse, forgetPrincipals, LAST_USE_EVERY_MS, PRINCIPAL_TTL_MS, rememberPrincipal } from "../../src/auth/principal-cache.ts";
import { sessions } from "../../src/db/schema.ts";
import { toolPath } from "../../src/system/command.ts";
import { TestClient, testApp, testContext } from "../helpers/app.ts";
import { PASSWORD, setup } from "./helpers.ts";

const SLOW = 20_000;

describe("principal cache", () => {
  test("a value is loaded once per TTL, never past its own expiry, and forgotten on demand", async () => {
    const { db } = testContext();
    let loads = 0;
    const load = async () => ({ value: ++loads, expiresAt: 1_000_000 + 2_000 });
    expect(await rememberPrincipal(db, "t:a", load, 1_000_000)).toBe(1);
    expect(await rememberPrincipal(db, "t:a", load, 1_000_000 + 1_000)).toBe(1);
    // The loader's expiry (2 s) comes before the TTL.
    expect(PRINCIPAL_TTL_MS).toBeGreaterThan(2_000);
    expect(await rememberPrincipal(db, "t:a", load, 1_000_000 + 2_000)).toBe(2);
    forgetPrincipals(db);
    expect(await rememberPrincipal(db, "t:a", load, 1_000_000 + 2_001)).toBe(3);
    // null is not remembered.
    let nulls = 0;
    const none = async () => (nulls++, null);
    expect(await rememberPrincipal(db, "t:b", none, 0)).toBeNull();
    expect(await rememberPrincipal(db, "t:b", none, 1)).toBeNull();
    expect(nulls).toBe(2);
  });

  test("each database has its own cache", async () => {
    const a = testContext().db;
    const b = testContext().db;
    await rememberPrincipal(a, "t:x", async () => ({ value: "a" }), 0);
    expect(await rememberPrincipal(b, "t:x", async () => ({ value: "b" }), 1)).toBe("b");
  });

  test("last used is due once per LAST_USE_EVERY_MS per key", () => {
    const { db } = testContext();
    expect(dueForUse(db, "s:1", 0)).toBe(true);
    expect(dueForUse(db, "s:1", LAST_USE_EVERY_MS - 1)).toBe(false);
    expect(dueForUse(db, "s:2", 1)).toBe(true);
    expect(dueForUse(db, "s:1", LAST_USE_EVERY_MS)).toBe(true);
  });

  test(
    "a session deleted by another process (SQL, not this app) stops working within the TTL",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const token = client.token!;
      const anon = new TestClient(app, ctx);
      expect((await anon.json("GET", "/api/auth/me", { token })).status).toBe(200);
      ctx.db.delete(sessions).run();
      // Within the TTL the cached principal may still answer; after it, never.
      await Bun.sleep(PRINCIPAL_TTL_MS + 50);
      expect((await anon.json("GET", "/api/auth/me", { token })).status).toBe(401);
    },
    SLOW,
  );

  test(
    "logout-all from one session ends a cached one at once",
    async () => {
      const { client, app, ctx } = testApp();
      await setup(client);
      const other = new TestClient(app, ctx);
      await other.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } });
      expect((await other.json("GET", "/api/auth/me")).status).toBe(200);
      expect((await client.json("POST", "/api/auth/logout-all")).status).toBe(200);
      expect((await other.json("GET", "/api/auth/me")).status).toBe(401);
    },
    SLOW,
  );

  test(
    "last_seen_at is written on the first request, not on every one",
    async () => {
      const { client, ctx } = testApp();
      await setup(client);
      const seen = () => ctx.db.select({ at: sessions.lastSeenAt }).from(sessions).where(eq(sessions.userId, 1)).get()?.at;
      await client.json("GET", "/api/auth/me");
      await Bun.sleep(20); // afterResponse runs after the answer
      const first = seen();
      await Bun.sleep(5);
      await client.json("GET", "/api/auth/me");
      await Bun.sleep(20);
      expect(seen()).toBe(first);
    },
    SLOW,
  );
});

describe("system tool lookup", () => {
  test("sbin folders are always searched, after the caller's PATH and without duplicates", () => {
    expect(toolPath("/home/u/bin:/usr/bin:/bin")).toBe("/home/u/bin:/usr/bin:/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin");
    expect(toolPath(undefined)).toBe("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  });
});
