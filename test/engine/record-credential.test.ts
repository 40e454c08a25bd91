// What a sync gets from the app through its request: the record on the app's own database (no
// file name or migration in the engine), and updateCredential, which seals refreshed data.
import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCredential, openCredentialData, saveCredentialData } from "../../src/credentials/service.ts";
import { openDatabase } from "../../src/db/client.ts";
import { recordDb } from "../../src/db/record.ts";
import { DestinationError } from "../../src/destinations/contract.ts";
import { RemoteRecord } from "../../src/destinations/engine/record.ts";
import { testContext } from "../helpers/app.ts";

const entry = (path: string) => ({ path, size: 3, mtime: 1_700_000_000_000, remoteId: null, serverTime: null, uploadedAt: Date.now() });

describe("the mirror engine's record", () => {
  test("lives in the app's database file: the engine writes there, and no other file appears", () => {
    const dir = mkdtempSync(join(tmpdir(), "dm-record-"));
    const appFile = join(dir, "elsewhere.db");
    const db = openDatabase(appFile);
    const other = mkdtempSync(join(tmpdir(), "dm-record-data-"));
    const record = RemoteRecord.open(recordDb(db, other), "store-a");
    record.begin("docs");
    record.put(entry("docs/a.txt"));
    record.finish("docs", true);
    record.close();
    const rows = db.$client.query("SELECT store_key, path FROM remote_index").all();
    expect(rows).toEqual([{ store_key: "store-a", path: "docs/a.txt" }]);
    expect(existsSync(join(other, "dynamight.db"))).toBe(false);
    // A second run reads back what the first wrote.
    const again = RemoteRecord.open(recordDb(db, other), "store-a");
    expect(again.state("docs").complete).toBe(true);
    expect([...again.entries("docs")].map((e) => e.path)).toEqual(["docs/a.txt"]);
    again.close();
    db.$client.close();
  });

  test("an app database in memory (tests) keeps its record in the data folder's file, migrated by the app side", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dm-record-mem-"));
    const record = RemoteRecord.open(recordDb(openDatabase(":memory:"), dataDir), "store-b");
    record.put(entry("x/y"));
    record.close();
    expect(existsSync(join(dataDir, "dynamight.db"))).toBe(true);
  });
});

describe("updateCredential (saveCredentialData)", () => {
  test("seals the refreshed data, checked by the credential's type; the next read gets it", () => {
    const ctx = testContext();
    const cred = createCredential(ctx.db, ctx.secret, { name: "s3", provider_type: "s3", data: { access_key_id: "old", secret_access_key: "old-secret" } });
    saveCredentialData(ctx.db, ctx.secret, cred.id, { access_key_id: "new", secret_access_key: "new-secret" });
    expect(openCredentialData(ctx.db, ctx.secret, cred.id)).toEqual({ access_key_id: "new", secret_access_key: "new-secret" });
    // Sealed at rest: the stored text is not the secret.
    const stored = ctx.db.$client.query("SELECT data FROM credentials WHERE id = ?").get(cred.id) as { data: string };
    expect(stored.data).not.toContain("new-secret");
  });

  test("data its type refuses, or a credential that is gone, fail the run's way and keep what was stored", () => {
    const ctx = testContext();
    const cred = createCredential(ctx.db, ctx.secret, { name: "s3", provider_type: "s3", data: { access_key_id: "keep", secret_access_key: "keep-secret" } });
    expect(() => saveCredentialData(ctx.db, ctx.secret, cred.id, { access_key_id: "only-half" })).toThrow(DestinationError);
    expect(openCredentialData(ctx.db, ctx.secret, cred.id)).toEqual({ access_key_id: "keep", secret_access_key: "keep-secret" });
    let gone: unknown;
    try {
      saveCredentialData(ctx.db, ctx.secret, 9999, { access_key_id: "a", secret_access_key: "b" });
    } catch (err) {
      gone = err;
    }
    expect(gone).toBeInstanceOf(DestinationError);
    expect((gone as DestinationError).kind).toBe("config");
  });
});
