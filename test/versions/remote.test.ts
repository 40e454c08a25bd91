// Versions on the real remote servers (radosgw S3, OpenSSH SFTP, Apache WebDAV), through the real
// engine: three runs that change, delete and recreate files; each replaced copy is in its run's
// version folder and readable with rclone; restore as of a time resolves to exactly that time's
// tree; pruning (the run's clock is injected) removes only expired folders; versions off stays a
// plain mirror; a move that cannot be made leaves the old file in place and fails the run.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { recordInFolder } from "../../src/db/record.ts";
import type { Destination, RemoteStore } from "../../src/destinations/contract.ts";
import { versionStamp } from "../../src/destinations/engine/version-names.ts";
import { s3Destination } from "../../src/destinations/s3/destination.ts";
import { sftpDestination } from "../../src/destinations/sftp/destination.ts";
import { webdavDestination } from "../../src/destinations/webdav/destination.ts";
import { listVersions, resolveRestoreAsOf } from "../../src/versions/service.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { rclone, rcloneFiles, syncRequest, tempDir, writeTree } from "../remote/harness.ts";

const DAY = 86_400_000;
const T1 = Date.parse("2026-01-01T00:00:00Z");
const T2 = T1 + DAY;
const T3 = T1 + 2 * DAY;
const S2 = versionStamp(T2);
const S3 = versionStamp(T3);
const TAG = `versions-${Date.now().toString(36)}`;

interface Target {
  name: string;
  dest: Destination<any>;
  credential: Record<string, string>;
  /** A fresh root on the server; returns the job config and the rclone remote of that root. */
  root(name: string): Promise<{ config: unknown; remote: string }>;
  /** Whether a plain file at `.dynamight-versions` makes a move into it fail (tree stores). */
  blocksMoves: boolean;
}

const S3_ENDPOINT = `http://127.0.0.1:${process.env.S3_PORT ?? 7480}`;
const S3_KEYS = { access_key_id: process.env.S3_ACCESS_KEY ?? "bkpaccess", secret_access_key: process.env.S3_SECRET_KEY ?? "bkpsecret123" };
const BUCKET = TAG;

async function peer(name: string) {
  const p = Bun.spawn(["bash", join(import.meta.dir, `../../scripts/peers/${name}.sh`), "start"], { stdout: "pipe", stderr: "pipe" });
  if ((await p.exited) !== 0) throw new Error(`scripts/peers/${name}.sh start failed: ${await new Response(p.stderr).text()}`);
}

async function must(args: string[]) {
  const r = await rclone(...args);
  if (r.code !== 0) throw new Error(`rclone ${args[0]}: ${r.err}`);
  return r.out;
}

const targets: Target[] = [
  {
    name: "s3 (radosgw)",
    dest: s3Destination,
    credential: S3_KEYS,
    blocksMoves: false,
    async root(name) {
      return {
        config: s3Destination.parseConfig({ bucket: BUCKET, prefix: name, region: "us-east-1", endpoint: S3_ENDPOINT }),
        remote: `:s3,provider=Ceph,endpoint='${S3_ENDPOINT}',access_key_id=${S3_KEYS.access_key_id},secret_access_key=${S3_KEYS.secret_access_key},force_path_style=true:${BUCKET}/${name}`,
      };
    },
  },
  {
    name: "sftp (OpenSSH)",
    dest: sftpDestination,
    credential: { password: process.env.SFTP_PASS ?? "bkpsftp-pass" },
    blocksMoves: true,
    async root(name) {
      const pass = (await must(["obscure", process.env.SFTP_PASS ?? "bkpsftp-pass"])).trim();
      const remote = `:sftp,host=127.0.0.1,port=2222,user=bkpsftp,pass=${pass}:data/${TAG}-${name}`;
      await must(["mkdir", remote]);
      return { config: sftpDestination.parseConfig({ host: "127.0.0.1", port: 2222, username: "bkpsftp", remote_path: `data/${TAG}-${name}`, key_based_auth: false }), remote };
    },
  },
  {
    name: "webdav (Apache)",
    dest: webdavDestination,
    credential: { username: "bkpdav", password: "bkpdav-pass" },
    blocksMoves: true,
    async root(name) {
      const pass = (await must(["obscure", "bkpdav-pass"])).trim();
      const remote = `:webdav,url='http://127.0.0.1:8080/dav/',vendor=other,user=bkpdav,pass=${pass}:${TAG}-${name}`;
      await must(["mkdir", remote]);
      return { config: webdavDestination.parseConfig({ url: "http://127.0.0.1:8080/dav/", remote_path: `/${TAG}-${name}` }), remote };
    },
  },
];

