// Every RemoteStore through the one store-level conformance suite (conformance.ts). Adding a store
// is one entry here: a way to make it on a fresh root, a cleanup, and the reason to skip (null
// when it always runs). The real servers are the shared peers of scripts/peers/*.sh, started as
// test/remote/*.test.ts start them: S3 is left running (start is idempotent), SFTP and WebDAV are
// stopped at the end only when this file started them.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { StoreCapabilities } from "../../src/destinations/contract.ts";
import { DestinationError } from "../../src/destinations/contract.ts";
import { DriveStore } from "../../src/destinations/google-drive/store.ts";
import { LocalStore } from "../../src/destinations/local/store.ts";
import { OAuthTokenSource } from "../../src/destinations/oauth/token-source.ts";
import { OnedriveStore } from "../../src/destinations/onedrive/store.ts";
import { S3Store } from "../../src/destinations/s3/store.ts";
import { SftpStore } from "../../src/destinations/sftp/store.ts";
import { WebdavStore } from "../../src/destinations/webdav/store.ts";
import { startDriveFake } from "../fakes/google-drive.ts";
import { startGraphFake } from "../fakes/graph.ts";
import { startOAuthFake } from "../fakes/oauth.ts";
import { missingCommand, notRoot } from "../helpers/prereq.ts";
import { DirStore } from "../sync/dirstore.ts";
import { runStoreConformance } from "./conformance.ts";

const PEERS = join(import.meta.dir, "../../scripts/peers");
const tag = `st${Date.now().toString(36)}`;
const tempDir = (t: string) => mkdtempSync(join(tmpdir(), `dm-${t}-`));

