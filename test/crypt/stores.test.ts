// Encrypted jobs on the real radosgw S3, OpenSSH SFTP and Apache WebDAV peers, checked with stock rclone through
// the rclone.conf the app hands out (GET /api/jobs/:id/rclone-config): rclone check finds no
// difference, cat gives the bytes, lsf the plain names; what rclone copies into the crypt remote
// reads back byte-identical through the job's store; the raw store holds neither names nor
// content; a wrong password says so; a second run sends nothing.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { jobs } from "../../src/db/schema.ts";
import type { RemoteStore } from "../../src/destinations/contract.ts";
import { openJobStore } from "../../src/runs/job-store.ts";
import type { TestClient } from "../helpers/app.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { tempDir, writeBigFile, writeTree } from "../remote/harness.ts";
import { signedIn } from "../web/helpers.ts";

const reason = missingCommand("radosgw", "rclone") ?? notRoot() ?? (existsSync("/usr/sbin/sshd") ? null : "sshd not installed (openssh-server)");
const STAMP = Date.now().toString(36);
const PASSWORD = "correct horse battery staple ✓";
const MARKER = "DYNAMIGHT-CRYPT-MARKER-0123456789";
const NAMES = ["Fotos 2024/Ürlaub am Meer.txt", "日本語/ファイル名.md", "emoji 🎉/💾 backup.txt", "plain/readme-secret-name.txt", "empty.txt"];

async function rcloneWith(conf: string | null, ...args: string[]) {
  const env = { ...process.env, RCLONE_CONFIG: conf ?? "/dev/null" } as Record<string, string>;
  delete env.AWS_CA_BUNDLE;
  // Bounded: a stalled peer fails the step that waited on it instead of the suite's hooks.
  const p = Bun.spawn(["rclone", ...args], { env, stdout: "pipe", stderr: "pipe", timeout: 90_000 });
  const [out, err, code] = await Promise.all([new Response(p.stdout).arrayBuffer(), new Response(p.stderr).text(), p.exited]);
  return { code, out: Buffer.from(out), err };
}

// Not imported from test/remote/s3.test.ts: importing a test file runs its suites.
const rcloneS3 = (endpoint: string, path: string) => `:s3,provider=Ceph,endpoint='${endpoint}',access_key_id=bkpaccess,secret_access_key=bkpsecret123,force_path_style=true:${path}`;
const s3Client = () => new S3Client({ region: "us-east-1", endpoint: "http://127.0.0.1:7480", forcePathStyle: true, credentials: { accessKeyId: "bkpaccess", secretAccessKey: "bkpsecret123" } });
async function startS3Peer() {
  const r = await sh(["bash", join(import.meta.dir, "../../scripts/peers/s3.sh"), "start"]);
  if (r.code !== 0) throw new Error(`scripts/peers/s3.sh start failed: ${r.err}`);
}

async function sh(args: string[]) {
  const p = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
  return { code: await p.exited, err: await new Response(p.stderr).text() };
}

interface Target {
  name: string;
  type: "s3" | "sftp" | "webdav";
  prepare(): Promise<{ config: Record<string, unknown>; credential: Record<string, string>; raw: string }>;
  cleanup(): Promise<void>;
}

const S3_BUCKET = `crypt-${STAMP}`;
const SFTP_ROOT = `data/crypt-${STAMP}`;
const DAV_ROOT = `crypt-${STAMP}`;

