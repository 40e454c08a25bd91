// The S3 destination against a real Ceph radosgw (scripts/peers/s3.sh), through the shared
// conformance suite, plus the S3-specific parts: rclone's mtime format and multipart uploads.

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { CreateBucketCommand, ListMultipartUploadsCommand, S3Client } from "@aws-sdk/client-s3";
import { type S3Config, s3Destination } from "../../src/destinations/s3/destination.ts";
import { formatMtime, normalizePrefix, parseMtime } from "../../src/destinations/s3/store.ts";
import { describeIf, missingCommand, notRoot } from "../helpers/prereq.ts";
import { type ConformanceTarget, runConformance } from "./conformance.ts";
import { rclone } from "./harness.ts";

const PORT = Number(process.env.S3_PORT ?? 7480);
const AK = process.env.S3_ACCESS_KEY ?? "bkpaccess";
const SK = process.env.S3_SECRET_KEY ?? "bkpsecret123";
const BUCKET = `dm-conf-${Date.now().toString(36)}`;
const reason = missingCommand("radosgw", "ceph-mon", "ceph-osd", "rclone") ?? notRoot();

export async function startS3Peer(): Promise<void> {
  const p = Bun.spawn(["bash", join(import.meta.dir, "../../scripts/peers/s3.sh"), "start"], { stdout: "pipe", stderr: "pipe" });
  const [code, err] = [await p.exited, await new Response(p.stderr).text()];
  if (code !== 0) throw new Error(`scripts/peers/s3.sh start failed: ${err}`);
}

export function s3Client(endpoint = `http://127.0.0.1:${PORT}`): S3Client {
  return new S3Client({
    region: "us-east-1",
    endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    credentials: { accessKeyId: AK, secretAccessKey: SK },
  });
}

export function rcloneS3(endpoint: string, path: string): string {
  return `:s3,provider=Ceph,endpoint='${endpoint}',access_key_id=${AK},secret_access_key=${SK},force_path_style=true:${path}`;
}

async function target(): Promise<ConformanceTarget<S3Config>> {
  await startS3Peer();
  const client = s3Client();
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  return {
    destination: s3Destination,
    server: { host: "127.0.0.1", port: PORT },
    config: (root, server) => s3Destination.parseConfig({ bucket: BUCKET, prefix: `backups/${root}`, region: "us-east-1", endpoint: `http://${server.host}:${server.port}` }),
    credential: { access_key_id: AK, secret_access_key: SK },
    badCredential: { access_key_id: AK, secret_access_key: "not-the-secret-key" },
    rcloneRemote: (c) => rcloneS3(`http://127.0.0.1:${PORT}`, `${c.bucket}/${normalizePrefix(c.prefix).replace(/\/$/, "")}`),
    keepsMtime: true,
    async assertNoPartials(c) {
      const r = await client.send(new ListMultipartUploadsCommand({ Bucket: c.bucket, Prefix: normalizePrefix(c.prefix) }));
      expect(r.Uploads ?? []).toEqual([]);
    },
    async cleanup() {
      await rclone("purge", rcloneS3(`http://127.0.0.1:${PORT}`, BUCKET));
      client.destroy();
    },
  };
}

runConformance("s3 (Ceph radosgw)", target, reason);

describe("S3 mtime metadata (rclone's format)", () => {
  test("formats seconds with the fraction trimmed, and parses back to whole ms", () => {
    expect(formatMtime(1_700_000_000_000_000_000n)).toBe("1700000000");
    expect(formatMtime(1_700_000_000_500_000_000n)).toBe("1700000000.5");
    expect(formatMtime(1_700_000_000_123_456_789n)).toBe("1700000000.123456789");
    expect(parseMtime("1700000000.123456789")).toBe(1_700_000_000_123);
    expect(parseMtime("1700000000")).toBe(1_700_000_000_000);
    expect(parseMtime("1700000000.5")).toBe(1_700_000_000_500);
    expect(parseMtime("yesterday")).toBeNull();
    expect(parseMtime(undefined)).toBeNull();
  });
});

