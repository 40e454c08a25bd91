// Verify on the real servers (radosgw, OpenSSH, Apache mod_dav): a tree with Unicode names,
// nested folders, an empty file and a 50 MB file is backed up by the destination's own sync, then
// verified; then the servers' copies are changed behind our back (rclone, or the server's own
// files on disk) and verify must name exactly what changed, without changing anything itself.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import type { Destination, RemoteStore, SyncOptions } from "../../src/destinations/contract.ts";
import { s3Destination } from "../../src/destinations/s3/destination.ts";
import { normalizePrefix } from "../../src/destinations/s3/store.ts";
import { sftpDestination } from "../../src/destinations/sftp/destination.ts";
import { webdavDestination } from "../../src/destinations/webdav/destination.ts";
import { verifyRemote } from "../../src/verify/remote.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { RecordingReporter, rclone, syncRequest, tempDir, writeBigFile, writeTree } from "../remote/harness.ts";
import { ensurePeer, rcloneS3, S3_CREDENTIAL, S3_ENDPOINT, s3Client, startS3Peer } from "./peers.ts";

const RUN = Date.now().toString(36);
const TREE: Record<string, string> = {
  "Über/naïve café.txt": "crème brûlée, twice",
  "日本語/ファイル.txt": "こんにちは",
  "a/b/c/deep.txt": "deep down",
  "empty.txt": "",
  "emoji 🎉.txt": "party",
  "keep.txt": "keep me",
};
const BIG = "big/fifty.bin";
const BIG_BYTES = 50 * 1024 * 1024;
const CORRUPT = "docs/Über/naïve café.txt";
const MTIME_SEC = 1_700_000_000;

const OPTS: Partial<SyncOptions> = { delete_extraneous: false };

interface Target {
  destination: Destination<any>;
  config: unknown;
  credential: Record<string, string>;
  /** Overwrites one stored file with other bytes of the same size, keeping its mtime where the server keeps one. */
  corrupt(path: string, bytes: string): Promise<void>;
  remove(path: string): Promise<void>;
  add(path: string, bytes: string): Promise<void>;
  /** Sets the stored modification time; null when the server keeps none (WebDAV). */
  touch: ((path: string, mtimeSec: number) => Promise<void>) | null;
  /** The store can see a same-size rewrite without reading it back (a content hash). */
  hashes: boolean;
}

/** A local file with the given bytes and the tree's mtime, for rclone to upload. */
function staged(bytes: string): string {
  const p = join(tempDir("verify-stage"), "f");
  writeFileSync(p, bytes);
  utimesSync(p, MTIME_SEC, MTIME_SEC);
  return p;
}

async function ok(r: Promise<{ code: number; err: string }>) {
  const x = await r;
  if (x.code !== 0) throw new Error(`rclone failed: ${x.err}`);
}

async function s3Target(): Promise<Target> {
  await startS3Peer();
  const bucket = `verify-${RUN}`;
  const client = s3Client();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  const config = s3Destination.parseConfig({ bucket, prefix: "backups", region: "us-east-1", endpoint: S3_ENDPOINT });
  const remote = (p: string) => rcloneS3(S3_ENDPOINT, `${bucket}/${normalizePrefix(config.prefix)}${p}`);
  return {
    destination: s3Destination,
    config,
    credential: S3_CREDENTIAL,
    // rclone writes the mtime metadata from the local file, as our sync does: only the bytes differ
    // (--ignore-times: same size and mtime would otherwise make rclone skip the upload).
    corrupt: (p, bytes) => ok(rclone("copyto", "--ignore-times", staged(bytes), remote(p))),
    remove: (p) => ok(rclone("deletefile", remote(p))),
    add: (p, bytes) => ok(rclone("copyto", staged(bytes), remote(p))),
    touch: (p, sec) => ok(rclone("touch", "--no-create", "-t", new Date(sec * 1000).toISOString().slice(0, 19), remote(p))),
    hashes: true,
  };
}

/** A tree server whose files live on this disk under `base`: changed there, as the server's own storage. */
function onDisk(base: string, keepsMtime: boolean): Pick<Target, "corrupt" | "remove" | "add" | "touch"> {
  return {
    async corrupt(p, bytes) {
      const abs = join(base, p);
      const before = statSync(abs);
      writeFileSync(abs, bytes);
      if (keepsMtime) utimesSync(abs, before.atime, before.mtime);
    },
    async remove(p) {
      rmSync(join(base, p));
    },
    async add(p, bytes) {
      writeFileSync(join(base, p), bytes);
    },
    touch: keepsMtime ? async (p, sec) => utimesSync(join(base, p), sec, sec) : null,
  };
}

async function sftpTarget(): Promise<Target> {
  await ensurePeer("sftp");
  const root = `verify-${RUN}`;
  return {
    destination: sftpDestination,
    config: sftpDestination.parseConfig({ host: "127.0.0.1", port: 2222, username: "bkpsftp", remote_path: `data/${root}`, key_based_auth: false }),
    credential: { password: "bkpsftp-pass" },
    ...onDisk(`/tmp/peers/sftp/home/data/${root}`, true),
    hashes: false,
  };
}

async function webdavTarget(): Promise<Target> {
  await ensurePeer("webdav");
  const root = `verify-${RUN}`;
  return {
    destination: webdavDestination,
    config: webdavDestination.parseConfig({ url: "http://127.0.0.1:8080/dav/", remote_path: `/${root}` }),
    credential: { username: "bkpdav", password: "bkpdav-pass" },
    ...onDisk(`/tmp/peers/webdav/data/${root}`, false),
    hashes: false,
  };
}

