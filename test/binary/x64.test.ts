// Smoke test of the compiled x64 executable, run from an empty folder as a user would: it must
// need nothing on disk but its data folder (SPEC "Running"), and its pages must load nothing from
// another origin (the definition of that check is in docs/binary.md and scan.ts).

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { OPTIONS } from "../../src/config.ts";
import { assetNames } from "../../src/web/assets.ts";
import { describeIf } from "../helpers/prereq.ts";
import { binaryEnv, buildBinary, emptyFolderWith, freePort, ROOT, type RunningBinary, runToEnd, stackLines, startServer } from "./process.ts";
import { cssUrls, httpUrlsIn, isOffOrigin, scanHtml } from "./scan.ts";

const reason = process.platform === "linux" && process.arch === "x64" ? null : "the x64 binary runs only on Linux x86-64";

// bun 1.4.5 ignores bunfig's [test] timeout; processes (and qemu) need more than the default 5 s.
setDefaultTimeout(30_000);

describeIf(reason)("x64 binary from an empty folder", () => {
  let binary: string;
  let folder: ReturnType<typeof emptyFolderWith>;
  let server: RunningBinary;
  const port = freePort();

  beforeAll(async () => {
    const built = buildBinary("x64");
    console.log(built.report);
    binary = built.path;
    folder = emptyFolderWith(binary);
    server = await startServer([folder.exe], { cwd: folder.dir, env: binaryEnv(folder.dir, { PORT: String(port), HOST: "127.0.0.1" }), port });
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    folder?.remove();
  });

  const get = (path: string) => fetch(server.url + path);

  test("creates ./data with the database and a 0600 secret key, and nothing else beside the binary", () => {
    expect(readdirSync(folder.dir).sort()).toEqual(["data", "dynamight-linux-x64"]);
    const data = join(folder.dir, "data");
    expect(existsSync(join(data, "dynamight.db"))).toBe(true);
    expect(statSync(join(data, "secret.key")).mode & 0o777).toBe(0o600);
  });

  test("health names the version and components, database ready", async () => {
    const body = (await (await get("/api/system/health")).json()) as any;
    expect(body.version).toBe(pkg.version);
    expect(["ok", "degraded", "unavailable"]).toContain(body.status);
    expect(Number.isInteger(body.uptime_seconds)).toBe(true);
    expect(Object.keys(body.components).sort()).toEqual(["database", "rsync", "scheduler"]);
    expect(body.components.database).toEqual({ ready: true, error: null });
  });

  test("signed-in requests work: setup cookie, /me, an API key, connection tests that load stores lazily", async () => {
    // Guards against a build that breaks Elysia's context (minified identifiers left `cookie`
    // undefined in the guard: every authenticated request was a 500 while public ones passed).
    const json = { "content-type": "application/json" };
    const setup = await fetch(server.url + "/api/auth/setup", { method: "POST", headers: json, body: JSON.stringify({ username: "admin", password: "binary-smoke-1" }) });
    expect(setup.status).toBe(200);
    const cookie = setup.headers
      .getSetCookie()
      .find((c) => c.startsWith("token="))!
      .split(";")[0]!;
    const me = await fetch(server.url + "/api/auth/me", { headers: { cookie } });
    expect({ status: me.status, body: await me.json() }).toEqual({ status: 200, body: expect.objectContaining({ username: "admin" }) });
    expect((await fetch(server.url + "/api/auth/me")).status).toBe(401);
    // A cookie-authenticated change names its origin, as the browser does; from elsewhere it is 403.
    const fromElsewhere = await fetch(server.url + "/api/auth/api-keys", {
      method: "POST",
      headers: { ...json, cookie, origin: "http://evil.example" },
      body: JSON.stringify({ name: "x", scope: "read" }),
    });
    expect(fromElsewhere.status).toBe(403);
    const key = await fetch(server.url + "/api/auth/api-keys", { method: "POST", headers: { ...json, cookie, origin: server.url }, body: JSON.stringify({ name: "smoke", scope: "read" }) });
    const apiKey = ((await key.json()) as { key: string }).key;
    expect(apiKey).toStartWith("dm_");
    expect((await fetch(server.url + "/api/jobs", { headers: { "x-api-key": apiKey } })).status).toBe(200);
    // Nothing listens on port 1: each store module loads on demand and reports the refusal.
    const tests = [
      {
        destination_type: "s3",
        destination_config: { bucket: "smoke-bucket", prefix: "", region: "us-east-1", endpoint: "http://127.0.0.1:1" },
        credential_data: { access_key_id: "a", secret_access_key: "b" },
      },
      { destination_type: "sftp", destination_config: { host: "127.0.0.1", port: 1, username: "u", remote_path: "/x", key_based_auth: false }, credential_data: { password: "p" } },
      { destination_type: "webdav", destination_config: { url: "http://127.0.0.1:1/dav/", remote_path: "/" }, credential_data: { username: "u", password: "p" } },
    ];
    for (const body of tests) {
      const res = await fetch(server.url + "/api/providers/test", { method: "POST", headers: { ...json, cookie, origin: server.url }, body: JSON.stringify(body) });
      const result = (await res.json()) as { success: boolean; message: string };
      expect({ type: body.destination_type, status: res.status, success: result.success }).toEqual({ type: body.destination_type, status: 200, success: false });
      expect(result.message.length).toBeGreaterThan(0);
    }
  });

  test("health answers 200", async () => {
    const res = await get("/api/system/health");
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 200 });
  });

  test("applied exactly the migrations of drizzle/", () => {
    const journal = JSON.parse(readFileSync(join(ROOT, "drizzle/meta/_journal.json"), "utf8")) as { entries: { tag: string; when: number }[] };
    const expected = journal.entries.map((e) => ({
      hash: createHash("sha256")
        .update(readFileSync(join(ROOT, "drizzle", `${e.tag}.sql`)))
        .digest("hex"),
      created_at: e.when,
    }));
    const db = new Database(join(folder.dir, "data/dynamight.db"), { readonly: true });
    try {
      const rows = db.query<{ hash: string; created_at: number }, []>("SELECT hash, created_at FROM __drizzle_migrations ORDER BY created_at").all();
      expect(rows.length).toBe(journal.entries.length);
      expect(rows.map((r) => ({ hash: r.hash, created_at: Number(r.created_at) }))).toEqual(expected);
    } finally {
      db.close();
    }
  });

  test("serves an OpenAPI 3.1 document with the health path", async () => {
    const res = await get("/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = JSON.parse(await res.text());
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.paths["/api/system/health"]?.get).toBeDefined();
  });

  for (const path of ["/", "/api/docs"]) {
    test(`${path} loads, every asset it references is served, nothing is loaded from another origin`, async () => {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toStartWith("text/html");
      const scan = await scanHtml(await res.text());
      expect(scan.external).toEqual([]);
      expect(scan.assets.length).toBeGreaterThan(0);
      const failed: string[] = [];
      for (const asset of scan.assets) {
        const a = await fetch(new URL(asset, server.url + path));
        const body = await a.text();
        if (a.status !== 200 || body.length === 0) failed.push(`${asset}: ${a.status}`);
        // Stylesheets may load more (fonts, images): those must be ours too, and served.
        if ((a.headers.get("content-type") ?? "").startsWith("text/css")) {
          for (const url of cssUrls(body)) {
            if (url.startsWith("data:")) continue;
            if (isOffOrigin(url)) failed.push(`${asset} loads ${url}`);
            else if ((await fetch(new URL(url, new URL(asset, server.url)))).status !== 200) failed.push(`${asset} -> ${url} not served`);
          }
        }
      }
      expect(failed).toEqual([]);
    });
  }

  test("every file of public/ is embedded and served byte for byte; our JS and CSS have no http(s) URL", async () => {
    const files = readdirSync(join(ROOT, "public"), { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.map((f) => f.name)).toContain("app.js");
    for (const f of files) {
      const source = readFileSync(join(f.parentPath, f.name));
      const res = await get(`/assets/${f.name}`);
      expect({ file: f.name, status: res.status }).toEqual({ file: f.name, status: 200 });
      const served = new Uint8Array(await res.arrayBuffer());
      expect(Buffer.from(served).equals(source)).toBe(true);
      if (/\.(js|css)$/.test(f.name)) expect({ file: f.name, urls: httpUrlsIn(source.toString("utf8")) }).toEqual({ file: f.name, urls: [] });
    }
  });

  test("every embedded asset (vendored ones too) is served", async () => {
    const failed: string[] = [];
    for (const name of assetNames()) {
      const res = await get(`/assets/${name}`);
      if (res.status !== 200 || (await res.arrayBuffer()).byteLength === 0) failed.push(`${name}: ${res.status}`);
    }
    expect(failed).toEqual([]);
  });

  test("`version` prints the version and platform", async () => {
    const r = await runToEnd([folder.exe, "version"], { cwd: folder.dir, env: binaryEnv(folder.dir) });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(new RegExp(`^dynamight ${pkg.version.replaceAll(".", "\\.")} .*linux-x64`));
  });

  test("`--help` lists every option and its environment variable", async () => {
    const r = await runToEnd([folder.exe, "--help"], { cwd: folder.dir, env: binaryEnv(folder.dir) });
    expect(r.code).toBe(0);
    for (const opt of Object.values(OPTIONS)) {
      expect(r.stdout).toContain(opt.flag);
      expect(r.stdout).toContain(opt.env);
    }
    expect(r.stdout).toContain("version");
  });

  // Each case starts the binary in its own empty folder; it must refuse to start with exit code 2
  // and one line on stderr, never a stack trace.
  const badConfigs: { name: string; env?: Record<string, string>; prepare?: (dir: string) => void; message: RegExp; check?: (dir: string) => void }[] = [
    { name: "PORT=abc", env: { PORT: "abc" }, message: /port .*"abc"/i },
    {
      name: "a data folder that is a file",
      env: { DYNAMIGHT_DATA_DIR: "./occupied" },
      prepare: (dir) => writeFileSync(join(dir, "occupied"), "not a folder\n"),
      message: /data folder .*occupied/i,
    },
    {
      name: "a dynamight.db that is not SQLite",
      prepare: (dir) => {
        mkdirSync(join(dir, "data"));
        writeFileSync(join(dir, "data/dynamight.db"), "these are my holiday notes, not a database\n".repeat(200));
      },
      message: /not an SQLite database/i,
    },
    {
      name: "an SQLite database of another program",
      prepare: (dir) => {
        mkdirSync(join(dir, "data"));
        const db = new Database(join(dir, "data/dynamight.db"));
        db.run("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");
        db.close();
      },
      message: /not a Dynamight database/i,
      check: (dir) => {
        // Refused before touching it: no migration table was added to someone else's file.
        const db = new Database(join(dir, "data/dynamight.db"), { readonly: true });
        const tables = db
          .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table'")
          .all()
          .map((t) => t.name);
        db.close();
        expect(tables).toEqual(["customers"]);
      },
    },
  ];

  for (const c of badConfigs) {
    test(`bad configuration, ${c.name}: one-line error, exit code 2`, async () => {
      const place = emptyFolderWith(binary);
      try {
        c.prepare?.(place.dir);
        const r = await runToEnd([place.exe], { cwd: place.dir, env: binaryEnv(place.dir, { HOST: "127.0.0.1", PORT: String(freePort()), ...c.env }) });
        expect(stackLines(r.stdout + r.stderr)).toEqual([]);
        expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(/^dynamight: [^\n]+\n$/) });
        expect(r.stderr).toMatch(c.message);
        c.check?.(place.dir);
      } finally {
        place.remove();
      }
    });
  }

  test("a port already in use: one clear error line, exit code 2", async () => {
    const place = emptyFolderWith(binary);
    try {
      const r = await runToEnd([place.exe], { cwd: place.dir, env: binaryEnv(place.dir, { HOST: "127.0.0.1", PORT: String(port) }) });
      expect(stackLines(r.stdout + r.stderr)).toEqual([]);
      expect(r.code).toBe(2);
      const errors = r.stderr.split("\n").filter((l) => l.startsWith("dynamight: "));
      expect(errors).toEqual([expect.stringMatching(new RegExp(`port ${port}.*already in use`))]);
    } finally {
      place.remove();
    }
  });

  // Last: stops the server. A clean stop closes the database, which folds the WAL back into it,
  // so the data folder can be copied as one file.
  test("SIGTERM stops it cleanly: exit 0, database closed", async () => {
    server.proc.kill("SIGTERM");
    expect(await server.proc.exited).toBe(0);
    expect(existsSync(join(folder.dir, "data/dynamight.db-wal"))).toBe(false);
    expect(stackLines(server.output())).toEqual([]);
  });
});
