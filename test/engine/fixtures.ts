// Shared by the engine and API tests: an app with a signed-in API key, and real temp trees.

import { afterAll } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { hashApiKey } from "../../src/auth/guard.ts";
import { apiKeys, users } from "../../src/db/schema.ts";
import { type TestContextOptions, testApp } from "../helpers/app.ts";

/** testApp() plus a write API key sent on every request: `api(method, path, body?)`. */
export async function authedApp(opts: TestContextOptions = {}) {
  const t = testApp(opts);
  const user = t.ctx.db.insert(users).values({ username: "admin", passwordHash: "x" }).returning().get();
  const key = "dm_test_" + crypto.randomUUID();
  t.ctx.db
    .insert(apiKeys)
    .values({ userId: user.id, name: "tests", prefix: key.slice(0, 8), keyHash: await hashApiKey(key), scope: "write" })
    .run();
  const api = <T = any>(method: string, path: string, body?: unknown) => t.client.json<T>(method, path, { body, headers: { "x-api-key": key } });
  return { ...t, api, key };
}

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh temp folder removed after the file's tests. */
export function tempDir(prefix = "dm-eng-"): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Writes files (relative path → content) under root. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>) {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

export function localJob(sources: string[], mountPoint: string, extra: { sync_options?: Record<string, unknown>; backup_subdir?: string; name?: string } = {}) {
  return {
    name: extra.name ?? "Local job",
    description: "test",
    source_dirs: sources,
    destination_type: "local",
    destination_config: { mount_point: mountPoint, backup_subdir: extra.backup_subdir ?? "backups", auto_mount: false, auto_unmount: false },
    sync_options: extra.sync_options ?? {},
  };
}