const reason = missingCommand("rclone", "radosgw", "/usr/sbin/sshd", "apache2") ?? notRoot();
const cleanups: (() => Promise<unknown>)[] = [];

async function text(store: RemoteStore, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await store.open(path, new AbortController().signal)) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString();
}

describeIf(reason)("versions on the remote stores", () => {
  beforeAll(async () => {
    await Promise.all(["s3", "sftp", "webdav"].map(peer));
    const client = new S3Client({ region: "us-east-1", endpoint: S3_ENDPOINT, forcePathStyle: true, credentials: { accessKeyId: S3_KEYS.access_key_id, secretAccessKey: S3_KEYS.secret_access_key } });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    client.destroy();
    cleanups.push(() =>
      rclone("purge", `:s3,provider=Ceph,endpoint='${S3_ENDPOINT}',access_key_id=${S3_KEYS.access_key_id},secret_access_key=${S3_KEYS.secret_access_key},force_path_style=true:${BUCKET}`),
    );
  });
  afterAll(async () => {
    for (const c of cleanups) await c().catch(() => {});
  });

  for (const tg of targets) {
    describe(tg.name, () => {
      test("three runs keep every replaced and deleted copy in its run's folder; as_of gives that time's tree; pruning removes only expired folders", async () => {
        const { config, remote } = await tg.root("main");
        cleanups.push(() => rclone("purge", remote));
        const parent = tempDir("versions-src");
        const src = join(parent, "docs");
        const dataDir = tempDir("versions-data");
        cleanups.push(async () => rmSync(parent, { recursive: true, force: true }));
        const run = async (startedAt: number) => {
          const req = { ...syncRequest(config, tg.credential, [src], dataDir, { delete_extraneous: true, keep_versions_days: 30 }), startedAt };
          const result = await tg.dest.sync!(req);
          return { result, log: req.report.text() };
        };

        writeTree(src, { "a.txt": "A1", "b.txt": "B1", "sub/c.txt": "C1" }, 1_700_000_000);
        const r1 = await run(T1);
        expect(r1.result).toMatchObject({ filesTransferred: 3, filesDeleted: 0 });
        // Nothing was replaced: no versions folder at all.
        expect([...(await rcloneFiles(remote)).keys()].filter((p) => p.startsWith(".dynamight-versions"))).toEqual([]);

        writeTree(src, { "a.txt": "A2-longer", "d.txt": "D2" }, 1_700_000_100);
        rmSync(join(src, "b.txt"));
        const r2 = await run(T2);
        expect(r2.result).toMatchObject({ filesTransferred: 2, filesDeleted: 1 });

        writeTree(src, { "a.txt": "A3", "d.txt": "D3", "b.txt": "B3" }, 1_700_000_200);
        rmSync(join(src, "sub"), { recursive: true });
        const r3 = await run(T3);
        expect(r3.result).toMatchObject({ filesTransferred: 3, filesDeleted: 1 });

        // The whole destination as an independent tool sees it.
        const files = [...(await rcloneFiles(remote)).keys()].sort();
        expect(files).toEqual(
          [
            "docs/a.txt",
            "docs/b.txt",
            "docs/d.txt",
            `.dynamight-versions/${S2}/docs/a.txt`,
            `.dynamight-versions/${S2}/docs/b.txt`,
            `.dynamight-versions/${S3}/docs/a.txt`,
            `.dynamight-versions/${S3}/docs/d.txt`,
            `.dynamight-versions/${S3}/docs/sub/c.txt`,
          ].sort(),
        );
        const cat = (p: string) => must(["cat", `${remote}/${p}`]);
        expect(await cat(`.dynamight-versions/${S2}/docs/a.txt`)).toBe("A1");
        expect(await cat(`.dynamight-versions/${S2}/docs/b.txt`)).toBe("B1");
        expect(await cat(`.dynamight-versions/${S3}/docs/a.txt`)).toBe("A2-longer");
        expect(await cat(`.dynamight-versions/${S3}/docs/d.txt`)).toBe("D2");
        expect(await cat(`.dynamight-versions/${S3}/docs/sub/c.txt`)).toBe("C1");
        expect(await cat("docs/a.txt")).toBe("A3");

        const store = await tg.dest.openStore!(config, tg.credential, { dataDir, purpose: "sync" });
        try {
          const signal = new AbortController().signal;
          // The versions of one file, newest first, with the moved copy's preserved mtime where the store keeps one.
          const versions = await listVersions(store, "docs/a.txt", signal);
          expect(versions.map((v) => [v.version, v.size])).toEqual([
            [S3, 9],
            [S2, 2],
          ]);
          if (tg.name.startsWith("s3") || tg.name.startsWith("sftp")) expect(versions[1]!.modified).toBe(new Date(1_700_000_000_000).toISOString());
          expect(await listVersions(store, "docs/none.txt", signal)).toEqual([]);

          // As of between runs 1 and 2: exactly run 1's tree (d.txt came later; b.txt's recreation too, but its old life counts).
          const tree = async (asOf: number, paths: string[] = []) => {
            const got = await resolveRestoreAsOf(store, recordInFolder(dataDir), paths, asOf, signal);
            return Object.fromEntries(await Promise.all(got.map(async (f) => [f.path, await text(store, f.from)])));
          };
          expect(await tree(T1 + DAY / 2)).toEqual({ "docs/a.txt": "A1", "docs/b.txt": "B1", "docs/sub/c.txt": "C1" });
          // Between runs 2 and 3: run 2's tree (b.txt was deleted by run 2).
          expect(await tree(T2 + DAY / 2)).toEqual({ "docs/a.txt": "A2-longer", "docs/d.txt": "D2", "docs/sub/c.txt": "C1" });
          // After run 3: the current files. Before run 1: nothing.
          expect(await tree(T3 + DAY / 2)).toEqual({ "docs/a.txt": "A3", "docs/b.txt": "B3", "docs/d.txt": "D3" });
          expect(await tree(T1 - DAY)).toEqual({});
          // Some paths only: a folder and a file.
          expect(await tree(T1 + DAY / 2, ["docs/sub", "docs/a.txt"])).toEqual({ "docs/a.txt": "A1", "docs/sub/c.txt": "C1" });
        } finally {
          await store.close();
        }

        // A folder in the versions folder that is not a stamp is not ours: pruning leaves it.
        await rcat(`${remote}/.dynamight-versions/not-a-stamp/keep.txt`, "mine");
        // Run 4, nothing changed, 30 days and an hour after run 2: run 2's folder has expired, run 3's has not.
        const r4 = await run(T2 + 30 * DAY + 3_600_000);
        expect(r4.result.filesTransferred).toBe(0);
        expect(r4.result.filesDeleted).toBe(0);
        expect(r4.result.versionsPruned).toBe(2);
        expect(r4.log).toContain("pruned 2 old version(s) from 1 version folder(s) older than 30 day(s)");
        const after = [...(await rcloneFiles(remote)).keys()].filter((p) => p.startsWith(".dynamight-versions/")).sort();
        expect(after).toEqual(
          [`.dynamight-versions/${S3}/docs/a.txt`, `.dynamight-versions/${S3}/docs/d.txt`, `.dynamight-versions/${S3}/docs/sub/c.txt`, ".dynamight-versions/not-a-stamp/keep.txt"].sort(),
        );
        if (tg.blocksMoves) {
          // Tree stores: the expired folder itself is gone too.
          const dirs = await rclone("lsf", "--dirs-only", `${remote}/.dynamight-versions`);
          expect(dirs.out.split("\n").filter(Boolean).sort()).toEqual([`${S3}/`, "not-a-stamp/"]);
        }
        // Nothing else to prune a minute later.
        expect((await run(T2 + 30 * DAY + 3_660_000)).result.versionsPruned).toBe(0);
      });

      test("versions off: a plain mirror, no versions folder", async () => {
        const { config, remote } = await tg.root("off");
        cleanups.push(() => rclone("purge", remote));
        const parent = tempDir("versions-src");
        const src = join(parent, "docs");
        const dataDir = tempDir("versions-data");
        const run = (startedAt: number) => tg.dest.sync!({ ...syncRequest(config, tg.credential, [src], dataDir, { delete_extraneous: true, keep_versions_days: null }), startedAt });
        writeTree(src, { "a.txt": "A1", "b.txt": "B1" }, 1_700_000_000);
        await run(T1);
        writeTree(src, { "a.txt": "A2-longer" }, 1_700_000_100);
        rmSync(join(src, "b.txt"));
        const r = await run(T2);
        expect(r).toEqual({ filesTransferred: 1, bytesTransferred: 9, filesDeleted: 1 });
        expect([...(await rcloneFiles(remote)).keys()]).toEqual(["docs/a.txt"]);
        expect(await must(["cat", `${remote}/docs/a.txt`])).toBe("A2-longer");
        rmSync(parent, { recursive: true, force: true });
      });

      if (tg.blocksMoves) {
        test("a move that cannot be made: the old file stays, the run fails, the next run after the fix keeps and replaces it", async () => {
          const { config, remote } = await tg.root("blocked");
          cleanups.push(() => rclone("purge", remote));
          const parent = tempDir("versions-src");
          const src = join(parent, "docs");
          const dataDir = tempDir("versions-data");
          const req = (startedAt: number) => ({ ...syncRequest(config, tg.credential, [src], dataDir, { delete_extraneous: true, keep_versions_days: 7 }), startedAt });
          writeTree(src, { "a.txt": "A1", "b.txt": "B1" }, 1_700_000_000);
          await tg.dest.sync!(req(T1));
          // A plain file where the versions folder would go: no folder can be made under it.
          await rcat(`${remote}/.dynamight-versions`, "in the way");
          writeTree(src, { "a.txt": "A2-longer" }, 1_700_000_100);
          rmSync(join(src, "b.txt"));
          const blocked = req(T2);
          await expect(tg.dest.sync!(blocked)).rejects.toThrow("2 file(s) not replaced because their old version could not be kept; see the log");
          expect(blocked.report.lines.filter((l) => l.level === "error").map((l) => l.message.split(":")[0])).toEqual(expect.arrayContaining(["docs/a.txt", "docs/b.txt"]));
          expect(await must(["cat", `${remote}/docs/a.txt`])).toBe("A1");
          expect(await must(["cat", `${remote}/docs/b.txt`])).toBe("B1");
          // The way cleared, the next run keeps both old copies and then replaces/deletes (the record did not skip them).
          await must(["deletefile", `${remote}/.dynamight-versions`]);
          const r = await tg.dest.sync!(req(T3));
          expect(r).toMatchObject({ filesTransferred: 1, filesDeleted: 1 });
          expect(await must(["cat", `${remote}/.dynamight-versions/${S3}/docs/a.txt`])).toBe("A1");
          expect(await must(["cat", `${remote}/.dynamight-versions/${S3}/docs/b.txt`])).toBe("B1");
          expect(await must(["cat", `${remote}/docs/a.txt`])).toBe("A2-longer");
          rmSync(parent, { recursive: true, force: true });
        });
      }
    });
  }
});

/** Writes `content` to a remote path with rclone (without AWS_CA_BUNDLE, see scripts/peers/README.md). */
async function rcat(target: string, content: string) {
  const env = { ...process.env, RCLONE_CONFIG: "/dev/null" } as Record<string, string>;
  delete env.AWS_CA_BUNDLE;
  const p = Bun.spawn(["rclone", "rcat", target], { stdin: new Blob([content]), env, stderr: "pipe" });
  if ((await p.exited) !== 0) throw new Error(`rclone rcat: ${await new Response(p.stderr).text()}`);
}
