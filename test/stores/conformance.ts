// The store-level conformance suite: one set of checks that every RemoteStore passes the same
// way (the real S3, SFTP and WebDAV servers, the folder-backed test store, the local read-back
// store, and any in-process fake), straight against the contract of src/destinations/contract.ts.
// A store's entry in stores.test.ts calls:
//   runStoreConformance("s3 (Ceph radosgw)", async () => ({ store, cleanup }), reasonToSkipOrNull)
// (test/remote/conformance.ts is the other suite: whole syncs through a destination, checked
// with rclone.)
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { compareUtf8, DestinationError, type DestinationErrorKind, type PutSource, type RemoteEntry, type RemoteStore } from "../../src/destinations/contract.ts";
import { quickXorHash } from "../../src/destinations/onedrive/quickxor.ts";
import { describeIf } from "../helpers/prereq.ts";

export interface StoreUnderTest {
  /** A store whose root is fresh (empty or missing) and its own. */
  store: RemoteStore;
  /** Removes what the suite left (called once, after close). */
  cleanup(): Promise<void>;
}

const never = () => new AbortController().signal;

/** Names that catch ordering and encoding mistakes: "a-b" before "a/" (a folder sorts as "a/"),
 *  U+E000 before an astral character (UTF-16 order would say otherwise), spaces, NFC/NFD-free unicode. */
