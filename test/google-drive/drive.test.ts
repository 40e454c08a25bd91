// Google Drive end to end: jobs run by the real engine through googleapis against the Drive v3
// fake, tokens from the token endpoint fake (test/fakes). What users of other tools hit is what
// is checked: tokens that expire mid-run, rotated refresh tokens, revoked grants, duplicates,
// broken chunks, throttling, a folder_id that does not exist, shared drives.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { open } from "../../src/crypto/seal.ts";
import { DriveStore } from "../../src/destinations/google-drive/store.ts";
import { OAuthTokenSource } from "../../src/destinations/oauth/token-source.ts";
import { type DriveFake, startDriveFake } from "../fakes/google-drive.ts";
import { type OAuthFake, type OAuthFakeOptions, startOAuthFake } from "../fakes/oauth.ts";
import { receiver } from "../notifications/helpers.ts";
import { RecordingReporter, tempDir, writeBigFile, writeTree } from "../remote/harness.ts";
import { signedIn } from "../schedules/helpers.ts";

const savedEnv = { ...process.env };
const fakes: { stop(): unknown }[] = [];
afterAll(async () => {
  for (const f of fakes) await f.stop();
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
});

async function fakesWith(o: Partial<OAuthFakeOptions> = {}, pageSize = 3): Promise<{ oauth: OAuthFake; drive: DriveFake }> {
  const oauth = await startOAuthFake({ provider: "google", ...o });
  const drive = await startDriveFake({ oauth, maxPageSize: pageSize });
  fakes.push(oauth, drive);
  Object.assign(process.env, oauth.env, drive.env);
  return { oauth, drive };
}

type App = Awaited<ReturnType<typeof signedIn>>;
const apps: App[] = [];
afterAll(async () => {
  for (const a of apps) await a.services.stop();
});
async function app() {
  const t = await signedIn();
  apps.push(t);
  return t;
}