const targets: Target[] = [
  {
    name: "S3 (radosgw)",
    type: "s3",
    async prepare() {
      await startS3Peer();
      const c = s3Client();
      await c.send(new CreateBucketCommand({ Bucket: S3_BUCKET }));
      c.destroy();
      return {
        config: { bucket: S3_BUCKET, prefix: "enc/job", region: "us-east-1", endpoint: "http://127.0.0.1:7480" },
        credential: { access_key_id: "bkpaccess", secret_access_key: "bkpsecret123" },
        raw: rcloneS3("http://127.0.0.1:7480", `${S3_BUCKET}/enc/job`),
      };
    },
    async cleanup() {
      await rcloneWith(null, "purge", rcloneS3("http://127.0.0.1:7480", S3_BUCKET));
    },
  },
  {
    name: "SFTP (OpenSSH)",
    type: "sftp",
    async prepare() {
      const script = join(import.meta.dir, "../../scripts/peers/sftp.sh");
      if ((await sh(["bash", script, "status"])).code !== 0) {
        const r = await sh(["bash", script, "start"]);
        if (r.code !== 0) throw new Error(`sftp.sh start: ${r.err}`);
      }
      const obscured = (await rcloneWith(null, "obscure", "bkpsftp-pass")).out.toString().trim();
      return {
        config: { host: "127.0.0.1", port: 2222, username: "bkpsftp", remote_path: SFTP_ROOT, key_based_auth: false },
        credential: { password: "bkpsftp-pass" },
        raw: `:sftp,host=127.0.0.1,port=2222,user=bkpsftp,pass=${obscured}:${SFTP_ROOT}`,
      };
    },
    async cleanup() {
      rmSync(`/tmp/peers/sftp/home/${SFTP_ROOT}`, { recursive: true, force: true });
    },
  },
  {
    name: "WebDAV (Apache)",
    type: "webdav",
    async prepare() {
      const script = join(import.meta.dir, "../../scripts/peers/webdav.sh");
      if ((await sh(["bash", script, "status"])).code !== 0) {
        const r = await sh(["bash", script, "start"]);
        if (r.code !== 0) throw new Error(`webdav.sh start: ${r.err}`);
      }
      const obscured = (await rcloneWith(null, "obscure", "bkpdav-pass")).out.toString().trim();
      const raw = `:webdav,url='http://127.0.0.1:8080/dav/',vendor=other,user=bkpdav,pass=${obscured}:${DAV_ROOT}`;
      expect((await rcloneWith(null, "mkdir", raw)).code).toBe(0);
      return { config: { url: "http://127.0.0.1:8080/dav/", remote_path: `/${DAV_ROOT}` }, credential: { username: "bkpdav", password: "bkpdav-pass" }, raw };
    },
    async cleanup() {
      const obscured = (await rcloneWith(null, "obscure", "bkpdav-pass")).out.toString().trim();
      await rcloneWith(null, "purge", `:webdav,url='http://127.0.0.1:8080/dav/',vendor=other,user=bkpdav,pass=${obscured}:${DAV_ROOT}`);
    },
  },
];

async function createJob(client: TestClient, type: string, config: Record<string, unknown>, credential: Record<string, string>, source: string, password = PASSWORD) {
  const cred = await client.json("POST", "/api/credentials", { body: { name: `${type} store`, provider_type: type, data: credential } });
  expect(cred.status).toBe(201);
  const enc = await client.json("POST", "/api/credentials", { body: { name: `${type} password`, provider_type: "encryption", data: { password } } });
  expect(enc.status).toBe(201);
  expect(JSON.stringify(enc.body)).not.toContain(password);
  const job = await client.json("POST", "/api/jobs", {
    body: {
      name: `crypt ${type}`,
      source_dirs: [source],
      destination_type: type,
      destination_config: config,
      credential_id: cred.body.id,
      sync_options: { encryption: { password_credential_id: enc.body.id, filename_encryption: "standard", directory_name_encryption: true } },
    },
  });
  expect(job.status).toBe(201);
  expect(job.body.sync_options.encryption).toEqual({ password_credential_id: enc.body.id, filename_encryption: "standard", directory_name_encryption: true });
  return { jobId: job.body.id as number, encId: enc.body.id as number };
}

async function runJob(client: TestClient, services: any, jobId: number) {
  const r = await client.json("POST", `/api/jobs/${jobId}/run`);
  expect(r.status).toBe(202);
  await services.engine.waitFor(r.body.run_id);
  const run = await client.json("GET", `/api/runs/${r.body.run_id}`);
  expect(run.body.error_message ?? null).toBeNull();
  expect(run.body.status).toBe("completed");
  return run.body;
}

