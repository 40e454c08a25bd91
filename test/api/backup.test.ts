// GET /api/system/backup on a real file database: a valid, consistent SQLite copy, streamed with
// a dated filename, and no temp file left in the data folder.
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { runLogs, runs } from "../../src/db/schema.ts";
import { backupFilename } from "../../src/system/backup.ts";
import { testConfig } from "../helpers/app.ts";
import { insertJob, signedIn } from "../schedules/helpers.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function fileApp() {
  const { dataDir } = testConfig();
  dirs.push(dataDir);
  const t = await signedIn({ dbPath: join(dataDir, "dynamight.db"), config: { dataDir } });
  return { ...t, dataDir };
}

describe("GET /api/system/backup", () => {
  test("streams a consistent copy with a dated filename and leaves no temp file", async () => {
    const { api, ctx, dataDir, client, key } = await fileApp();
    const job = insertJob(ctx.db, { name: "Backed up" });
    const run = ctx.db.insert(runs).values({ jobId: job.id, status: "completed", trigger: "manual" }).returning().get();
    const many = Array.from({ length: 2000 }, (_, i) => ({ runId: run.id, timestamp: new Date().toISOString(), level: "info" as const, message: `line ${i} ${"x".repeat(100)}` }));
    ctx.db.insert(runLogs).values(many).run();
    const before = readdirSync(dataDir).sort();

    const res = await client.request("GET", "/api/system/backup", { headers: { "x-api-key": key } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    const disposition = res.headers.get("content-disposition")!;
    expect(disposition).toMatch(/^attachment; filename="dynamight-backup-\d{4}-\d\d-\d\dT\d{6}Z\.db"$/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Number(res.headers.get("content-length"))).toBe(bytes.length);
    expect(new TextDecoder().decode(bytes.subarray(0, 15))).toBe("SQLite format 3");
    expect(bytes.length).toBeGreaterThan(256 * 1024); // more than one chunk of the stream

    const copy = Database.deserialize(bytes);
    expect(copy.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    expect(copy.query("SELECT name FROM jobs").all()).toEqual([{ name: "Backed up" }]);
    expect(copy.query("SELECT count(*) AS n FROM run_logs").get()).toEqual({ n: 2000 });
    copy.close();

    expect(readdirSync(dataDir).sort()).toEqual(before);
    expect(readdirSync(dataDir).some((f) => f.includes("backup"))).toBe(false);
    // The source database is untouched and still writable.
    expect((await api("PUT", "/api/settings", { theme: "dark" })).status).toBe(200);
  });

  test("an abandoned download leaves nothing behind either", async () => {
    const { client, key, dataDir } = await fileApp();
    const before = readdirSync(dataDir).sort();
    const res = await client.request("GET", "/api/system/backup", { headers: { "x-api-key": key } });
    await res.body!.cancel();
    expect(readdirSync(dataDir).sort()).toEqual(before);
  });

  test("needs a session or a write key: 401 without, 403 for a read-only key", async () => {
    const { client, readKey } = await fileApp();
    expect((await client.json("GET", "/api/system/backup")).status).toBe(401);
    const res = await client.json("GET", "/api/system/backup", { headers: { "x-api-key": readKey } });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe("Forbidden");
  });

  test("filename has no colons", () => {
    expect(backupFilename(new Date("2026-01-05T02:03:04.567Z"))).toBe("dynamight-backup-2026-01-05T020304Z.db");
  });
});
