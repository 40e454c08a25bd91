// The one conformance suite every remote destination runs against its real server (rclone's
// fstest idea). A store's test file calls:
//   runConformance("s3 (radosgw)", () => target, reasonToSkipOrNull)
// Each test syncs into a fresh root, then checks the remote with rclone, an independent reader.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Destination, SyncOptions } from "../../src/destinations/contract.ts";
import { DestinationError } from "../../src/destinations/contract.ts";
import { describeIf } from "../helpers/prereq.ts";
import { rclone, rcloneFiles, syncRequest, TcpProxy, tempDir, writeBigFile, writeTree } from "./harness.ts";

export interface ConformanceTarget<C extends object> {
  destination: Destination<C>;
  /** A config whose root is `root` (fresh and unique per test) on the server at host:port. */
  config(root: string, server: { host: string; port: number }): C;
  /** The real server (the proxy of "server down mid-run" forwards to it). */
  server: { host: string; port: number };
  credential: Record<string, string> | null;
  badCredential: Record<string, string>;
  /** rclone connection string of the config's root, e.g. ":s3,provider=Ceph,...:bucket/root". */
  rcloneRemote(config: C): string;
  /** The store keeps modification times, so rclone check/sync compare them (S3, SFTP). */
  keepsMtime: boolean;
  /** Extra check after a cancelled upload, e.g. S3: no multipart upload left. */
  assertNoPartials?(config: C): Promise<void>;
  /** Called once after the suite. */
  cleanup?(): Promise<void>;
}

/** Standard tree: nested folders, unicode, spaces, an empty file. */
const TREE: Record<string, string | number> = {
  "a.txt": "alpha",
  "docs/readme.md": "# readme\n",
  "docs/deep/nested/file.bin": 3000,
  "with space/file name.txt": "spaces",
  "ünïcødé/日本語 ファイル.txt": "unicode",
  "emoji-😀.txt": "emoji",
  "empty.txt": "",
  "a-b.txt": "order check a-b",
  "a/b.txt": "order check a/b",
};