/** Everything the store holds, with what changes when a file is rewritten. */
async function snapshot(store: RemoteStore): Promise<string[]> {
  const out: string[] = [];
  for await (const e of store.list("docs", new AbortController().signal)) out.push(JSON.stringify([e.path, e.size, e.mtime, e.id ?? null, e.serverTime ?? null, e.hash ?? null]));
  return out;
}

const reason = notRoot() ?? missingCommand("rclone", "radosgw");

describeIf(reason)("verify on the real servers", () => {
  const src = join(tempDir("verify-src"), "docs");
  const dataDir = tempDir("verify-data");
  beforeAll(async () => {
    writeTree(src, TREE, MTIME_SEC);
    await writeBigFile(join(src, BIG), BIG_BYTES);
    utimesSync(join(src, BIG), MTIME_SEC, MTIME_SEC);
  });

  for (const [label, make] of [
    ["s3 (radosgw)", s3Target],
    ["sftp (OpenSSH)", sftpTarget],
    ["webdav (Apache)", webdavTarget],
  ] as const) {
    describe(label, () => {
      let t: Target;
      let store: RemoteStore;
      const verify = async (o: { deep?: boolean; options?: Partial<SyncOptions> } = {}) => {
        const report = new RecordingReporter();
        const before = await snapshot(store);
        const req = syncRequest(t.config, t.credential, [src], dataDir, { ...OPTS, ...o.options });
        const result = await verifyRemote(store, { sources: [src], options: req.options, deep: o.deep ?? false, signal: new AbortController().signal, report });
        // Verify changes nothing on the destination.
        expect(await snapshot(store)).toEqual(before);
        const warnings = report.lines.filter((l) => l.level === "warning").map((l) => l.message);
        return { ...result, warnings, report };
      };

      beforeAll(async () => {
        t = await make();
        const req = syncRequest(t.config, t.credential, [src], dataDir, OPTS);
        await t.destination.sync!(req);
        store = await t.destination.openStore!(t.config, t.credential, { dataDir, purpose: "sync" });
      }, 120_000);
      afterAll(async () => {
        await store?.close();
      });

      test("a fresh backup verifies with 0 differences, also when read back in full", async () => {
        const quick = await verify();
        expect(quick.warnings).toEqual([]);
        expect({ checked: quick.filesChecked, differences: quick.differences }).toEqual({ checked: 7, differences: 0 });
        const deep = await verify({ deep: true });
        expect(deep.warnings).toEqual([]);
        expect({ checked: deep.filesChecked, differences: deep.differences }).toEqual({ checked: 7, differences: 0 });
        const total = Object.values(TREE).reduce((n, s) => n + Buffer.byteLength(s), 0) + BIG_BYTES;
        expect(deep.bytesRead).toBe(total);
      }, 120_000);

      test("a same-size rewrite on the server: deep verify names exactly that file", async () => {
        const original = TREE["Über/naïve café.txt"]!;
        const bad = "X".repeat(Buffer.byteLength(original));
        await t.corrupt(CORRUPT, bad);
        const quick = await verify();
        // Without reading back only a store hash can tell; SFTP and WebDAV have none.
        expect(quick.warnings.length).toBe(t.hashes ? 1 : 0);
        if (t.hashes) expect(quick.warnings[0]).toStartWith(`${CORRUPT}: content differs (md5`);
        const deep = await verify({ deep: true });
        expect(deep.differences).toBe(1);
        expect(deep.warnings.length).toBe(1);
        expect(deep.warnings[0]).toStartWith(`${CORRUPT}: content differs`);
        expect(deep.filesChecked).toBe(7);
        await t.corrupt(CORRUPT, original);
        expect((await verify({ deep: true })).differences).toBe(0);
      }, 120_000);

      test("a modification time changed on the server is a difference where the store keeps one", async () => {
        const path = "docs/a/b/c/deep.txt";
        if (!t.touch) {
          const v = await verify();
          expect(v.report.text()).toContain("This destination does not keep modification times: they are not compared");
          return;
        }
        await t.touch(path, MTIME_SEC + 7200);
        const v = await verify();
        expect(v.warnings).toEqual([`${path}: modification time differs (source 2023-11-14T22:13:20.000Z, destination 2023-11-15T00:13:20.000Z)`]);
        await t.touch(path, MTIME_SEC);
        expect((await verify()).differences).toBe(0);
      }, 120_000);

      test("a deleted file is missing; an extra file counts only when the job deletes extraneous files", async () => {
        await t.remove("docs/keep.txt");
        await t.add("docs/a/stray.txt", "not from the source");
        const keeping = await verify();
        expect(keeping.warnings).toEqual(["docs/keep.txt: missing on the destination"]);
        expect(keeping.filesChecked).toBe(7);
        const deleting = await verify({ options: { delete_extraneous: true } });
        expect(deleting.warnings).toEqual(["docs/a/stray.txt: extra on the destination (not in the source; the job deletes extraneous files)", "docs/keep.txt: missing on the destination"]);
        expect(deleting.differences).toBe(2);
        // An excluded path is never deleted by a backup, so it is not extra either.
        const excluded = await verify({ options: { delete_extraneous: true, exclude_patterns: ["stray.txt"] } });
        expect(excluded.warnings).toEqual(["docs/keep.txt: missing on the destination"]);
      }, 120_000);
    });
  }

  afterAll(async () => {
    for (const base of [`/tmp/peers/sftp/home/data/verify-${RUN}`, `/tmp/peers/webdav/data/verify-${RUN}`]) if (existsSync(base)) rmSync(base, { recursive: true, force: true });
    await rclone("purge", rcloneS3(S3_ENDPOINT, `verify-${RUN}`));
  });
});