async function sh(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

/** SFTP and WebDAV peers: start unless up, and remember to stop only what this file started. */
const started = new Set<string>();
async function ensurePeer(name: "sftp" | "webdav") {
  const script = join(PEERS, `${name}.sh`);
  if ((await sh(["bash", script, "status"])).code === 0) return;
  const r = await sh(["bash", script, "start"]);
  if (r.code !== 0) throw new Error(`${name}.sh start failed: ${r.err}`);
  started.add(name);
}
afterAll(async () => {
  for (const name of started) await sh(["bash", join(PEERS, `${name}.sh`), "stop"]);
});

// --- S3 on the real Ceph radosgw (scripts/peers/s3.sh) ---
const S3_PORT = Number(process.env.S3_PORT ?? 7480);
const S3_KEYS = { accessKeyId: process.env.S3_ACCESS_KEY ?? "bkpaccess", secretAccessKey: process.env.S3_SECRET_KEY ?? "bkpsecret123" };
runStoreConformance(
  "s3 (Ceph radosgw)",
  async () => {
    const r = await sh(["bash", join(PEERS, "s3.sh"), "start"]);
    if (r.code !== 0) throw new Error(`scripts/peers/s3.sh start failed: ${r.err}`);
    const endpoint = `http://127.0.0.1:${S3_PORT}`;
    const bucket = `dm-stores-${tag}`;
    const client = new S3Client({
      region: "us-east-1",
      endpoint,
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      credentials: S3_KEYS,
    });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const store = new S3Store(
      { bucket, prefix: "stores/root", region: "us-east-1", endpoint, storage_class: null },
      { access_key_id: S3_KEYS.accessKeyId, secret_access_key: S3_KEYS.secretAccessKey },
    );
    return {
      store,
      async cleanup() {
        for (;;) {
          const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
          const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
          if (keys.length === 0) break;
          await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
        }
        await client.send(new DeleteBucketCommand({ Bucket: bucket }));
        client.destroy();
      },
    };
  },
  missingCommand("radosgw", "ceph-mon", "ceph-osd") ?? notRoot(),
);

// --- SFTP on the real OpenSSH sshd (scripts/peers/sftp.sh, 127.0.0.1:2222) ---
const SFTP_DATA = "/tmp/peers/sftp/home/data";
runStoreConformance(
  "sftp (OpenSSH sshd)",
  async () => {
    await ensurePeer("sftp");
    const root = `stores-${tag}`;
    const store = new SftpStore({
      host: "127.0.0.1",
      port: 2222,
      username: "bkpsftp",
      auth: { password: "bkpsftp-pass" },
      dataDir: tempDir("stores-sftp"),
      timeoutMs: 10_000,
      root: `data/${root}`,
    });
    return { store, cleanup: async () => rmSync(join(SFTP_DATA, root), { recursive: true, force: true }) };
  },
  notRoot() ?? (existsSync("/usr/sbin/sshd") ? null : "sshd not installed (openssh-server)"),
);

// --- WebDAV on the real Apache mod_dav (scripts/peers/webdav.sh, 127.0.0.1:8080/dav/) ---
const DAV_DATA = "/tmp/peers/webdav/data";
runStoreConformance(
  "webdav (Apache mod_dav)",
  async () => {
    await ensurePeer("webdav");
    const root = `stores-${tag}`;
    const store = new WebdavStore({ url: "http://127.0.0.1:8080/dav/", root: `/${root}`, username: "bkpdav", password: "bkpdav-pass" });
    return { store, cleanup: async () => rmSync(join(DAV_DATA, root), { recursive: true, force: true }) };
  },
  notRoot() ?? (existsSync("/usr/sbin/apache2") ? null : "apache2 not installed"),
);

// --- OneDrive on the in-process Microsoft Graph fake (test/fakes/graph.ts): pages of 3, 320 KiB fragments ---
runStoreConformance(
  "onedrive (Graph fake)",
  async () => {
    const graph = await startGraphFake();
    graph.mkdirs("Backups/stores");
    const tokens = { accessToken: async () => "graph-test-token", invalidate() {} };
    const store = new OnedriveStore({ graphUrl: graph.url, driveId: null, folderPath: "/Backups/stores", tokens, chunkSize: 2 * 320 * 1024 });
    return { store, cleanup: () => graph.close() };
  },
  null,
);

// --- Google Drive on the in-process Drive v3 and token endpoint fakes (test/fakes), small pages,
// 256 KiB chunks so the suite's bigger files go through resumable sessions ---
runStoreConformance(
  "google drive (Drive v3 fake)",
  async () => {
    const oauth = await startOAuthFake({ provider: "google", accessTokenTtlMs: 1500, rotateRefreshTokens: true });
    const drive = await startDriveFake({ oauth, maxPageSize: 2 });
    Object.assign(process.env, oauth.env);
    const folder = drive.createFolder("root", `stores-${tag}`);
    const seed = oauth.issue();
    const tokens = new OAuthTokenSource("google", { ...seed, expires_at: String(seed.expires_at) });
    const store = new DriveStore({ folderId: folder, sharedDriveId: null, tokens, apiUrl: drive.url, chunkSize: 256 * 1024 });
    await store.init();
    return {
      store,
      async cleanup() {
        await drive.stop();
        oauth.stop();
      },
    };
  },
  null,
);

// --- The folder-backed test store of the engine tests, in each of its mtime modes ---
for (const mode of ["listing", "stat", "none"] as StoreCapabilities["mtime"][]) {
  runStoreConformance(
    `dirstore (mtime ${mode})`,
    async () => {
      const dir = tempDir("stores-dir");
      return { store: new DirStore(join(dir, "root"), mode), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
    null,
  );
}

// --- The local read-back store (the local destination's <mount_point>/<backup_subdir>) ---
runStoreConformance(
  "local folder",
  async () => {
    const dir = tempDir("stores-local");
    mkdirSync(join(dir, "backups"));
    return { store: new LocalStore(join(dir, "backups")), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  null,
);

describe("LocalStore stays inside its root", () => {
  const never = () => new AbortController().signal;
  const kindOf = (p: Promise<unknown>) =>
    p.then(
      () => "ok",
      (e) => (e instanceof DestinationError ? e.kind : `not a DestinationError: ${e}`),
    );

  test("'..', '.', empty segments, absolute paths and NUL are refused by every method", async () => {
    const dir = tempDir("stores-confine");
    writeFileSync(join(dir, "secret.txt"), "outside");
    const root = join(dir, "root");
    mkdirSync(root);
    const s = new LocalStore(root);
    for (const bad of ["../secret.txt", "a/../../secret.txt", "./x", "a//b", "/etc/passwd", "a\0b", ""]) {
      expect(await kindOf(s.open(bad, never()))).toBe("failed");
      expect(await kindOf(s.move(bad, "x.txt", never()))).toBe("failed");
      expect(await kindOf(s.move("x.txt", bad, never()))).toBe("failed");
      expect(await kindOf(s.remove(bad, never()))).toBe("failed");
      expect(await kindOf(s.stat(bad, never()))).toBe("failed");
    }
    expect(
      await kindOf(
        (async () => {
          for await (const _ of s.list("..", never()));
        })(),
      ),
    ).toBe("failed");
    expect(readFileSync(join(dir, "secret.txt"), "utf8")).toBe("outside");
    rmSync(dir, { recursive: true, force: true });
  });

  test("a symlinked folder does not lead out, a symlinked file is not a file", async () => {
    const dir = tempDir("stores-confine");
    mkdirSync(join(dir, "outside"));
    writeFileSync(join(dir, "outside", "secret.txt"), "outside");
    const root = join(dir, "root");
    mkdirSync(root);
    symlinkSync(join(dir, "outside"), join(root, "link"));
    symlinkSync(join(dir, "outside", "secret.txt"), join(root, "file-link.txt"));
    const s = new LocalStore(root);
    expect(await kindOf(s.open("link/secret.txt", never()))).toBe("permission");
    expect(await kindOf(s.remove("link/secret.txt", never()))).toBe("permission");
    expect(await kindOf(s.move("link/secret.txt", "here.txt", never()))).toBe("permission");
    expect(await kindOf(s.open("file-link.txt", never()))).toBe("not_found");
    expect(await kindOf(s.move("file-link.txt", "here.txt", never()))).toBe("not_found");
    const listed: string[] = [];
    for await (const e of s.list("", never())) listed.push(e.path);
    expect(listed).toEqual([]);
    expect(readFileSync(join(dir, "outside", "secret.txt"), "utf8")).toBe("outside");
    await expect(new LocalStore(join(dir, "missing")).check(never())).rejects.toMatchObject({ kind: "not_found" });
    rmSync(dir, { recursive: true, force: true });
  });
});