const TREE: Record<string, string> = {
  "a.txt": "alpha",
  "a-b.txt": "order check a-b",
  "a/b.txt": "order check a/b",
  "docs/readme.md": "# readme\n",
  "docs/deep/nested/file.bin": "x".repeat(3000),
  "with space/file name.txt": "spaces",
  "ünïcødé/日本語 ファイル.txt": "unicode",
  "z\uE000.txt": "private use",
  "z😀.txt": "emoji",
  "empty.txt": "",
};

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** Awaits `p`, which must fail with a DestinationError of `kind` (or any kind when omitted). */
async function rejectsWith(p: Promise<unknown>, kind?: DestinationErrorKind | DestinationErrorKind[]): Promise<DestinationError> {
  let err: unknown = null;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  if (err === null) throw new Error(`expected a DestinationError${kind ? ` "${kind}"` : ""}, but it succeeded`);
  if (!(err instanceof DestinationError)) throw new Error(`expected a DestinationError, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
  if (kind) expect(Array.isArray(kind) ? kind : [kind]).toContain(err.kind);
  return err;
}

function hashOf(kind: NonNullable<RemoteStore["hash"]>, data: Buffer): string {
  // OneDrive's QuickXorHash (src/destinations/onedrive/quickxor.ts, itself checked against rclone's in test/onedrive).
  if (kind === "quickxor") return quickXorHash(data);
  return createHash(kind).update(data).digest("hex");
}

export function runStoreConformance(name: string, make: () => Promise<StoreUnderTest>, reason: string | null) {
  describeIf(reason)(`store conformance: ${name}`, () => {
    let s: RemoteStore;
    let cleanup: (() => Promise<void>) | null = null;
    let localDir: string;
    let seq = 0;
    /** What the suite believes each path holds, for the hash and listing checks. */
    const content = new Map<string, Buffer>();

    beforeAll(async () => {
      const made = await make();
      s = made.store;
      cleanup = made.cleanup;
      localDir = mkdtempSync(join(tmpdir(), "dm-storeconf-"));
    });
    afterAll(async () => {
      await s?.close().catch(() => {});
      await cleanup?.();
    });

    /** A fresh folder for one test, so tests never see each other's files. */
    const folder = (tag: string) => `t${++seq}-${tag}`;

    /** A PutSource over a real local file (as the engine gives one). */
    function source(data: Buffer | string, mtime = 1_650_000_000_500): PutSource {
      const buf = Buffer.from(data);
      const file = join(localDir, `src-${++seq}`);
      writeFileSync(file, buf);
      return {
        open: () => createReadStream(file),
        readAll: () => readFile(file),
        openRange: (start, end) => createReadStream(file, { start, end }),
        size: buf.length,
        mtime,
        mtimeNs: BigInt(mtime) * 1_000_000n,
        localPath: file,
      };
    }

    async function put(path: string, data: Buffer | string, mtime?: number) {
      const r = await s.put(path, source(data, mtime), never());
      content.set(path, Buffer.from(data));
      return r;
    }

    async function list(prefix: string): Promise<RemoteEntry[]> {
      const out: RemoteEntry[] = [];
      for await (const e of s.list(prefix, never())) out.push(e);
      return out;
    }

    async function read(path: string): Promise<Buffer> {
      return bytesOf(await s.open(path, never()));
    }

    const near = (got: number | null | undefined, want: number) => {
      expect(got).not.toBeNull();
      expect(got).not.toBeUndefined();
      expect(Math.abs((got as number) - want)).toBeLessThan(s.capabilities.mtimePrecisionMs);
    };

    test("list: every file under the prefix, in compareUtf8 order, nested and unicode names, no folders", async () => {
      const p = folder("list");
      for (const [rel, data] of Object.entries(TREE)) await put(`${p}/${rel}`, data);
      const got = await list(p);
      const paths = got.map((e) => e.path);
      const want = Object.keys(TREE)
        .map((r) => `${p}/${r}`)
        .sort(compareUtf8);
      expect(paths).toEqual(want);
      for (const e of got) expect(e.size).toBe(TREE[e.path.slice(p.length + 1)]!.length);
      // A sub-prefix lists only its own subtree; the root listing contains the same files.
      expect((await list(`${p}/docs`)).map((e) => e.path)).toEqual([`${p}/docs/deep/nested/file.bin`, `${p}/docs/readme.md`]);
      expect((await list("")).map((e) => e.path).filter((x) => x.startsWith(`${p}/`))).toEqual(want);
      // A folder whose last file went away is not a file: it never shows up in the listing.
      await s.remove(`${p}/with space/file name.txt`, never());
      expect((await list(p)).map((e) => e.path)).toEqual(want.filter((x) => !x.includes("with space")));
    });

    test("a missing prefix lists nothing", async () => {
      expect(await list(folder("missing"))).toEqual([]);
      expect(await list(`${folder("missing")}/deeper/still`)).toEqual([]);
    });

    test("put replaces what is there, and reports the mtime the store kept", async () => {
      const p = `${folder("put")}/r.txt`;
      const first = await put(p, "one", 1_650_000_000_500);
      const second = await put(p, "two, and longer", 1_650_000_100_500);
      expect((await read(p)).toString()).toBe("two, and longer");
      const entries = await list(p.slice(0, p.indexOf("/")));
      expect(entries.map((e) => [e.path, e.size])).toEqual([[p, 15]]);
      if (s.capabilities.mtime === "none") {
        expect(first.mtime).toBeNull();
        expect(second.mtime).toBeNull();
      } else near(second.mtime, 1_650_000_100_500);
    });

    test("put with an aborted signal fails and leaves nothing", async () => {
      const p = `${folder("abort")}/never.txt`;
      const c = new AbortController();
      c.abort();
      let err: unknown = null;
      await s.put(p, source("never"), c.signal).catch((e) => (err = e));
      // The contract allows the plain AbortError out of put (the engine maps it).
      expect(err instanceof DestinationError ? (err as DestinationError).kind : (err as Error)?.name).toBeOneOf(["cancelled", "AbortError"]);
      expect(await list(p.slice(0, p.indexOf("/")))).toEqual([]);
    });

    test("stat: a file's size (and mtime where promised); a missing file is null", async () => {
      if (!s.stat) return;
      const p = `${folder("stat")}/s.txt`;
      await put(p, "stat me", 1_650_000_000_500);
      const st = await s.stat(p, never());
      expect(st?.path).toBe(p);
      expect(st?.size).toBe(7);
      if (s.capabilities.mtime !== "none") near(st?.mtime, 1_650_000_000_500);
      expect(await s.stat(`${p}.nope`, never())).toBeNull();
      expect(await s.stat(`${folder("stat")}/no/such/file`, never())).toBeNull();
    });

    test("remove is idempotent; removeMany (where present) treats gone paths as success", async () => {
      const p = folder("remove");
      await put(`${p}/x.txt`, "x");
      await put(`${p}/y.txt`, "y");
      await put(`${p}/z.txt`, "z");
      await s.remove(`${p}/x.txt`, never());
      await s.remove(`${p}/x.txt`, never());
      await s.remove(`${p}/never-was.txt`, never());
      await s.remove(`${p}/no/such/folder/file.txt`, never());
      expect((await list(p)).map((e) => e.path)).toEqual([`${p}/y.txt`, `${p}/z.txt`]);
      if (s.removeMany) {
        await s.removeMany([`${p}/y.txt`, `${p}/z.txt`, `${p}/never-was.txt`], never());
        expect(await list(p)).toEqual([]);
      }
    });

    test("mtime: put and setModTime keep what capabilities.mtime promises", async () => {
      const p = `${folder("mtime")}/m.txt`;
      const t1 = 1_650_000_000_500;
      await put(p, "time", t1);
      const check = async (want: number) => {
        const [e] = await list(p.slice(0, p.indexOf("/")));
        switch (s.capabilities.mtime) {
          case "listing":
            near(e?.mtime, want);
            if (s.stat) near((await s.stat(p, never()))?.mtime, want);
            break;
          case "stat":
            expect(s.stat).toBeDefined();
            near((await s.stat!(p, never()))?.mtime, want);
            break;
          case "none":
            expect(e?.mtime).toBeNull();
            break;
        }
      };
      await check(t1);
      if (s.setModTime) {
        const t2 = 1_660_000_000_250;
        await s.setModTime(p, t2, never());
        await check(t2);
        expect((await read(p)).toString()).toBe("time");
      }
    });

    test("removeDir (where present): false when not empty or gone, true once empty", async () => {
      if (!s.removeDir) return;
      const p = folder("rmdir");
      await put(`${p}/d/f.txt`, "keep me");
      expect(await s.removeDir(`${p}/d`, never())).toBe(false);
      expect((await read(`${p}/d/f.txt`)).toString()).toBe("keep me");
      await s.remove(`${p}/d/f.txt`, never());
      expect(await s.removeDir(`${p}/d`, never())).toBe(true);
      expect(await s.removeDir(`${p}/d`, never())).toBe(false);
      expect(await s.removeDir(`${p}/never/was`, never())).toBe(false);
    });

    test("open round-trips bytes exactly: empty, text, unicode name, ~3 MiB", async () => {
      const p = folder("open");
      const big = randomBytes(3 * 1024 * 1024 + 17);
      const files: Record<string, Buffer> = {
        [`${p}/empty.bin`]: Buffer.alloc(0),
        [`${p}/t.txt`]: Buffer.from("hello, store\n"),
        [`${p}/ünï/日本語 😀.txt`]: Buffer.from("unicode name"),
        [`${p}/big.bin`]: big,
      };
      for (const [path, data] of Object.entries(files)) await put(path, data);
      for (const [path, data] of Object.entries(files)) {
        const got = await read(path);
        expect(got.length).toBe(data.length);
        expect(got.equals(data)).toBe(true);
      }
    });

    test("open: a missing file or a folder is not_found; abort destroys the stream (cancelled)", async () => {
      const p = folder("open-err");
      await put(`${p}/sub/f.bin`, randomBytes(3 * 1024 * 1024));
      await rejectsWith(s.open(`${p}/nope.txt`, never()), "not_found");
      await rejectsWith(s.open(`${p}/no/such/dir/x`, never()), "not_found");
      await rejectsWith(s.open(`${p}/sub`, never()), "not_found");
      const aborted = new AbortController();
      aborted.abort();
      await rejectsWith(s.open(`${p}/sub/f.bin`, aborted.signal), "cancelled");
      const c = new AbortController();
      const stream = await s.open(`${p}/sub/f.bin`, c.signal);
      const err = await new Promise<unknown>((resolve) => {
        stream.once("data", () => c.abort());
        stream.once("error", resolve);
        stream.once("end", () => resolve(null));
      });
      expect(err).toBeInstanceOf(DestinationError);
      expect((err as DestinationError).kind).toBe("cancelled");
      expect(stream.destroyed).toBe(true);
    });

    test("hash: what list and stat give is the real hash of the content (or none at all)", async () => {
      const p = folder("hash");
      await put(`${p}/h1.txt`, "hash me");
      await put(`${p}/h2.bin`, randomBytes(200_000));
      await put(`${p}/empty.txt`, "");
      const entries = await list(p);
      const stats = s.stat ? await Promise.all(entries.map((e) => s.stat!(e.path, never()))) : [];
      const all = [...entries, ...stats.filter((x): x is RemoteEntry => x !== null)];
      expect(all.length).toBeGreaterThan(0);
      if (s.hash === null) {
        for (const e of all) expect(e.hash ?? null).toBeNull();
        return;
      }
      let seen = 0;
      for (const e of all) {
        if (e.hash === undefined || e.hash === null) continue;
        seen++;
        expect(e.hash).toBe(hashOf(s.hash, content.get(e.path)!));
      }
      // Small single uploads are where every hashing store can vouch: the check must not be vacuous.
      expect(seen).toBeGreaterThan(0);
    });

    test("move replaces the target, creates parents, keeps the mtime; the old path is gone", async () => {
      const p = folder("move");
      await put(`${p}/a.txt`, "from a", 1_650_000_000_500);
      await put(`${p}/b.txt`, "old b", 1_640_000_000_500);
      await s.move(`${p}/a.txt`, `${p}/b.txt`, never());
      expect((await read(`${p}/b.txt`)).toString()).toBe("from a");
      await rejectsWith(s.open(`${p}/a.txt`, never()), "not_found");
      expect((await list(p)).map((e) => e.path)).toEqual([`${p}/b.txt`]);
      if (s.capabilities.mtime === "listing") near((await list(p))[0]?.mtime, 1_650_000_000_500);
      if (s.capabilities.mtime === "stat") near((await s.stat!(`${p}/b.txt`, never()))?.mtime, 1_650_000_000_500);

      await s.move(`${p}/b.txt`, `${p}/new/deeper/c ü.txt`, never());
      expect((await read(`${p}/new/deeper/c ü.txt`)).toString()).toBe("from a");
      expect((await list(p)).map((e) => e.path)).toEqual([`${p}/new/deeper/c ü.txt`]);

      // Onto itself: nothing changes.
      await s.move(`${p}/new/deeper/c ü.txt`, `${p}/new/deeper/c ü.txt`, never());
      expect((await read(`${p}/new/deeper/c ü.txt`)).toString()).toBe("from a");
    });

    test("move: a missing from is not_found and leaves the target alone", async () => {
      const p = folder("move-err");
      await put(`${p}/keep.txt`, "keep");
      await rejectsWith(s.move(`${p}/nope.txt`, `${p}/keep.txt`, never()), "not_found");
      await rejectsWith(s.move(`${p}/no/such/dir.txt`, `${p}/elsewhere.txt`, never()), "not_found");
      expect((await read(`${p}/keep.txt`)).toString()).toBe("keep");
      expect((await list(p)).map((e) => e.path)).toEqual([`${p}/keep.txt`]);
      const aborted = new AbortController();
      aborted.abort();
      await rejectsWith(s.move(`${p}/keep.txt`, `${p}/moved.txt`, aborted.signal), "cancelled");
      expect((await read(`${p}/keep.txt`)).toString()).toBe("keep");
    });

    test("check answers details; close is safe twice", async () => {
      const details = await s.check(never());
      expect(typeof details).toBe("object");
      expect(typeof s.key).toBe("string");
      expect(s.key.length).toBeGreaterThan(0);
      await s.close();
      await s.close();
    });
  });
}
