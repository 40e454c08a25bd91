// rclone, the independent reader: what Dynamight wrote to OneDrive, rclone lists with the same
// names, sizes, mtimes and QuickXorHashes, and what rclone wrote, Dynamight lists under rclone's
// names. rclone's Graph address cannot be changed, so it reaches the Graph fake the way it would
// reach Microsoft: https://graph.microsoft.com, through a CONNECT proxy (HTTPS_PROXY) that sends
// only that host to the fake's TLS front, with a test CA it is told to trust (--ca-cert). Nothing
// leaves the machine: any other host is refused by the proxy.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { onedriveDestination } from "../../src/destinations/onedrive/destination.ts";
import { quickXorHash } from "../../src/destinations/onedrive/quickxor.ts";
import { OnedriveStore } from "../../src/destinations/onedrive/store.ts";
import { type GraphFake, startGraphFake } from "../fakes/graph.ts";
import { type GraphTlsFront, startGraphTlsFront } from "../fakes/graph-tls.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { syncRequest, tempDir, writeTree } from "../remote/harness.ts";

let graph: GraphFake;
let front: GraphTlsFront;

async function run(cmd: string[], env: Record<string, string> = {}) {
  const e = { ...process.env, ...env } as Record<string, string>;
  delete e.AWS_CA_BUNDLE;
  const p = Bun.spawn(cmd, { env: e, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

/** rclone on the fake's drive, as a OneDrive for Business drive (rclone 1.60 hashes those with QuickXorHash). */
function rclone(...args: string[]) {
  const token = JSON.stringify({ access_token: "graph-test-token", token_type: "Bearer", refresh_token: "never-used", expiry: "2099-01-01T00:00:00Z" });
  return run(["rclone", "--ca-cert", front.caFile, "--low-level-retries", "1", "--retries", "1", ...args], {
    ...front.env,
    RCLONE_CONFIG: "/dev/null",
    RCLONE_ONEDRIVE_TOKEN: token,
    RCLONE_ONEDRIVE_DRIVE_ID: graph.defaultDriveId,
    RCLONE_ONEDRIVE_DRIVE_TYPE: "business",
  });
}

const NAMES: Record<string, string> = {
  "plain.txt": "plain",
  "a:b?.txt": "colon and question",
  "star*.md": "star",
  "trailing dot.": "dot",
  " leading space.txt": "space",
  'quote"<>|.txt': "quotes",
  "sub dir:1/deeper?/file.bin": "x".repeat(70_000),
  "full：width already.txt": "a literal fullwidth colon",
};

describeIf(missingCommand("rclone", "openssl"))("rclone reads what the OneDrive store wrote, and the other way round", () => {
  beforeAll(async () => {
    // rclone 1.60 sends its bearer token to the uploadUrl too (Graph "may" refuse that; we never send it).
    graph = await startGraphFake({ refuseAuthOnUploadUrl: false });
    graph.mkdirs("Backups");
    front = await startGraphTlsFront(graph);
    process.env.DYNAMIGHT_GRAPH_URL = graph.url;
  });
  afterAll(async () => {
    delete process.env.DYNAMIGHT_GRAPH_URL;
    front?.close();
    await graph?.close();
  });

  test("rclone lsjson lists our files under their original names, with our sizes, mtimes and hashes", async () => {
    const src = join(tempDir("od-rc"), "interop");
    writeTree(src, NAMES, 1_700_000_123);
    const credential = { access_token: "graph-test-token", refresh_token: "unused", expires_at: String(Math.floor(Date.now() / 1000) + 3600) };
    const r = await onedriveDestination.sync!(syncRequest(onedriveDestination.parseConfig({ folder_path: "/Backups" }), credential, [src], tempDir("od-rc-data")));
    expect(r.filesTransferred).toBe(Object.keys(NAMES).length);

    const ls = await rclone("lsjson", "-R", "--files-only", "--hash", ":onedrive:Backups/interop");
    expect(ls.err).not.toContain("ERROR");
    expect(ls.code).toBe(0);
    const listed = JSON.parse(ls.out) as { Path: string; Size: number; ModTime: string; Hashes?: Record<string, string> }[];
    expect(listed.map((f) => f.Path).sort()).toEqual(Object.keys(NAMES).sort());
    for (const f of listed) {
      const data = Buffer.from(NAMES[f.Path]!);
      expect(f.Size).toBe(data.length);
      expect(Date.parse(f.ModTime)).toBe(1_700_000_123_000);
      // rclone prints QuickXorHash in hex.
      expect(f.Hashes?.quickxor).toBe(Buffer.from(quickXorHash(data), "base64").toString("hex"));
    }
    const cat = await rclone("cat", ":onedrive:Backups/interop/a:b?.txt");
    expect(cat.code).toBe(0);
    expect(cat.out).toBe("colon and question");
    expect(front.refused).toEqual([]);
  }, 60_000);

  test("what rclone uploads with odd names, the store lists under rclone's names", async () => {
    const dir = tempDir("od-rc-up");
    const names = ["by rclone: what?.txt", "trailing space ", "ends with dot."];
    for (const n of names) writeFileSync(join(dir, n), n);
    const up = await rclone("copy", dir, ":onedrive:Backups/from-rclone");
    expect(up.err).not.toContain("ERROR");
    expect(up.code).toBe(0);
    const store = new OnedriveStore({ graphUrl: graph.url, driveId: null, folderPath: "/Backups", tokens: { accessToken: async () => "graph-test-token", invalidate() {} } });
    const listed: string[] = [];
    for await (const e of store.list("from-rclone", new AbortController().signal)) listed.push(e.path);
    expect(listed.sort()).toEqual(names.map((n) => `from-rclone/${n}`).sort());
    expect(front.refused).toEqual([]);
  }, 60_000);
});
