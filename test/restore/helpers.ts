// Shared by the restore tests: a source tree with the awkward cases (Unicode names, nested
// folders, an empty file, a big file), its fingerprint (sha256 + mtime of every file), jobs on
// each real store (radosgw, OpenSSH, Apache WebDAV, a local folder) and waiting for runs.
import { createHash } from "node:crypto";
import { createReadStream, lstatSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { rclone } from "../remote/harness.ts";

export const S3 = { port: Number(process.env.S3_PORT ?? 7480), ak: process.env.S3_ACCESS_KEY ?? "bkpaccess", sk: process.env.S3_SECRET_KEY ?? "bkpsecret123" };
export const SFTP = { port: 2222, user: "bkpsftp", pass: "bkpsftp-pass", homeData: "/tmp/peers/sftp/home/data" };
export const DAV = { port: 8080, user: "bkpdav", pass: "bkpdav-pass", data: "/tmp/peers/webdav/data" };

/** A fixed mtime with a millisecond part (so a store that loses it shows). */
export const MTIME = 1_700_000_000.123;

export async function sh(argv: string[], env?: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(argv, { env: env ? { ...process.env, ...env } : undefined, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

export async function startPeer(name: "s3" | "sftp" | "webdav") {
  const script = join(import.meta.dir, `../../scripts/peers/${name}.sh`);
  if ((await sh(["bash", script, "status"])).code === 0) return;
  const r = await sh(["bash", script, "start"]);
  if (r.code !== 0) throw new Error(`${name}.sh start failed: ${r.err}`);
}

/** Writes `bytes` pseudo-random bytes to `path` in chunks (never the whole file in memory). */
export async function writeRandom(path: string, bytes: number) {
  mkdirSync(dirname(path), { recursive: true });
  const w = Bun.file(path).writer();
  const chunk = crypto.getRandomValues(new Uint8Array(1 << 16));
  for (let done = 0; done < bytes; done += chunk.length) {
    w.write(done + chunk.length <= bytes ? chunk : chunk.subarray(0, bytes - done));
    if (done % (8 << 20) === 0) await w.flush();
  }
  await w.end();
}

/** The tree every restore test backs up, under `dir`; mtimes all MTIME except where a file says. */
export async function writeAwkwardTree(dir: string, bigBytes = 50 * 1024 * 1024) {
  const files: Record<string, string> = {
    "Ünïcödé/日本語のファイル.txt": "こんにちは",
    "Ünïcödé/emoji 😀 name.txt": "smile",
    "nested/a/b/c/deep.txt": "deep down",
    "nested/a/sibling.txt": "next to b",
    "spaces and 'quotes'.txt": "q",
    "empty.txt": "",
  };
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  await writeRandom(join(dir, "big.bin"), bigBytes);
  for (const rel of [...Object.keys(files), "big.bin"]) utimesSync(join(dir, rel), MTIME, MTIME);
}

export interface Print {
  sha256: string;
  size: number;
  mtimeMs: number;
}

async function sha256(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Every file below `dir` (relative path → hash, size, mtime). */
export async function fingerprint(dir: string): Promise<Map<string, Print>> {
  const out = new Map<string, Print>();
  const walk = async (at: string, rel: string) => {
    for (const name of readdirSync(at).sort()) {
      const p = join(at, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isDirectory()) await walk(p, r);
      else out.set(r, { sha256: await sha256(p), size: st.size, mtimeMs: st.mtimeMs });
    }
  };
  await walk(dir, "");
  return out;
}

export async function createBucket(bucket: string) {
  const client = new S3Client({
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${S3.port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: S3.ak, secretAccessKey: S3.sk },
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
}

export type StoreType = "s3" | "sftp" | "webdav" | "local";

export interface StoreTarget {
  type: StoreType;
  /** The job's destination_type, destination_config and credential (null: none). */
  destination: { destination_type: string; destination_config: Record<string, unknown> };
  credential: { provider_type: string; data: Record<string, string> } | null;
  /** The destination root as rclone names it. */
  rcloneRoot: string;
  /** Store mtime precision: what a restored mtime may lose. */
  precisionMs: number;
  /** Deletes what the tests put there (radosgw keeps objects in RAM, shared by every session). */
  cleanup(): Promise<void>;
}

/** A fresh empty root on each real store, named `restore-<tag>-<random>`. */
export async function storeTarget(type: StoreType, tag: string, localRoot?: string): Promise<StoreTarget> {
  const name = `restore-${tag}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  switch (type) {
    case "s3": {
      await startPeer("s3");
      await createBucket(name);
      return {
        type,
        destination: { destination_type: "s3", destination_config: { bucket: name, prefix: "backups", region: "us-east-1", endpoint: `http://127.0.0.1:${S3.port}` } },
        credential: { provider_type: "s3", data: { access_key_id: S3.ak, secret_access_key: S3.sk } },
        rcloneRoot: `:s3,provider=Ceph,endpoint='http://127.0.0.1:${S3.port}',access_key_id=${S3.ak},secret_access_key=${S3.sk},force_path_style=true:${name}/backups`,
        precisionMs: 1,
        cleanup: async () => void (await rclone("purge", `:s3,provider=Ceph,endpoint='http://127.0.0.1:${S3.port}',access_key_id=${S3.ak},secret_access_key=${S3.sk},force_path_style=true:${name}`)),
      };
    }
    case "sftp": {
      await startPeer("sftp");
      mkdirSync(join(SFTP.homeData, name), { recursive: true });
      await sh(["chown", "-R", `${SFTP.user}:`, join(SFTP.homeData, name)]);
      const obscured = (await rclone("obscure", SFTP.pass)).out.trim();
      return {
        type,
        destination: { destination_type: "sftp", destination_config: { host: "127.0.0.1", port: SFTP.port, username: SFTP.user, remote_path: `data/${name}`, key_based_auth: false } },
        credential: { provider_type: "sftp", data: { password: SFTP.pass } },
        rcloneRoot: `:sftp,host=127.0.0.1,port=${SFTP.port},user=${SFTP.user},pass=${obscured}:data/${name}`,
        precisionMs: 1000,
        cleanup: async () => rmSync(join(SFTP.homeData, name), { recursive: true, force: true }),
      };
    }
    case "webdav": {
      await startPeer("webdav");
      const r = await fetch(`http://127.0.0.1:${DAV.port}/dav/${name}/`, { method: "MKCOL", headers: { authorization: `Basic ${btoa(`${DAV.user}:${DAV.pass}`)}` } });
      if (r.status !== 201) throw new Error(`MKCOL ${name}: ${r.status}`);
      const obscured = (await rclone("obscure", DAV.pass)).out.trim();
      return {
        type,
        destination: { destination_type: "webdav", destination_config: { url: `http://127.0.0.1:${DAV.port}/dav/`, remote_path: `/${name}` } },
        credential: { provider_type: "webdav", data: { username: DAV.user, password: DAV.pass } },
        rcloneRoot: `:webdav,url='http://127.0.0.1:${DAV.port}/dav/',user=${DAV.user},pass=${obscured}:${name}`,
        precisionMs: 1000,
        cleanup: async () => rmSync(join(DAV.data, name), { recursive: true, force: true }),
      };
    }
    case "local": {
      const root = localRoot!;
      return {
        type,
        destination: { destination_type: "local", destination_config: { mount_point: root, backup_subdir: "backups", auto_mount: false, auto_unmount: false } },
        credential: null,
        rcloneRoot: join(root, "backups"),
        precisionMs: 1,
        cleanup: async () => {},
      };
    }
  }
}

type Api = <T = any>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T; res: Response }>;

/** Creates the job (and its credential) on `target`; returns the job id. */
export async function createJob(api: Api, target: StoreTarget, sources: string[], syncOptions: Record<string, unknown> = {}): Promise<number> {
  let credentialId: number | null = null;
  if (target.credential) {
    const c = await api("POST", "/api/credentials", { name: `restore ${target.type} ${Date.now()}`, ...target.credential });
    if (c.status !== 201) throw new Error(`credential: ${JSON.stringify(c.body)}`);
    credentialId = c.body.id;
  }
  const j = await api("POST", "/api/jobs", { name: `Restore test ${target.type}`, source_dirs: sources, ...target.destination, credential_id: credentialId, sync_options: syncOptions });
  if (j.status !== 201) throw new Error(`job: ${JSON.stringify(j.body)}`);
  return j.body.id;
}

/** Starts nothing: waits for the run and answers it with its log lines. */
export async function finished(t: { api: Api; services: { engine: { waitFor(id: number): Promise<void> } } }, runId: number) {
  await t.services.engine.waitFor(runId);
  const run = (await t.api("GET", `/api/runs/${runId}`)).body;
  const logs = (await t.api("GET", `/api/runs/${runId}/logs?limit=10000`)).body as { level: string; message: string }[];
  return { run, logs, text: logs.map((l) => `${l.level}: ${l.message}`).join("\n") };
}