export function runConformance<C extends object>(name: string, make: () => ConformanceTarget<C> | Promise<ConformanceTarget<C>>, reason: string | null) {
  describeIf(reason)(`conformance: ${name}`, () => {
    let t: ConformanceTarget<C>;
    let dataDir: string;
    let seq = 0;
    const runTag = `c${Date.now().toString(36)}`;

    beforeAll(async () => {
      t = await make();
      dataDir = tempDir("conf-data");
    });
    afterAll(async () => {
      await t?.cleanup?.();
    });

    /** A fresh remote root and a source folder named `name` with `files`. */
    function fixture(files: Record<string, string | number> = TREE, srcName = "src") {
      const root = `${runTag}-${++seq}`;
      const parent = tempDir("conf-src");
      const src = join(parent, srcName);
      mkdirSync(src, { recursive: true });
      writeTree(src, files);
      const config = t.config(root, t.server);
      return { root, src, config, remote: `${t.rcloneRemote(config)}/${srcName}` };
    }

    async function sync(config: C, sources: string[], options: Partial<SyncOptions> = {}, signal?: AbortSignal, credential = t.credential) {
      const req = syncRequest(config, credential, sources, dataDir, options, signal);
      const result = await t.destination.sync!(req);
      return { result, report: req.report };
    }

    async function syncError(config: C, sources: string[], options: Partial<SyncOptions> = {}, signal?: AbortSignal, credential = t.credential) {
      try {
        await sync(config, sources, options, signal, credential);
      } catch (err) {
        expect(err).toBeInstanceOf(DestinationError);
        return err as DestinationError;
      }
      throw new Error("sync succeeded but should have failed");
    }

    async function expectRcloneClean(src: string, remote: string) {
      const check = await rclone("check", src, remote, ...(t.keepsMtime ? [] : ["--size-only"]));
      expect(check.err).toContain("0 differences found");
      expect(check.code).toBe(0);
      if (!t.keepsMtime) return;
      const dry = await rclone("sync", "--dry-run", "-v", src, remote);
      expect(dry.code).toBe(0);
      expect(dry.err).not.toContain("Skipped copy");
      expect(dry.err).not.toContain("Skipped delete");
    }

    test("first sync uploads every file with its size and mtime; rclone agrees", async () => {
      const f = fixture();
      const { result, report } = await sync(f.config, [f.src]);
      const n = Object.keys(TREE).length;
      const bytes = Object.values(TREE).reduce<number>((s, v) => s + (typeof v === "number" ? v : Buffer.byteLength(v)), 0);
      expect(result).toEqual({ filesTransferred: n, bytesTransferred: bytes, filesDeleted: 0 });
      expect(report.files).toBe(n);
      expect(report.bytes).toBe(bytes);
      expect(report.total).toEqual({ files: n, bytes });
      expect(report.text()).toContain("src/ünïcødé/日本語 ファイル.txt");
      expect(report.text()).toContain("src/with space/file name.txt");
      const files = await rcloneFiles(f.remote);
      expect([...files.keys()].sort()).toEqual(Object.keys(TREE).sort());
      expect(files.get("empty.txt")!.Size).toBe(0);
      if (t.keepsMtime) expect(Date.parse(files.get("a.txt")!.ModTime)).toBe(1_700_000_000_000);
      await expectRcloneClean(f.src, f.remote);
    });

    test("no-change sync transfers nothing, with the record and without it", async () => {
      const f = fixture();
      await sync(f.config, [f.src]);
      const again = await sync(f.config, [f.src]);
      expect(again.result).toEqual({ filesTransferred: 0, bytesTransferred: 0, filesDeleted: 0 });
      const full = await sync({ ...f.config, full_compare: true }, [f.src]);
      expect(full.result.filesTransferred).toBe(0);
      // A lost record (new data folder) means a full comparison, which must still find nothing to do.
      const req = syncRequest(f.config, t.credential, [f.src], tempDir("conf-data2"));
      expect((await t.destination.sync!(req)).filesTransferred).toBe(0);
    });

    test("a changed file is uploaded again (same size, new mtime; and new size)", async () => {
      const f = fixture();
      await sync(f.config, [f.src]);
      writeFileSync(join(f.src, "a.txt"), "ALPHA"); // same size
      utimesSync(join(f.src, "a.txt"), 1_700_000_100, 1_700_000_100);
      writeFileSync(join(f.src, "docs/readme.md"), "# longer readme\n");
      const { result, report } = await sync(f.config, [f.src]);
      expect(result.filesTransferred).toBe(2);
      expect(result.bytesTransferred).toBe(5 + 16);
      expect(report.text()).toContain("src/a.txt");
      await expectRcloneClean(f.src, f.remote);
    });

    test("a file changed on the remote by someone else is found by a full comparison", async () => {
      const f = fixture({ "x.txt": "original" });
      await sync(f.config, [f.src]);
      const other = join(tempDir("conf-other"), "x.txt");
      writeFileSync(other, "tampered"); // same size, other content and mtime
      // --ignore-times: with the same size and no mtimes (WebDAV), rclone would otherwise skip the copy.
      expect((await rclone("copyto", "--ignore-times", other, `${f.remote}/x.txt`)).code).toBe(0);
      const { result } = await sync({ ...f.config, full_compare: true }, [f.src]);
      expect(result.filesTransferred).toBe(1);
      await expectRcloneClean(f.src, f.remote);
    });

    test("a deleted file stays without delete_extraneous and goes with it", async () => {
      const f = fixture();
      await sync(f.config, [f.src]);
      rmSync(join(f.src, "docs"), { recursive: true });
      const keep = await sync(f.config, [f.src]);
      expect(keep.result.filesDeleted).toBe(0);
      expect((await rcloneFiles(f.remote)).has("docs/readme.md")).toBe(true);
      const del = await sync(f.config, [f.src], { delete_extraneous: true });
      expect(del.result.filesDeleted).toBe(2);
      expect(del.report.deleted).toBe(2);
      expect(del.report.text()).toContain("src/docs/readme.md");
      const files = await rcloneFiles(f.remote);
      expect(files.has("docs/readme.md")).toBe(false);
      expect(files.size).toBe(Object.keys(TREE).length - 2);
      await expectRcloneClean(f.src, f.remote);
    });

    test("excludes follow rsync rules and excluded remote files are not deleted", async () => {
      const f = fixture({ "keep.txt": "k", "skip.tmp": "t", "sub/skip.tmp": "t", "cache/x": "c", "sub/cache/y": "c", "top.log": "l", "sub/top.log": "l" });
      const opts = { exclude_patterns: ["*.tmp", "cache/", "/top.log"], delete_extraneous: true };
      const { result } = await sync(f.config, [f.src], opts);
      expect(result.filesTransferred).toBe(2);
      expect([...(await rcloneFiles(f.remote)).keys()].sort()).toEqual(["keep.txt", "sub/top.log"]);
      // Uploaded once without the excludes, excluded files must survive a deleting sync with them.
      await sync(f.config, [f.src]);
      rmSync(join(f.src, "skip.tmp"));
      const again = await sync(f.config, [f.src], opts);
      expect(again.result.filesDeleted).toBe(0);
      expect((await rcloneFiles(f.remote)).has("skip.tmp")).toBe(true);
    });

    test("dry run reports what would happen and changes nothing", async () => {
      const f = fixture();
      const { result, report } = await sync(f.config, [f.src], { dry_run: true });
      expect(result.filesTransferred).toBe(Object.keys(TREE).length);
      expect(report.text()).toContain("src/a.txt");
      expect((await rcloneFiles(f.remote)).size).toBe(0);
      await sync(f.config, [f.src]);
      rmSync(join(f.src, "a.txt"));
      const del = await sync(f.config, [f.src], { dry_run: true, delete_extraneous: true });
      expect(del.result.filesDeleted).toBe(1);
      expect((await rcloneFiles(f.remote)).has("a.txt")).toBe(true);
      // The dry run must not have recorded anything: a real run still deletes.
      expect((await sync(f.config, [f.src], { delete_extraneous: true })).result.filesDeleted).toBe(1);
    });

    test("a missing source fails; an empty source aborts a deleting sync", async () => {
      const f = fixture({ "a.txt": "a" });
      await sync(f.config, [f.src]);
      expect((await syncError(f.config, [join(f.src, "nope")])).kind).toBe("source");
      rmSync(join(f.src, "a.txt"));
      expect((await syncError(f.config, [f.src], { delete_extraneous: true })).kind).toBe("source");
      expect((await rcloneFiles(f.remote)).has("a.txt")).toBe(true);
    });

    test("a 100 MB file uploads whole, then counts as unchanged", async () => {
      const f = fixture({});
      await writeBigFile(join(f.src, "big.bin"), 100 << 20);
      const { result } = await sync(f.config, [f.src]);
      expect(result.bytesTransferred).toBe(100 << 20);
      expect((await rcloneFiles(f.remote)).get("big.bin")!.Size).toBe(100 << 20);
      expect((await sync(f.config, [f.src])).result.filesTransferred).toBe(0);
      await expectRcloneClean(f.src, f.remote);
      rmSync(f.src, { recursive: true });
    }, 120_000);

    test("bandwidth_limit_kbps is honoured (within 20 %)", async () => {
      const f = fixture({ "one.bin": 1536 * 1024 });
      const t0 = performance.now();
      await sync(f.config, [f.src], { bandwidth_limit_kbps: 512 });
      const seconds = (performance.now() - t0) / 1000;
      expect(seconds).toBeGreaterThan(3 * 0.8);
      expect(seconds).toBeLessThan(3 * 1.2);
    }, 30_000);

    test("cancel mid-upload stops promptly and leaves nothing half-written", async () => {
      const f = fixture({ "done.txt": "finished first" });
      // Big enough for S3 multipart (> 64 MB), so the test proves the upload is aborted, not just dropped.
      await writeBigFile(join(f.src, "zz-big.bin"), 80 << 20);
      const ctl = new AbortController();
      const started = performance.now();
      setTimeout(() => ctl.abort(), 2500);
      const err = await syncError(f.config, [f.src], { bandwidth_limit_kbps: 4096 }, ctl.signal);
      expect(err.kind).toBe("cancelled");
      expect(performance.now() - started).toBeLessThan(2500 + 3000);
      const files = await rcloneFiles(f.remote);
      expect(files.has("zz-big.bin")).toBe(false);
      expect([...files.keys()].filter((p) => p !== "done.txt")).toEqual([]);
      await t.assertNoPartials?.(f.config);
    }, 30_000);

    test("wrong credentials fail the run as auth, and test() says so", async () => {
      const f = fixture({ "a.txt": "a" });
      expect((await syncError(f.config, [f.src], {}, undefined, t.badCredential)).kind).toBe("auth");
      const res = await t.destination.test!(f.config, t.badCredential, AbortSignal.timeout(20_000));
      expect(res.success).toBe(false);
      expect(res.message.toLowerCase()).toMatch(/credential|password|key|denied|refused/);
      for (const v of Object.values(t.badCredential)) if (v.length > 3) expect(res.message).not.toContain(v);
      const ok = await t.destination.test!(f.config, t.credential, AbortSignal.timeout(20_000));
      expect(ok.success).toBe(true);
    }, 60_000);

    test("server down mid-run fails the run clearly; the next run completes", async () => {
      const proxy = new TcpProxy(t.server).up();
      const files: Record<string, string | number> = {};
      for (let i = 0; i < 60; i++) files[`f${String(i).padStart(3, "0")}.bin`] = 64 * 1024;
      const f = fixture(files);
      const config = t.config(f.root, { host: "127.0.0.1", port: proxy.port });
      const ctl = new AbortController();
      const req = syncRequest(config, t.credential, [f.src], dataDir, { bandwidth_limit_kbps: 1024 }, ctl.signal);
      const origProgress = req.report.progress.bind(req.report);
      req.report.progress = (d) => {
        origProgress(d);
        if (req.report.files === 3) proxy.down();
      };
      const started = performance.now();
      let err: unknown = null;
      await t.destination.sync!(req).catch((e) => (err = e));
      expect(err).toBeInstanceOf(DestinationError);
      expect(["unavailable", "transient"]).toContain((err as DestinationError).kind);
      expect(performance.now() - started).toBeLessThan(60_000);
      proxy.up();
      try {
        const again = await sync(config, [f.src]);
        expect(again.result.filesTransferred).toBeGreaterThan(0);
        expect(again.result.filesTransferred).toBeLessThanOrEqual(60 - 3);
      } finally {
        proxy.down();
      }
      await expectRcloneClean(f.src, f.remote);
    }, 90_000);

    test("each source goes to <root>/<basename>/", async () => {
      const f = fixture({ "one.txt": "1" }, "first");
      const second = join(tempDir("conf-src"), "second");
      writeTree(second, { "two.txt": "2" });
      await sync(f.config, [f.src, second]);
      const all = await rcloneFiles(t.rcloneRemote(f.config));
      expect([...all.keys()].sort()).toEqual(["first/one.txt", "second/two.txt"]);
      expect(existsSync(second) && statSync(second).isDirectory()).toBe(true);
      expect(basename(second)).toBe("second");
    });
  });
}