async function credential(t: App, oauth: OAuthFake, data: Record<string, unknown> = {}) {
  const res = await t.api("POST", "/api/credentials", { name: "Drive", provider_type: "google_drive", data: { ...oauth.issue(), ...data } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}

async function job(t: App, credentialId: number, sources: string[], config: Record<string, unknown>, sync: Record<string, unknown> = {}) {
  const res = await t.api("POST", "/api/jobs", {
    name: `Drive ${Math.random().toString(36).slice(2, 7)}`,
    source_dirs: sources,
    destination_type: "google_drive",
    destination_config: config,
    credential_id: credentialId,
    // A mirror (versions off): these tests look at deletions going to the trash.
    sync_options: { delete_extraneous: true, keep_versions_days: null, ...sync },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as number;
}

async function run(t: App, jobId: number) {
  const started = await t.api("POST", `/api/jobs/${jobId}/run`);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await t.services.engine.waitFor(started.body.run_id);
  const r = (await t.api("GET", `/api/runs/${started.body.run_id}`)).body;
  const logs = (await t.api("GET", `/api/runs/${started.body.run_id}/logs?limit=1000`)).body;
  const lines: string[] = (Array.isArray(logs) ? logs : (logs.items ?? logs.logs ?? [])).map((l: { message: string }) => l.message);
  return { ...r, lines };
}

const sealed = (t: App, id: number) => {
  const raw = t.ctx.db.$client.query<{ data: string }, [number]>("SELECT data FROM credentials WHERE id = ?").get(id)!.data;
  return JSON.parse(open(t.ctx.secret, raw, `credential:${id}`)) as Record<string, string>;
};
const md5 = (b: Buffer | string) => createHash("md5").update(b).digest("hex");

describe("google_drive destination", () => {
  let oauth: OAuthFake;
  let drive: DriveFake;
  beforeAll(async () => {
    ({ oauth, drive } = await fakesWith());
  });

  test("listed as built; a first run uploads with mtimes, a no-change run transfers nothing, deletions go to the trash", async () => {
    const t = await app();
    const types = (await t.api("GET", "/api/providers")).body;
    expect(types.find((p: { type: string }) => p.type === "google_drive")).toMatchObject({ sync_implemented: true, requires_credentials: true });
    const folder = drive.createFolder("root", "Backups");
    const src = join(tempDir("gd-src"), "docs");
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) files[`f${i}.txt`] = `file ${i}`;
    files["sub/deep/x.bin"] = "deep";
    files['it\'s "quoted" \\ name.txt'] = "quotes";
    writeTree(src, files);
    const c = await credential(t, oauth);
    const j = await job(t, c, [src], { folder_id: folder, full_compare: true });

    const first = await run(t, j);
    expect(first.status, first.error_message).toBe("completed");
    expect(first.files_transferred).toBe(14);
    const tree = drive.tree(folder);
    expect(tree["docs/f3.txt"]).toMatchObject({ size: 6, md5: md5("file 3"), modifiedTime: new Date(1_700_000_000_000).toISOString() });
    expect(tree['docs/it\'s "quoted" \\ name.txt']?.md5).toBe(md5("quotes"));
    expect(tree["docs/sub/deep"]?.size).toBe(-1);

    // full_compare: the listing (small pages, nextPageToken) is compared by mtime and size.
    drive.resetStats();
    const second = await run(t, j);
    expect(second.status).toBe("completed");
    expect([second.files_transferred, second.bytes_transferred]).toEqual([0, 0]);
    expect(drive.stats.bytesReceived).toBe(0);
    expect(drive.stats.byKind.list).toBeGreaterThan(5);

    writeFileSync(join(src, "f1.txt"), "changed");
    const { rmSync } = await import("node:fs");
    rmSync(join(src, "f2.txt"));
    const third = await run(t, j);
    expect([third.status, third.files_transferred, third.files_deleted]).toEqual(["completed", 1, 1]);
    expect(drive.tree(folder)["docs/f1.txt"]?.md5).toBe(md5("changed"));
    expect(drive.tree(folder)["docs/f2.txt"]).toBeUndefined();
    expect(drive.trashed().map((i) => i.name)).toContain("f2.txt");
  });

  test("connection test: the folder's name when writable; a missing folder_id is 'folder not found' in the test and the run", async () => {
    const t = await app();
    const c = await credential(t, oauth);
    const folder = drive.createFolder("root", "Photos");
    const ok = await t.api("POST", "/api/providers/test", { destination_type: "google_drive", destination_config: { folder_id: folder }, credential_id: c });
    expect(ok.body).toMatchObject({ success: true, message: "Connected to Google Drive; folder 'Photos' is writable." });
    const root = await t.api("POST", "/api/providers/test", { destination_type: "google_drive", destination_config: { folder_id: "root" }, credential_id: c });
    expect(root.body.message).toBe("Connected to Google Drive; folder 'My Drive' is writable.");
    const missing = await t.api("POST", "/api/providers/test", { destination_type: "google_drive", destination_config: { folder_id: "1NoSuchFolderXyz" }, credential_id: c });
    expect(missing.body.success).toBe(false);
    expect(missing.body.message).toContain("folder not found");
    const ro = drive.createFolder("root", "Shared with me", { canAddChildren: false });
    const readOnly = await t.api("POST", "/api/providers/test", { destination_type: "google_drive", destination_config: { folder_id: ro }, credential_id: c });
    expect(readOnly.body).toMatchObject({ success: false });
    expect(readOnly.body.message).toContain("not writable");

    const src = join(tempDir("gd-src"), "docs");
    writeTree(src, { "a.txt": "a" });
    const r = await run(t, await job(t, c, [src], { folder_id: "1NoSuchFolderXyz" }));
    expect(r.status).toBe("failed");
    expect(r.error_message).toContain("folder not found");
    const bad = await t.api("POST", "/api/jobs", { name: "x", source_dirs: [src], destination_type: "google_drive", destination_config: { folder_id: "../etc" }, credential_id: c });
    expect(bad.body.message).toBe("Field 'destination_config.folder_id' must be a Drive ID (letters, digits, - and _) or root");
  });

  test("duplicates: a listing logs them; a write keeps one file with the new content and trashes the rest", async () => {
    const t = await app();
    const folder = drive.createFolder("root", "Dupes");
    const docs = drive.createFolder(folder, "docs");
    drive.addFile(docs, "same.txt", "old one", new Date(1_600_000_000_000));
    drive.addFile(docs, "same.txt", "newer one", new Date(1_650_000_000_000));
    drive.addFile(docs, "keep.txt", "k1", new Date(1_600_000_000_000));
    drive.addFile(docs, "keep.txt", "k2", new Date(1_700_000_000_000));
    const src = join(tempDir("gd-src"), "docs");
    writeTree(src, { "same.txt": "from the source", "keep.txt": "k2" });
    const c = await credential(t, oauth);
    const r = await run(t, await job(t, c, [src], { folder_id: folder, full_compare: true }));
    expect(r.status, r.error_message).toBe("completed");
    expect(r.lines.some((l: string) => /2 items named 'docs\/same.txt' in one folder/.test(l))).toBe(true);
    const names = Object.keys(drive.tree(folder)).sort();
    expect(names).toEqual(["docs", "docs/keep.txt", "docs/same.txt"]);
    expect(drive.tree(folder)["docs/same.txt"]?.md5).toBe(md5("from the source"));
    expect(drive.trashed().filter((i) => i.name === "same.txt").length).toBe(1);
  });

  test("throttling: 429 and 403 userRateLimitExceeded are waited out as Retry-After says, and logged as throttling", async () => {
    const t = await app();
    const folder = drive.createFolder("root", "Throttled");
    const src = join(tempDir("gd-src"), "docs");
    writeTree(src, { "a.txt": "a", "b.txt": "b" });
    const c = await credential(t, oauth);
    const j = await job(t, c, [src], { folder_id: folder });
    drive.controls.throttleNext = 2;
    drive.controls.retryAfterS = 1;
    const r = await run(t, j);
    expect(r.status, r.error_message).toBe("completed");
    expect(r.lines.filter((l: string) => /Google Drive is throttling \(429 rateLimitExceeded/.test(l) && /1\.0 s/.test(l)).length).toBe(2);
    writeTree(src, { "a.txt": "a2" }, 1_700_000_100);
    drive.controls.throttleStatus = 403;
    drive.controls.throttleNext = 1;
    try {
      const r2 = await run(t, j);
      expect(r2.status, r2.error_message).toBe("completed");
      expect(r2.lines.some((l: string) => l.includes("Google Drive is throttling (403 userRateLimitExceeded"))).toBe(true);
    } finally {
      drive.controls.throttleStatus = 429;
    }
    expect(drive.tree(folder)["docs/a.txt"]?.md5).toBe(md5("a2"));
  });

  test("a shared drive: items land in it (supportsAllDrives), its root when folder_id is empty", async () => {
    const t = await app();
    const sd = drive.createSharedDrive("Team");
    const src = join(tempDir("gd-src"), "team");
    writeTree(src, { "plan.txt": "plan", "sub/x.txt": "x" });
    const c = await credential(t, oauth);
    const j = await job(t, c, [src], { folder_id: "", shared_drive_id: sd, full_compare: true });
    const r = await run(t, j);
    expect(r.status, r.error_message).toBe("completed");
    const tree = drive.tree(sd);
    expect(Object.keys(tree).sort()).toEqual(["team", "team/plan.txt", "team/sub", "team/sub/x.txt"]);
    expect(drive.item(tree["team/plan.txt"]!.id)?.driveId).toBe(sd);
    expect((await run(t, j)).files_transferred).toBe(0);
  });
});

describe("tokens during runs", () => {
  test("a run that outlives three access-token lifetimes: refreshed on 401, each rotated refresh token saved", async () => {
    // The token dies after 600 ms but says it lives an hour: only the 401 path can save the run.
    const { oauth, drive } = await fakesWith({ accessTokenTtlMs: 600, reportedExpiresInS: 3600, rotateRefreshTokens: true });
    const t = await app();
    const folder = drive.createFolder("root", "Long");
    const src = join(tempDir("gd-src"), "docs");
    const files: Record<string, string> = {};
    for (let i = 0; i < 10; i++) files[`f${i}.bin`] = "z".repeat(30 * 1024);
    writeTree(src, files);
    const c = await credential(t, oauth);
    const first = sealed(t, c).refresh_token!;
    // 300 KiB at 100 KiB/s: about 3 s, five token lifetimes.
    const j = await job(t, c, [src], { folder_id: folder }, { bandwidth_limit_kbps: 100 });
    const started = Date.now();
    const r = await run(t, j);
    expect(r.status, r.error_message).toBe("completed");
    expect(Date.now() - started).toBeGreaterThan(3 * 600);
    expect(Object.keys(drive.tree(folder)).filter((p) => p.endsWith(".bin")).length).toBe(10);
    expect(drive.stats.unauthorized).toBeGreaterThanOrEqual(3);
    expect(oauth.stats.refreshes).toBeGreaterThanOrEqual(3);
    const saved = sealed(t, c);
    expect(saved.refresh_token).not.toBe(first);
    expect(oauth.refreshTokenValid(first)).toBe(false);
    // What is saved is the one refresh token the provider still accepts: the last one issued.
    expect(saved.refresh_token).toBe(oauth.stats.refreshTokens.at(-1)!);
    expect(oauth.refreshTokenValid(saved.refresh_token!)).toBe(true);
    expect(saved.client_id).toBe(oauth.clientId);
  });

  test("invalid_grant: the run fails with the SPEC words, needs_reconnect is set, reconnect_needed reaches a webhook", async () => {
    const { oauth, drive } = await fakesWith();
    const t = await app();
    const hook = receiver();
    try {
      const folder = drive.createFolder("root", "Revoked");
      const src = join(tempDir("gd-src"), "docs");
      writeTree(src, { "a.txt": "a" });
      const c = await credential(t, oauth, { expires_at: 1 });
      const j = await job(t, c, [src], { folder_id: folder });
      await t.api("POST", "/api/notifications", { name: "Hook", type: "webhook", config: { url: `${hook.url}/hook` }, events: ["reconnect_needed"] });
      oauth.controls.invalidGrant = true;
      const r = await run(t, j);
      expect(r.status).toBe("failed");
      expect(r.error_message).toContain("authorization expired or was revoked: reconnect the credential");
      expect((await t.api("GET", `/api/credentials/${c}`)).body.needs_reconnect).toBe(true);
      const end = Date.now() + 20_000;
      while (Date.now() < end && hook.got.length === 0) {
        await t.services.notifier.flush();
        await Bun.sleep(50);
      }
      expect(hook.got.length).toBe(1);
      const body = JSON.parse(hook.got[0]!.body);
      expect(body).toMatchObject({ event: "reconnect_needed", run_id: r.id, reason: "authorization expired or was revoked: reconnect the credential" });
      // Reconnecting (new data) clears it and the next run works.
      oauth.controls.invalidGrant = false;
      await t.api("PUT", `/api/credentials/${c}`, { data: oauth.issue() });
      expect((await t.api("GET", `/api/credentials/${c}`)).body.needs_reconnect).toBe(false);
      expect((await run(t, j)).status).toBe("completed");
    } finally {
      hook.stop();
    }
  });
});

describe("resumable uploads", () => {
  test("a connection reset in the middle of a chunk resumes at the server's offset; a 503 chunk too", async () => {
    const { oauth, drive } = await fakesWith();
    const folder = drive.createFolder("root", "Big");
    const seed = oauth.issue();
    const lines: string[] = [];
    const store = new DriveStore({
      folderId: folder,
      sharedDriveId: null,
      tokens: new OAuthTokenSource("google", { ...seed, expires_at: String(seed.expires_at) }),
      apiUrl: drive.url,
      chunkSize: 1024 * 1024,
      log: (_l, m) => lines.push(m),
    });
    await store.init();
    const dir = tempDir("gd-big");
    const path = join(dir, "big.bin");
    const size = 5 * 1024 * 1024 + 12_345;
    await writeBigFile(path, size);
    const data = readFileSync(path);
    const { createReadStream } = await import("node:fs");
    const source = {
      open: () => createReadStream(path),
      readAll: async () => readFileSync(path),
      openRange: (s: number, e: number) => createReadStream(path, { start: s, end: e }),
      size,
      mtime: 1_700_000_000_000,
      mtimeNs: 1_700_000_000_000_000_000n,
      localPath: path,
    };
    drive.resetStats();
    drive.controls.resetAtOffset = 1024 * 1024 + 300_000; // inside the second chunk
    drive.controls.failNextChunks = 0;
    const put = await store.put("big.bin", source, new AbortController().signal);
    expect(put.mtime).toBe(1_700_000_000_000);
    expect(drive.stats.resets).toBe(1);
    expect(drive.stats.statusQueries, JSON.stringify({ lines, stats: drive.stats })).toBeGreaterThanOrEqual(1);
    // Resumed, not restarted: what was sent is the file plus at most the part of one chunk the server dropped.
    expect(drive.stats.bytesReceived).toBeLessThan(size + 1024 * 1024);
    expect(drive.tree(folder)["big.bin"]).toMatchObject({ size, md5: md5(data) });
    expect(lines.some((l) => l.includes("the connection broke") && l.includes("resuming from the server's offset"))).toBe(true);

    drive.resetStats();
    writeFileSync(path, Buffer.alloc(size, 7));
    drive.controls.failNextChunks = 2;
    await store.put("big.bin", { ...source, mtime: 1_700_000_001_000 }, new AbortController().signal);
    expect(drive.tree(folder)["big.bin"]?.md5).toBe(md5(Buffer.alloc(size, 7)));
    // One file, a new version of it (PATCH): no duplicate.
    expect(Object.keys(drive.tree(folder))).toEqual(["big.bin"]);
    expect(drive.stats.bytesReceived).toBeLessThan(size + 2 * 1024 * 1024);
    await store.close();
  });

  test("chunk size must be a multiple of 256 KiB", () => {
    expect(() => new DriveStore({ folderId: "root", sharedDriveId: null, tokens: { accessToken: async () => "x", invalidate() {} }, apiUrl: "http://127.0.0.1:1", chunkSize: 300_000 })).toThrow(
      "multiple of 256 KiB",
    );
  });
});

void RecordingReporter;
