// The OneDrive destination end to end on the Graph fake (test/fakes/graph.ts) and the Microsoft
// token endpoint fake (test/fakes/oauth.ts, rotating refresh tokens), through the same mirror
// engine as every remote type: what a run writes, what a no-change run does not, deletions to the
// recycle bin, names OneDrive refuses, drive_id, a missing folder, throttling, a run that outlives
// three access tokens, and upload sessions resumed after a broken fragment.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createReadStream, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { PutSource, RemoteEntry } from "../../src/destinations/contract.ts";
import { RECONNECT_MESSAGE } from "../../src/destinations/oauth/client.ts";
import { type OnedriveConfig, onedriveDestination } from "../../src/destinations/onedrive/destination.ts";
import { quickXorHash } from "../../src/destinations/onedrive/quickxor.ts";
import { OnedriveStore } from "../../src/destinations/onedrive/store.ts";
import { destinationFor } from "../../src/destinations/registry.ts";
import { FRAGMENT_UNIT, type GraphFake, startGraphFake } from "../fakes/graph.ts";
import { type OAuthFake, startOAuthFake } from "../fakes/oauth.ts";
import { syncRequest, tempDir, writeBigFile, writeTree } from "../remote/harness.ts";

let graph: GraphFake;
let oauth: OAuthFake;
/** A Microsoft credential as the flows save it (strings), fresh from the token fake. */
let credential: Record<string, string>;
const strings = (o: Record<string, string | number | undefined>) =>
  Object.fromEntries(
    Object.entries(o)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  );
const never = () => new AbortController().signal;
const config = (over: Partial<OnedriveConfig> = {}): OnedriveConfig => onedriveDestination.parseConfig({ folder_path: "/Backups", ...over });

const savedEnv = { ...process.env };
beforeAll(async () => {
  oauth = await startOAuthFake({ provider: "microsoft", rotateRefreshTokens: true });
  Object.assign(process.env, oauth.env);
  // Graph accepts exactly the access tokens the token fake issued and that have not expired.
  graph = await startGraphFake({ validateToken: (t) => oauth.validate(`Bearer ${t}`) === "ok" });
  process.env.DYNAMIGHT_GRAPH_URL = graph.url;
  graph.mkdirs("Backups");
  credential = strings(oauth.issue());
});
afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  await graph.close();
  oauth.stop();
});

const writes = (from: number) => graph.requests.slice(from).filter((r) => r.method !== "GET");