for (const target of targets) {
  describeIf(reason)(`encrypted backup on ${target.name}`, () => {
    const src = tempDir(`crypt-src-${target.type}`);
    const top = src.split("/").pop()!;
    const confPath = join(tempDir(`crypt-conf-${target.type}`), "rclone.conf");
    let env: Awaited<ReturnType<typeof signedIn>>;
    let prepared: Awaited<ReturnType<Target["prepare"]>>;
    let jobId = 0;
    const bigSha = { value: "" };
    const open = (store: RemoteStore, path: string) => store.open(path, new AbortController().signal).then(buffer);
    const jobRow = () =>
      env.ctx.db
        .select()
        .from(jobs)
        .all()
        .find((j) => j.id === jobId)!;

    beforeAll(async () => {
      prepared = await target.prepare();
      const files: Record<string, string> = {};
      for (const n of NAMES) files[n] = n === "empty.txt" ? "" : `${MARKER} ${n}\n`.repeat(50);
      writeTree(src, files);
      await writeBigFile(join(src, "big/fifty.bin"), 50 * 1024 * 1024);
      bigSha.value = createHash("sha256")
        .update(readFileSync(join(src, "big/fifty.bin")))
        .digest("hex");
      env = await signedIn();
      ({ jobId } = await createJob(env.client, target.type, prepared.config, prepared.credential, src));
    }, 120_000);

    afterAll(async () => {
      rmSync(src, { recursive: true, force: true });
      await target.cleanup();
    }, 180_000);

    test("the first run uploads everything; a second run sends nothing", async () => {
      const first = await runJob(env.client, env.services, jobId);
      expect(first.files_transferred).toBe(NAMES.length + 1);
      const second = await runJob(env.client, env.services, jobId);
      expect(second.files_transferred).toBe(0);
      expect(second.bytes_transferred).toBe(0);
      // With a full comparison the listing (decrypted, sorted, plaintext sizes) and stat agree too.
      const job = (await env.client.json("GET", `/api/jobs/${jobId}`)).body;
      const put = await env.client.json("PUT", `/api/jobs/${jobId}`, {
        body: {
          name: job.name,
          source_dirs: job.source_dirs,
          destination_type: job.destination_type,
          destination_config: { ...prepared.config, full_compare: true },
          credential_id: job.credential_id,
          sync_options: job.sync_options,
        },
      });
      expect(put.status).toBe(200);
      const third = await runJob(env.client, env.services, jobId);
      expect(third.files_transferred).toBe(0);
    }, 180_000);

    test("the downloaded rclone config opens it: check, cat, lsf", async () => {
      const res = await env.client.request("GET", `/api/jobs/${jobId}/rclone-config`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-disposition")).toContain("rclone.conf");
      const conf = await res.text();
      expect(conf).not.toContain(PASSWORD);
      expect(conf).toContain("type = crypt");
      writeFileSync(confPath, conf);
      const remote = `${conf.match(/^\[(.+-crypt)\]$/m)![1]}:${top}`;
      const check = await rcloneWith(confPath, "check", "--download", src, remote);
      expect(check.err).toContain("0 differences found");
      expect(check.code).toBe(0);
      const cat = await rcloneWith(confPath, "cat", `${remote}/${NAMES[0]}`);
      expect(cat.code).toBe(0);
      expect(cat.out.equals(readFileSync(join(src, NAMES[0]!)))).toBe(true);
      const lsf = await rcloneWith(confPath, "lsf", "-R", "--files-only", remote);
      expect(lsf.out.toString().trim().split("\n").sort()).toEqual([...NAMES, "big/fifty.bin"].sort());
    }, 180_000);

    test("the raw store holds neither the names nor the content", async () => {
      const names = (await rcloneWith(null, "lsf", "-R", prepared.raw)).out.toString();
      expect(names).not.toBe("");
      for (const part of ["Fotos", "Ürlaub", "日本語", "🎉", "readme-secret-name", "fifty", top]) expect(names).not.toContain(part);
      const small = (await rcloneWith(null, "lsf", "-R", "--files-only", "--max-size", "1M", prepared.raw)).out.toString().trim().split("\n");
      expect(small.length).toBe(NAMES.length);
      for (const f of small) {
        const raw = (await rcloneWith(null, "cat", `${prepared.raw}/${f}`)).out;
        expect(raw.subarray(0, 8).toString("latin1")).toBe("RCLONE\0\0");
        expect(raw.includes(Buffer.from(MARKER))).toBe(false);
      }
    }, 120_000);

    test("the job's store reads back plain names, sizes and bytes, also of files rclone wrote", async () => {
      const extra = tempDir(`crypt-rc-${target.type}`);
      writeTree(extra, { "von rclone/Grüße.txt": `${MARKER} from rclone\n`, "von rclone/nested/deep file.bin": "x".repeat(70_000) });
      const copy = await rcloneWith(confPath, "copy", extra, `${readFileSync(confPath, "utf8").match(/^\[(.+-crypt)\]$/m)![1]}:incoming`);
      expect(copy.code).toBe(0);
      const store = await openJobStore({ db: env.ctx.db, secret: env.ctx.secret, dataDir: env.ctx.config.dataDir }, jobRow());
      try {
        const listed = [];
        for await (const e of store.list("incoming", new AbortController().signal)) listed.push([e.path, e.size]);
        expect(listed).toEqual([
          ["incoming/von rclone/Grüße.txt", Buffer.byteLength(`${MARKER} from rclone\n`)],
          ["incoming/von rclone/nested/deep file.bin", 70_000],
        ]);
        expect((await open(store, "incoming/von rclone/Grüße.txt")).toString()).toBe(`${MARKER} from rclone\n`);
        expect((await open(store, "incoming/von rclone/nested/deep file.bin")).equals(Buffer.from("x".repeat(70_000)))).toBe(true);
        const big = await open(store, `${top}/big/fifty.bin`);
        expect(createHash("sha256").update(big).digest("hex")).toBe(bigSha.value);
        expect(store.hash).toBeNull();
        await store.remove("incoming/von rclone/Grüße.txt", new AbortController().signal);
        await store.remove("incoming/von rclone/nested/deep file.bin", new AbortController().signal);
      } finally {
        await store.close();
        rmSync(extra, { recursive: true, force: true });
      }
    }, 180_000);

    test("restore through the API gives the source back byte for byte, with a file rclone wrote; a wrong password fails the restore", async () => {
      const crypt = readFileSync(confPath, "utf8").match(/^\[(.+-crypt)\]$/m)![1];
      const extra = tempDir(`crypt-rc2-${target.type}`);
      writeTree(extra, { "Grüße von rclone.txt": `${MARKER} rclone wrote this\n` });
      expect((await rcloneWith(confPath, "copy", extra, `${crypt}:${top}/from-rclone`)).code).toBe(0);
      const browse = await env.client.json("GET", `/api/jobs/${jobId}/files?path=${encodeURIComponent(top)}`);
      expect(browse.status).toBe(200);
      expect(browse.body.entries.map((e: { name: string }) => e.name).sort()).toEqual(["Fotos 2024", "big", "emoji 🎉", "empty.txt", "from-rclone", "plain", "日本語"].sort());
      const into = tempDir(`crypt-restored-${target.type}`);
      const r = await env.client.json("POST", `/api/jobs/${jobId}/restore`, { body: { paths: [top], target: { folder: into }, overwrite: "never" } });
      expect(r.status).toBe(202);
      await env.services.engine.waitFor(r.body.run_id);
      const run = await env.client.json("GET", `/api/runs/${r.body.run_id}`);
      expect(run.body.error_message ?? null).toBeNull();
      expect(run.body.status).toBe("completed");
      for (const n of NAMES) expect(readFileSync(join(into, top, n)).equals(readFileSync(join(src, n)))).toBe(true);
      expect(
        createHash("sha256")
          .update(readFileSync(join(into, top, "big/fifty.bin")))
          .digest("hex"),
      ).toBe(bigSha.value);
      expect(readFileSync(join(into, top, "from-rclone/Grüße von rclone.txt"), "utf8")).toBe(`${MARKER} rclone wrote this\n`);
      rmSync(into, { recursive: true, force: true });

      const { jobId: wrongJob } = await createJob(env.client, target.type, prepared.config, prepared.credential, src, "not the password");
      const into2 = tempDir(`crypt-wrong-${target.type}`);
      const w = await env.client.json("POST", `/api/jobs/${wrongJob}/restore`, { body: { paths: [top], target: { folder: into2 }, overwrite: "never" } });
      if (w.status === 202) {
        await env.services.engine.waitFor(w.body.run_id);
        const wrun = await env.client.json("GET", `/api/runs/${w.body.run_id}`);
        expect(wrun.body.status).toBe("failed");
        expect(wrun.body.error_message).toContain("wrong encryption password");
      } else {
        expect(JSON.stringify(w.body)).toContain("wrong encryption password");
      }
      rmSync(into2, { recursive: true, force: true });
      rmSync(extra, { recursive: true, force: true });
      expect((await rcloneWith(confPath, "purge", `${crypt}:${top}/from-rclone`)).code).toBe(0);
    }, 240_000);

    test("a wrong password says so; a tampered block says the file is corrupt", async () => {
      const wrong = await env.client.json("POST", "/api/credentials", { body: { name: "wrong", provider_type: "encryption", data: { password: "not the password" } } });
      const row = jobRow();
      const opts = { ...(row.syncOptions as Record<string, unknown>), encryption: { password_credential_id: wrong.body.id, filename_encryption: "standard", directory_name_encryption: true } };
      const store = await openJobStore({ db: env.ctx.db, secret: env.ctx.secret, dataDir: env.ctx.config.dataDir }, { ...row, syncOptions: opts });
      try {
        const listing = (async () => {
          for await (const _ of store.list(top, new AbortController().signal));
        })();
        await expect(listing).rejects.toThrow("wrong encryption password");
      } finally {
        await store.close();
      }
      // With names in plain (filename_encryption off) the content says it: its first block does not open.
      const plainNames = await openJobStore(
        { db: env.ctx.db, secret: env.ctx.secret, dataDir: env.ctx.config.dataDir },
        { ...row, syncOptions: { ...opts, encryption: { ...opts.encryption, filename_encryption: "off" } } },
      );
      const right = await openJobStore(
        { db: env.ctx.db, secret: env.ctx.secret, dataDir: env.ctx.config.dataDir },
        { ...row, syncOptions: { ...(row.syncOptions as Record<string, unknown>), encryption: { ...(row.syncOptions as any).encryption, filename_encryption: "off" } } },
      );
      try {
        const source = {
          open: () => createReadStream(join(src, NAMES[0]!)),
          readAll: async () => readFileSync(join(src, NAMES[0]!)),
          openRange: () => null as never,
          size: readFileSync(join(src, NAMES[0]!)).length,
          mtime: 0,
          mtimeNs: 0n,
          localPath: "",
        };
        await right.put("probe/file.txt", source, new AbortController().signal);
        await expect(open(plainNames, "probe/file.txt")).rejects.toThrow("wrong encryption password");
        expect((await open(right, "probe/file.txt")).equals(readFileSync(join(src, NAMES[0]!)))).toBe(true);
        await right.remove("probe/file.txt", new AbortController().signal);
        // A tampered block further in: the stream fails saying the file is corrupt, never garbage.
        const multi = Buffer.alloc(150_000, 7);
        const multiSource = { ...source, open: () => Readable.from([multi]), readAll: async () => multi, size: multi.length };
        await right.put("probe/multi.bin", multiSource, new AbortController().signal);
        expect((await open(right, "probe/multi.bin")).equals(multi)).toBe(true);
        const raw = (await rcloneWith(null, "cat", `${prepared.raw}/probe/multi.bin.bin`)).out;
        expect(raw.length).toBe(150_000 + 32 + 3 * 16);
        raw[32 + 65_552 + 10]! ^= 0xff;
        const tampered = tempDir(`crypt-tamper-${target.type}`);
        writeFileSync(join(tampered, "multi.bin.bin"), raw);
        expect((await rcloneWith(null, "copyto", "--ignore-times", join(tampered, "multi.bin.bin"), `${prepared.raw}/probe/multi.bin.bin`)).code).toBe(0);
        await expect(open(right, "probe/multi.bin")).rejects.toThrow("file is corrupt (block 1 does not authenticate)");
        await right.remove("probe/multi.bin", new AbortController().signal);
        rmSync(tampered, { recursive: true, force: true });
      } finally {
        await plainNames.close();
        await right.close();
      }
    }, 60_000);
  });
}