describe("S3 config", () => {
  test("validates the endpoint, bucket and prefix, naming the field", () => {
    expect(() => s3Destination.parseConfig({ bucket: "bkt", region: "us-east-1", endpoint: "ftp://x" })).toThrow("Field 'endpoint'");
    expect(() => s3Destination.parseConfig({ bucket: "bkt", region: "us-east-1", endpoint: "not a url" })).toThrow("Field 'endpoint'");
    expect(() => s3Destination.parseConfig({ bucket: "a b", region: "us-east-1" })).toThrow("Field 'bucket'");
    expect(() => s3Destination.parseConfig({ bucket: "bk", region: "us-east-1", prefix: "a/../b" })).toThrow("Field 'prefix'");
    const c = s3Destination.parseConfig({ bucket: "bk", region: "eu-west-1", endpoint: "http://127.0.0.1:7480/" });
    expect(c).toEqual({ bucket: "bk", prefix: "", region: "eu-west-1", endpoint: "http://127.0.0.1:7480", storage_class: "STANDARD", full_compare: false });
  });
});

describeIf(reason)("S3 connection test messages", () => {
  test("unknown bucket, unreachable host and TLS mismatch each get their own words", async () => {
    await startS3Peer();
    const cred = { access_key_id: AK, secret_access_key: SK };
    const missing = await s3Destination.test!(s3Destination.parseConfig({ bucket: "no-such-bucket-dm", region: "us-east-1", endpoint: `http://127.0.0.1:${PORT}` }), cred, AbortSignal.timeout(20_000));
    expect(missing.success).toBe(false);
    expect(missing.message).toContain('bucket "no-such-bucket-dm" does not exist');
    const down = await s3Destination.test!(s3Destination.parseConfig({ bucket: "x1", region: "us-east-1", endpoint: "http://127.0.0.1:1" }), cred, AbortSignal.timeout(20_000));
    expect(down.success).toBe(false);
    expect(down.message).toContain("cannot reach the S3 endpoint");
    const tls = await s3Destination.test!(s3Destination.parseConfig({ bucket: "x1", region: "us-east-1", endpoint: `https://127.0.0.1:${PORT}` }), cred, AbortSignal.timeout(20_000));
    expect(tls.success).toBe(false);
    expect(tls.message).toContain("TLS error");
  });
});

describeIf(reason)("rclone reads our mtimes", () => {
  test("rclone lsl shows the source modification time to the ns", async () => {
    await startS3Peer();
    const { mkdtempSync, writeFileSync, mkdirSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const parent = mkdtempSync(join(tmpdir(), "dm-s3lsl-"));
    mkdirSync(join(parent, "src"));
    const file = join(parent, "src", "t.txt");
    writeFileSync(file, "time");
    const touch = Bun.spawnSync(["touch", "-d", "2023-11-14 22:13:20.123456789", file]);
    expect(touch.exitCode).toBe(0);
    const client = s3Client();
    const bucket = `dm-lsl-${Date.now().toString(36)}`;
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const { syncRequest, tempDir } = await import("./harness.ts");
    const config = s3Destination.parseConfig({ bucket, region: "us-east-1", endpoint: `http://127.0.0.1:${PORT}` });
    await s3Destination.sync!(syncRequest(config, { access_key_id: AK, secret_access_key: SK }, [join(parent, "src")], tempDir("lsl")));
    const lsl = await rclone("lsl", rcloneS3(`http://127.0.0.1:${PORT}`, bucket));
    const local = Bun.spawnSync(["date", "-r", file, "+%Y-%m-%d %H:%M:%S.%N"]).stdout.toString().trim();
    expect(lsl.out).toContain(`${local} src/t.txt`);
    await rclone("purge", rcloneS3(`http://127.0.0.1:${PORT}`, bucket));
  });
});