describe("OneDrive destination", () => {
  test("is built: sync_implemented, checksums, the registry's entry", () => {
    const d = destinationFor("onedrive");
    expect(d.capabilities.sync_implemented).toBe(true);
    expect(d.capabilities.supports_checksum).toBe(true);
    expect(typeof d.sync).toBe("function");
    expect(typeof d.test).toBe("function");
  });

  test("config: folder_path required, '..' refused, drive_id checked", () => {
    expect(() => onedriveDestination.parseConfig({})).toThrow(/folder_path/);
    expect(() => onedriveDestination.parseConfig({ folder_path: "/a/../b" })).toThrow(/folder_path/);
    expect(() => onedriveDestination.parseConfig({ folder_path: "/a", drive_id: "not a drive/id" })).toThrow(/drive_id/);
    expect(onedriveDestination.parseConfig({ folder_path: "/a", drive_id: "b!AbC-_9" }).drive_id).toBe("b!AbC-_9");
  });

  test("first run uploads with mtimes; a no-change run transfers nothing; deletions go to the recycle bin", async () => {
    const src = join(tempDir("od-src"), "photos");
    writeTree(src, { "a.txt": "alpha", "sub/b.txt": "bravo", "sub/deep/c.bin": 5000, "empty.txt": "" });
    const data = tempDir("od-data");
    const first = syncRequest(config(), credential, [src], data, { delete_extraneous: true });
    const r1 = await onedriveDestination.sync!(first);
    expect(r1.filesTransferred).toBe(4);
    const files = graph.files();
    expect([...files.keys()].filter((p) => p.startsWith("Backups/photos/")).sort()).toEqual([
      "Backups/photos/a.txt",
      "Backups/photos/empty.txt",
      "Backups/photos/sub/b.txt",
      "Backups/photos/sub/deep/c.bin",
    ]);
    // fileSystemInfo carries the source mtime (whole seconds, as OneDrive keeps it).
    for (const f of ["a.txt", "empty.txt", "sub/deep/c.bin"]) expect(graph.itemAt(`Backups/photos/${f}`)!.fsModified).toBe(1_700_000_000_000);
    expect(graph.itemAt("Backups/photos/sub/deep/c.bin")!.quickXorHash).toBe(quickXorHash(Buffer.alloc(5000, 0x61)));

    // No change, with the record and with a full listing: not one write request.
    for (const full_compare of [false, true]) {
      const before = graph.requests.length;
      const r = await onedriveDestination.sync!(syncRequest(config({ full_compare }), credential, [src], data, { delete_extraneous: true }));
      expect(r.filesTransferred).toBe(0);
      expect(writes(before)).toEqual([]);
    }

    rmSync(join(src, "sub/b.txt"));
    const r3 = await onedriveDestination.sync!(syncRequest(config({ full_compare: true }), credential, [src], data, { delete_extraneous: true }));
    expect(r3.filesDeleted).toBe(1);
    expect(graph.itemAt("Backups/photos/sub/b.txt")).toBeNull();
    expect(graph.recycleBin.some((it) => it.name === "b.txt" && !it.folder)).toBe(true);
  });

  test("names OneDrive refuses are stored encoded as rclone does, listed and compared decoded", async () => {
    const src = join(tempDir("od-names"), "odd");
    const names = ["a:b?.txt", "star*.txt", "trailing dot.", " leading space", "trailing space ", 'q"<>|.txt', "back\\slash"];
    writeTree(src, Object.fromEntries(names.map((n) => [`dir:x/${n}`, n])));
    const data = tempDir("od-data");
    const req1 = syncRequest(config(), credential, [src], data);
    const r1 = await onedriveDestination.sync!(req1);
    expect(r1.filesTransferred).toBe(names.length);
    expect(req1.report.lines.filter((l) => l.level !== "info")).toEqual([]);
    expect(graph.namesIn("Backups/odd")).toEqual(["dir：x"]);
    expect(graph.namesIn("Backups/odd/dir：x").sort()).toEqual(["a：b？.txt", "star＊.txt", "trailing dot．", "␠leading space", "trailing space␠", "q＂＜＞｜.txt", "back＼slash"].sort());
    const store = (await onedriveDestination.openStore!(config(), credential, { dataDir: null, purpose: "sync" })) as OnedriveStore;
    const listed: RemoteEntry[] = [];
    for await (const e of store.list("odd", never())) listed.push(e);
    expect(listed.map((e) => e.path).sort()).toEqual(names.map((n) => `odd/dir:x/${n}`).sort());
    expect((await readAll(await store.open("odd/dir:x/a:b?.txt", never()))).toString()).toBe("a:b?.txt");
    const before = graph.requests.length;
    const r2 = await onedriveDestination.sync!(syncRequest(config({ full_compare: true }), credential, [src], data));
    expect(r2.filesTransferred).toBe(0);
    expect(writes(before)).toEqual([]);
  });

  test("the fake refuses what Graph refuses, in Graph's words (so the encoding is needed, not decorative)", async () => {
    for (const name of ["a:b", "q?", "trailing.", "trailing ", " leading", 'x"y']) {
      const res = await fetch(`${graph.url}/v1.0/me/drive/root:/Backups:/children`, {
        method: "POST",
        headers: { authorization: `Bearer ${credential.access_token}`, "content-type": "application/json" },
        body: JSON.stringify({ name, folder: {}, "@microsoft.graph.conflictBehavior": "fail" }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { code: string; innerError: { code: string } } };
      expect(body.error.code).toBe("invalidRequest");
      expect(body.error.innerError.code).toBe("nameContainsInvalidCharacters");
    }
  });

  test("drive_id: the files go to that drive, not the user's own", async () => {
    graph.addDrive("b!second-Drive_1");
    graph.mkdirs("Shared", "b!second-Drive_1");
    const src = join(tempDir("od-drive"), "team");
    writeTree(src, { "plan.md": "# plan" });
    const r = await onedriveDestination.sync!(syncRequest(config({ folder_path: "/Shared", drive_id: "b!second-Drive_1" }), credential, [src], tempDir("od-data")));
    expect(r.filesTransferred).toBe(1);
    expect(graph.itemAt("Shared/team/plan.md", "b!second-Drive_1")?.size).toBe(6);
    expect(graph.itemAt("Shared/team/plan.md")).toBeNull();
    // folder_path "/": the drive's top.
    const top = await onedriveDestination.sync!(syncRequest(config({ folder_path: "/", drive_id: "b!second-Drive_1" }), credential, [src], tempDir("od-data")));
    expect(top.filesTransferred).toBe(1);
    expect(graph.itemAt("team/plan.md", "b!second-Drive_1")?.size).toBe(6);
  });

  test("a missing folder fails the test and the run with 'folder not found'", async () => {
    const res = await onedriveDestination.test!(config({ folder_path: "/No/Such/Folder" }), credential, never());
    expect(res.success).toBe(false);
    expect(res.message).toContain("folder not found");
    const src = join(tempDir("od-missing"), "s");
    writeTree(src, { "x.txt": "x" });
    await expect(onedriveDestination.sync!(syncRequest(config({ folder_path: "/No/Such/Folder" }), credential, [src], tempDir("od-data")))).rejects.toThrow(/folder not found/);
    expect(graph.itemAt("No")).toBeNull();
    const noDrive = await onedriveDestination.test!(config({ drive_id: "b!no-such-drive" }), credential, never());
    expect(noDrive.success).toBe(false);
    expect(noDrive.message).toContain("drive not found");
    expect(noDrive.details).toEqual({ kind: "not_found" });
  });

  test("connection test: the folder exists and is writable (the probe goes to the recycle bin)", async () => {
    const ok = await onedriveDestination.test!(config(), credential, never());
    expect(ok.success).toBe(true);
    expect(ok.message).toContain("writable");
    expect(graph.namesIn("Backups").some((n) => n.startsWith(".dynamight-write-test-"))).toBe(false);
    expect(graph.recycleBin.some((it) => it.name.startsWith(".dynamight-write-test-"))).toBe(true);
  });

  test("an access token Graph refuses (401) is refreshed once, the rotated refresh token saved before use", async () => {
    const seed = strings(oauth.issue());
    const saved: Record<string, string>[] = [];
    const refreshes = oauth.stats.refreshes;
    // Looks valid for an hour, but Graph does not know it (revoked, or cut short by the tenant).
    const res = await onedriveDestination.test!(config(), { ...seed, access_token: "EwB.revoked-early" }, never(), { updateCredential: async (d) => void saved.push(d) });
    expect(res.success).toBe(true);
    expect(oauth.stats.refreshes).toBe(refreshes + 1);
    expect(saved.length).toBe(1);
    expect(saved[0]!.refresh_token).not.toBe(seed.refresh_token);
    expect(oauth.refreshTokenValid(saved[0]!.refresh_token!)).toBe(true);
    expect(oauth.refreshTokenValid(seed.refresh_token!)).toBe(false);
  });

  test("a revoked grant (invalid_grant) fails the test asking to reconnect, and says so to the credential", async () => {
    const seed = strings(oauth.issue());
    const heard: string[] = [];
    oauth.controls.invalidGrant = true;
    try {
      const res = await onedriveDestination.test!(config(), { ...seed, access_token: "EwB.expired", expires_at: "1" }, never(), { reconnectNeeded: (m) => void heard.push(m) });
      expect(res.success).toBe(false);
      expect(res.message).toBe(RECONNECT_MESSAGE);
      expect(heard).toEqual([RECONNECT_MESSAGE]);
    } finally {
      oauth.controls.invalidGrant = false;
    }
  });

  test("a run that outlives three access-token lifetimes: refreshed on each 401, every rotated refresh token written back", async () => {
    // Tokens die after 1 s although they claim an hour: only the 401 path can keep the run alive.
    const fake = await startOAuthFake({ provider: "microsoft", rotateRefreshTokens: true, accessTokenTtlMs: 1000, reportedExpiresInS: 3600 });
    const env = { ...process.env };
    Object.assign(process.env, fake.env);
    graph.setTokenValidator((t) => fake.validate(`Bearer ${t}`) === "ok");
    try {
      const src = join(tempDir("od-long"), "long");
      writeTree(src, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${String(i).padStart(2, "0")}.bin`, 1024])));
      let current = strings(fake.issue());
      const saved: Record<string, string>[] = [];
      // 20 KiB at 2 KiB/s: about 10 s; uploads ask for a token in bursts of four, every 2 s or so.
      const req = syncRequest(config(), current, [src], tempDir("od-data"), { bandwidth_limit_kbps: 2 });
      req.updateCredential = async (d) => {
        saved.push(d);
        current = d;
      };
      const started = Date.now();
      const r = await onedriveDestination.sync!(req);
      expect(Date.now() - started).toBeGreaterThan(3 * 1000);
      expect(r.filesTransferred).toBe(20);
      expect(fake.stats.refreshes).toBeGreaterThanOrEqual(3);
      expect(saved.length).toBe(fake.stats.refreshes);
      // What was written back last is the one refresh token still alive; every earlier one is dead.
      const issued = fake.stats.refreshTokens;
      expect(current.refresh_token).toBe(issued.at(-1)!);
      for (const old of issued.slice(0, -1)) expect(fake.refreshTokenValid(old)).toBe(false);
      expect(req.report.lines.filter((l) => l.level === "error")).toEqual([]);
      // The next run starts from what was saved.
      const again = await onedriveDestination.sync!(syncRequest(config({ full_compare: true }), current, [src], tempDir("od-data2")));
      expect(again.filesTransferred).toBe(0);
    } finally {
      graph.setTokenValidator((t) => oauth.validate(`Bearer ${t}`) === "ok");
      Object.assign(process.env, env);
      fake.stop();
    }
  }, 60_000);

  test("429 with Retry-After: the store waits as asked and the log says OneDrive is throttling", async () => {
    const src = join(tempDir("od-throttle"), "t");
    writeTree(src, { "one.txt": "1", "two.txt": "2" });
    graph.inject({ method: "GET", path: /\/children$/, status: 429, retryAfter: 1, times: 2 });
    const req = syncRequest(config({ full_compare: true }), credential, [src], tempDir("od-data"));
    const started = Date.now();
    const r = await onedriveDestination.sync!(req);
    expect(r.filesTransferred).toBe(2);
    const throttled = req.report.lines.filter((l) => l.message.includes("OneDrive is throttling requests (429)"));
    expect(throttled.length).toBe(2);
    expect(throttled[0]!.message).toContain("waiting 1.0 s as it asked (Retry-After)");
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });
});

describe("upload sessions", () => {
  let dir: string;
  const store = () =>
    new OnedriveStore({
      graphUrl: graph.url,
      driveId: null,
      folderPath: "/Backups",
      tokens: { accessToken: async () => credential.access_token!, invalidate() {} },
      chunkSize: 2 * FRAGMENT_UNIT,
      log: (level, message) => logs.push(`${level}: ${message}`),
    });
  const logs: string[] = [];
  beforeAll(() => {
    dir = tempDir("od-sessions");
  });

  function source(path: string, mtime = 1_650_000_000_000): PutSource {
    const size = readFileSync(path).length;
    return {
      open: () => createReadStream(path),
      readAll: () => readFile(path),
      openRange: (start, end) => createReadStream(path, { start, end }),
      size,
      mtime,
      mtimeNs: BigInt(mtime) * 1_000_000n,
      localPath: path,
    };
  }

  test("fragments are multiples of 320 KiB; a reset mid-fragment resumes at the server's offset, not from 0", async () => {
    const file = join(dir, "big.bin");
    await writeBigFile(file, 3 * 1024 * 1024 + 12_345);
    const s = store();
    // The second fragment breaks after 400 KiB: the fake keeps one 320 KiB unit of it.
    graph.inject({ method: "PUT", path: /^\/upload\//, resetAfterBytes: 400 * 1024, times: 1 });
    const firstFragment = graph.fragments.length;
    await s.put("sessions/big.bin", source(file), never());
    const frags = graph.fragments.slice(firstFragment);
    expect(frags[0]).toMatchObject({ start: 0, outcome: "reset", kept: FRAGMENT_UNIT });
    // What the server accepted starts where it said it was (inside the broken fragment) and runs
    // on without a gap or an overlap: the upload went on from there, it did not start again.
    // (Bun's fetch may resend the broken request once by itself; the fake refuses it with 416.)
    const accepted = frags.filter((f) => f.outcome === "accepted");
    expect(accepted[0]!.start).toBe(FRAGMENT_UNIT);
    for (let i = 1; i < accepted.length; i++) expect(accepted[i]!.start).toBe(accepted[i - 1]!.end + 1);
    expect(accepted.at(-1)!.end).toBe(3 * 1024 * 1024 + 12_345 - 1);
    for (const f of frags.filter((f) => f.end + 1 < f.total)) expect((f.end - f.start + 1) % FRAGMENT_UNIT).toBe(0);
    expect(logs.some((l) => l.includes(`resuming the upload at byte ${FRAGMENT_UNIT} of`))).toBe(true);
    // No bearer token ever went to the pre-authenticated upload URL.
    expect(graph.requests.filter((r) => r.path.startsWith("/upload/") && r.authorized)).toEqual([]);
    const stored = graph.itemAt("Backups/sessions/big.bin")!;
    expect(stored.size).toBe(3 * 1024 * 1024 + 12_345);
    expect(stored.quickXorHash).toBe(quickXorHash(readFileSync(file)));
    expect(stored.fsModified).toBe(1_650_000_000_000);
    expect((await readAll(await s.open("sessions/big.bin", never()))).equals(readFileSync(file))).toBe(true);
  });

  test("a 503 on a fragment: waits Retry-After, asks the session, goes on from there", async () => {
    const file = join(dir, "mid.bin");
    await writeBigFile(file, 5 * FRAGMENT_UNIT + 7);
    graph.inject({ method: "PUT", path: /^\/upload\//, status: 503, retryAfter: 1, times: 1 });
    const before = graph.fragments.length;
    const beforeReq = graph.requests.length;
    await store().put("sessions/mid.bin", source(file), never());
    const statusQueries = graph.requests.slice(beforeReq).filter((r) => r.method === "GET" && r.path.startsWith("/upload/"));
    expect(statusQueries.length).toBe(1);
    expect(graph.fragments.slice(before).map((f) => f.start)).toEqual([0, 2 * FRAGMENT_UNIT, 4 * FRAGMENT_UNIT]);
    expect(logs.some((l) => l.includes("OneDrive is throttling requests (503)") && l.includes("as it asked"))).toBe(true);
    expect(graph.itemAt("Backups/sessions/mid.bin")!.quickXorHash).toBe(quickXorHash(readFileSync(file)));
  });

  test("a 500 from Graph (creating the session) is retried inside the store and logged", async () => {
    const file = join(dir, "five.bin");
    writeFileSync(file, "five hundred");
    graph.inject({ method: "POST", path: /createUploadSession$/, status: 500, times: 1 });
    const before = logs.length;
    await store().put("sessions/five.bin", source(file), never());
    expect(logs.slice(before).some((l) => l.startsWith("warning:") && l.includes("An unspecified error has occurred. (500 generalException)"))).toBe(true);
    expect(graph.itemAt("Backups/sessions/five.bin")?.size).toBe(12);
  });

  test("names that differ only in case are one file on OneDrive: the second upload says so", async () => {
    const a = join(dir, "upper.txt");
    writeFileSync(a, "first");
    const b = join(dir, "lower.txt");
    writeFileSync(b, "second");
    const s = store();
    await s.put("sessions/case/Report.txt", source(a), never());
    const before = logs.length;
    await s.put("sessions/case/report.txt", source(b), never());
    expect(logs.slice(before).some((l) => l.includes("sessions/case/report.txt: OneDrive already had 'Report.txt'"))).toBe(true);
    expect(graph.namesIn("Backups/sessions/case")).toEqual(["Report.txt"]);
  });

  test("removeMany: JSON batches of 20 DELETEs; a throttled one is sent again after its Retry-After", async () => {
    const s = store();
    const file = join(dir, "tiny.txt");
    writeFileSync(file, "t");
    const paths = Array.from({ length: 45 }, (_, i) => `sessions/many/f${i}.txt`);
    for (const p of paths) await s.put(p, source(file), never());
    graph.inject({ method: "DELETE", path: /many\/f7\.txt:$/, status: 429, retryAfter: 1, times: 1 });
    const before = graph.requests.length;
    const logged = logs.length;
    await s.removeMany([...paths, "sessions/many/never-was.txt"], never());
    expect(graph.namesIn("Backups/sessions/many")).toEqual([]);
    expect(graph.recycleBin.filter((it) => /^f\d+\.txt$/.test(it.name) && it.parentId === graph.itemAt("Backups/sessions/many")!.id).length).toBe(45);
    const batches = graph.requests.slice(before).filter((r) => r.path === "/v1.0/$batch");
    expect(batches.length).toBe(4); // 20 + 20 + 6, and the throttled one again
    expect(logs.slice(logged).some((l) => l.includes("OneDrive is throttling requests (429)") && l.includes("as it asked"))).toBe(true);
  });

  test("a cancelled upload leaves nothing under the name", async () => {
    const file = join(dir, "cancel.bin");
    writeFileSync(file, Buffer.alloc(4 * FRAGMENT_UNIT, 1));
    const c = new AbortController();
    graph.inject({ method: "PUT", path: /^\/upload\//, resetAfterBytes: 1, times: 1 });
    const p = store().put("sessions/cancel.bin", source(file), c.signal);
    setTimeout(() => c.abort(), 50);
    await expect(p).rejects.toMatchObject({ kind: "cancelled" });
    expect(graph.itemAt("Backups/sessions/cancel.bin")).toBeNull();
  });
});

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}
