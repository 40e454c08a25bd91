// WebDAV destination against a real Apache mod_dav (scripts/peers/webdav.sh, 127.0.0.1:8080/dav/):
// the conformance suite, uploads via temporary name + MOVE, and the words test() answers with.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type WebdavConfig, webdavDestination } from "../../src/destinations/webdav/destination.ts";
import { normaliseDavRoot, normaliseEtag } from "../../src/destinations/webdav/store.ts";
import { describeIf, notRoot } from "../helpers/prereq.ts";
import { runConformance } from "./conformance.ts";
import { rclone, syncRequest, tempDir, writeTree } from "./harness.ts";

const SCRIPT = join(import.meta.dir, "../../scripts/peers/webdav.sh");
const DATA = "/tmp/peers/webdav/data";
const SERVER = { host: "127.0.0.1", port: 8080 };
const CRED = { username: "bkpdav", password: "bkpdav-pass" };

const reason = notRoot() ?? (existsSync("/usr/sbin/apache2") ? null : "apache2 not installed") ?? (Bun.which("rclone") ? null : "rclone not installed");

async function sh(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

let startedPeer = false;
/** Starts the shared peer unless it is up; remembers whether this file must stop it afterwards. */
async function ensurePeer() {
  if ((await sh(["bash", SCRIPT, "status"])).code === 0) return;
  const r = await sh(["bash", SCRIPT, "start"]);
  if (r.code !== 0) throw new Error(`webdav.sh start failed: ${r.err}`);
  startedPeer = true;
}

const config = (root: string, server = SERVER): WebdavConfig => ({ url: `http://${server.host}:${server.port}/dav/`, remote_path: `/${root}` });

runConformance<WebdavConfig>(
  "webdav (Apache mod_dav)",
  async () => {
    await ensurePeer();
    const before = new Set(readdirSync(DATA));
    const obscured = (await rclone("obscure", CRED.password)).out.trim();
    return {
      destination: webdavDestination,
      config: (root, server) => config(root, server),
      server: SERVER,
      credential: CRED,
      badCredential: { username: CRED.username, password: "not-the-password" },
      rcloneRemote: (c) => `:webdav,url='${c.url}',vendor=other,user=${CRED.username},pass=${obscured}:${c.remote_path.replace(/^\//, "")}`,
      keepsMtime: false,
      async cleanup() {
        for (const name of readdirSync(DATA)) if (!before.has(name)) rmSync(join(DATA, name), { recursive: true, force: true });
      },
    };
  },
  reason,
);

describeIf(reason)("webdav destination on a real Apache mod_dav", () => {
  let dataDir: string;
  const roots: string[] = [];
  const root = (tag: string) => {
    const r = `dav-t-${tag}-${Date.now().toString(36)}`;
    roots.push(r);
    return r;
  };
  beforeAll(async () => {
    await ensurePeer();
    dataDir = tempDir("dav-data");
  });
  afterAll(() => {
    for (const r of roots) rmSync(join(DATA, r), { recursive: true, force: true });
  });

  test("uploads land whole under their names, with no temporary file left, and unchanged files stay", async () => {
    const r = root("up");
    const parent = tempDir("dav-src");
    writeTree(join(parent, "src"), { "a.txt": "alpha", "d/b c.txt": "bravo", "d/100%#?.txt": "odd name" });
    const req = syncRequest(config(r), CRED, [join(parent, "src")], dataDir);
    expect((await webdavDestination.sync!(req)).filesTransferred).toBe(3);
    expect(readdirSync(join(DATA, r, "src")).sort()).toEqual(["a.txt", "d"]);
    expect(readdirSync(join(DATA, r, "src/d")).sort()).toEqual(["100%#?.txt", "b c.txt"]);
    expect(readFileSync(join(DATA, r, "src/d/100%#?.txt"), "utf8")).toBe("odd name");
    // A full comparison right away must not mistake Apache's weak-then-strong ETag for a change.
    const again = await webdavDestination.sync!(syncRequest({ ...config(r), full_compare: true }, CRED, [join(parent, "src")], dataDir));
    expect(again.filesTransferred).toBe(0);
  });

  test("a same-size write by someone else is found by a full comparison (ETag), not by the record alone", async () => {
    // `rclone copyto` skips a same-size file on WebDAV (no mtimes), so the foreign write is a real PUT.
    const r = root("foreign");
    const parent = tempDir("dav-src");
    writeTree(join(parent, "src"), { "x.txt": "original" });
    const run = (full: boolean) => webdavDestination.sync!(syncRequest({ ...config(r), full_compare: full }, CRED, [join(parent, "src")], dataDir));
    expect((await run(false)).filesTransferred).toBe(1);
    const put = await fetch(`http://127.0.0.1:8080/dav/${r}/src/x.txt`, {
      method: "PUT",
      body: "tampered",
      headers: { authorization: `Basic ${btoa(`${CRED.username}:${CRED.password}`)}` },
    });
    expect(put.status).toBe(204);
    expect(readFileSync(join(DATA, r, "src/x.txt"), "utf8")).toBe("tampered");
    expect((await run(true)).filesTransferred).toBe(1);
    expect(readFileSync(join(DATA, r, "src/x.txt"), "utf8")).toBe("original");
    expect((await run(true)).filesTransferred).toBe(0);
  });

  test("a temporary file left by a dead connection is removed by the next full listing", async () => {
    const r = root("stale");
    const parent = tempDir("dav-src");
    writeTree(join(parent, "src"), { "a.txt": "alpha" });
    mkdirSync(join(DATA, r, "src"), { recursive: true });
    writeFileSync(join(DATA, r, "src", ".a.txt.0123abcd.dmpartial"), "half");
    await sh(["chown", "-R", "www-data:www-data", join(DATA, r)]);
    await webdavDestination.sync!(syncRequest(config(r), CRED, [join(parent, "src")], dataDir));
    expect(readdirSync(join(DATA, r, "src"))).toEqual(["a.txt"]);
  });

  test("test() answers in words: success, missing folder, 401, 404 URL, refused, TLS", async () => {
    const r = root("probe");
    mkdirSync(join(DATA, r), { recursive: true });
    writeFileSync(join(DATA, r, "plain.txt"), "x");
    const probe = (c: WebdavConfig, cred: Record<string, string> = CRED) => webdavDestination.test!(c, cred, AbortSignal.timeout(20_000));

    const ok = await probe(config(r));
    expect(ok).toMatchObject({ success: true, message: `Connected to http://127.0.0.1:8080/dav/; '/${r}' is a folder.` });

    const missing = await probe(config(`${r}/not/yet`));
    expect(missing.success).toBe(true);
    expect(missing.message).toContain("does not exist yet; the first run will create it");

    const file = await probe(config(`${r}/plain.txt`));
    expect(file).toMatchObject({ success: false, details: { kind: "config" } });

    const bad = await probe(config(r), { username: "bkpdav", password: "wrong-password-123" });
    expect(bad).toMatchObject({ success: false, details: { kind: "auth" } });
    expect(bad.message).toContain("refused the username or password (401)");
    expect(bad.message).not.toContain("wrong-password-123");

    const noUrl = await probe({ url: "http://127.0.0.1:8080/nope/", remote_path: "/" });
    expect(noUrl).toMatchObject({ success: false, details: { kind: "not_found" } });
    expect(noUrl.message).toContain("was not found on the server (404)");

    const refused = await probe({ url: "http://127.0.0.1:1/dav/", remote_path: "/" });
    expect(refused).toMatchObject({ success: false, details: { kind: "unavailable" } });
    expect(refused.message).toContain("Connection refused by 127.0.0.1:1");

    const tls = await probe({ url: "https://127.0.0.1:8080/dav/", remote_path: "/" });
    expect(tls).toMatchObject({ success: false, details: { kind: "unavailable" } });
    expect(tls.message).toContain("TLS error talking to 127.0.0.1:8080");
  });

  test("rclone sees the same files after a sync (sizes; WebDAV keeps no mtimes)", async () => {
    const r = root("rclone");
    const parent = tempDir("dav-src");
    writeTree(join(parent, "src"), { "x/y.txt": "why", "z.bin": 5000 });
    await webdavDestination.sync!(syncRequest(config(r), CRED, [join(parent, "src")], dataDir));
    const pass = (await rclone("obscure", CRED.password)).out.trim();
    const check = await rclone("check", "--size-only", join(parent, "src"), `:webdav,url='http://127.0.0.1:8080/dav/',vendor=other,user=bkpdav,pass=${pass}:${r}/src`);
    expect(check.err).toContain("0 differences found");
  });
});

// Stops the peer only when this file started it: another suite (or a person) may be using it.
afterAll(async () => {
  if (startedPeer) await sh(["bash", SCRIPT, "stop"]);
});

describe("webdav config and helpers", () => {
  test("config validation names the field; roots and ETags are normalised", () => {
    expect(webdavDestination.parseConfig({ url: "https://c.example/dav", remote_path: "/b/" })).toEqual({ url: "https://c.example/dav", remote_path: "/b/", full_compare: false });
    const bad = (raw: unknown) => {
      try {
        webdavDestination.parseConfig(raw);
      } catch (e) {
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(bad({ url: "ftp://x/", remote_path: "/" })).toBe("Field 'url' must start with http:// or https://");
    expect(bad({ url: "https://u:p@x/", remote_path: "/" })).toContain("must not contain a user name or password");
    expect(bad({ url: "not a url", remote_path: "/" })).toContain("Field 'url'");
    expect(bad({ url: "https://x/", remote_path: "/a/../b" })).toBe("Field 'remote_path' must not contain '..'");
    expect(() => webdavDestination.parseCredential({ username: "u" })).toThrow("Field 'password' is required");
    expect(normaliseDavRoot("backups//one/")).toBe("/backups/one");
    expect(normaliseDavRoot("/")).toBe("/");
    expect(normaliseEtag('W/"3-661069ad1bec6"')).toBe("3-661069ad1bec6");
    expect(normaliseEtag("3-661069ad1bec6")).toBe("3-661069ad1bec6");
  });
});
