// The S3 RemoteStore (AWS and S3-compatible stores: MinIO, Ceph radosgw, B2, Wasabi) over
// @aws-sdk/client-s3. Keys are `<prefix>/<path>`; the source mtime is kept as object metadata
// `mtime` exactly as rclone writes it, so rclone sees our objects as up to date and vice versa.
// Uploads never buffer a whole file: small files are read into memory (≤ SMALL_FILE), larger
// ones go as one PUT, and big ones multipart with each part read from its file range (memory
// stays flat whatever the size, and a failed part is retried by re-reading its range). Without a
// bandwidth limit, those PUTs and parts are the file's own Blob sent by Bun's fetch (signed in
// fetch.ts); with one (or encryption) they stream through the SDK.
// We use our own multipart rather than lib-storage's Upload because Upload buffers every queued
// part in memory and cannot re-read a part after a failure.

import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type StorageClass,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { DestinationError, guardStream, type HashKind, type PutResult, type PutSource, type RemoteEntry, type RemoteStore, type StoreCapabilities } from "../contract.ts";
import { withRetry } from "../engine/retry.ts";
import { s3Error } from "./errors.ts";
import { S3Fetch } from "./fetch.ts";

export interface S3StoreConfig {
  bucket: string;
  prefix: string;
  region: string;
  endpoint: string | null;
  storage_class: string | null;
}

export interface S3Credential {
  access_key_id: string;
  secret_access_key: string;
}

const SMALL_FILE = 1 << 20;
export const MULTIPART_THRESHOLD = 16 << 20;
const PART_SIZE = 8 << 20;
const PART_CONCURRENCY = 4;
/**
 * Bun's HTTP client holds a request body in memory while sending it, so streamed PUTs and parts
 * in flight are capped in bytes across the whole run (small files add at most concurrency × 1 MiB).
 */
const BODY_BUDGET = PART_SIZE * PART_CONCURRENCY;
/** S3 allows 10,000 parts: bigger files get bigger parts. */
const MAX_PARTS = 10_000;
/** The largest object one CopyObject can copy (bigger ones need UploadPartCopy, not done yet). */
export const MAX_COPY = 5 * 1024 ** 3;

export class S3Store implements RemoteStore {
  readonly capabilities: StoreCapabilities = { mtime: "stat", mtimePrecisionMs: 1, concurrency: 32, statConcurrency: 32 };
  readonly key: string;
  readonly maxBatch = 1000;
  readonly hash: HashKind = "md5";
  private client: S3Client;
  private fast: S3Fetch;
  private root: string;
  private budget = new ByteBudget(BODY_BUDGET);

  constructor(
    private cfg: S3StoreConfig,
    cred: S3Credential,
    opts: { connectTimeoutMs?: number; requestTimeoutMs?: number } = {},
  ) {
    this.root = normalizePrefix(cfg.prefix);
    this.key = `s3|${cfg.endpoint ?? `aws:${cfg.region}`}|${cfg.bucket}|${this.root}`;
    const custom = !!cfg.endpoint;
    this.fast = new S3Fetch({ endpoint: cfg.endpoint, region: cfg.region || "us-east-1", bucket: cfg.bucket, accessKeyId: cred.access_key_id, secretAccessKey: cred.secret_access_key });
    const agentOpts = { keepAlive: true, maxSockets: 64 };
    this.client = new S3Client({
      region: cfg.region || "us-east-1",
      endpoint: cfg.endpoint ?? undefined,
      forcePathStyle: custom,
      credentials: { accessKeyId: cred.access_key_id, secretAccessKey: cred.secret_access_key },
      // Non-AWS stores reject (411) or corrupt streamed uploads with the SDK's default checksums.
      ...(custom ? { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" } : {}),
      maxAttempts: 1, // the engine retries, with Retry-After and a fresh body
      // NodeHttpHandler options (the SDK builds the handler from a plain object).
      requestHandler: {
        connectionTimeout: opts.connectTimeoutMs ?? 10_000,
        requestTimeout: opts.requestTimeoutMs ?? 60_000,
        httpAgent: new HttpAgent(agentOpts),
        httpsAgent: new HttpsAgent(agentOpts),
      },
    });
  }

  private keyOf(path: string): string {
    return this.root + path;
  }

  private async send<T>(cmd: any, signal: AbortSignal, what: string): Promise<T> {
    try {
      return (await this.client.send(cmd, { abortSignal: signal })) as T;
    } catch (err) {
      throw s3Error(err, what, this.cfg.bucket, signal);
    }
  }

  async *list(prefix: string, signal: AbortSignal): AsyncGenerator<RemoteEntry> {
    const keyPrefix = this.root + (prefix ? `${prefix}/` : "");
    let token: string | undefined;
    do {
      const page = await withRetry(() => this.send<any>(new ListObjectsV2Command({ Bucket: this.cfg.bucket, Prefix: keyPrefix, ContinuationToken: token, MaxKeys: 1000 }), signal, "listing"), signal);
      for (const o of page.Contents ?? []) {
        const key: string = o.Key;
        if (key.endsWith("/")) continue; // folder markers made by consoles and other tools
        yield { path: key.slice(this.root.length), size: o.Size ?? 0, mtime: null, id: o.ETag ?? null, serverTime: o.LastModified?.getTime() ?? null, hash: md5OfEtag(o.ETag) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async stat(path: string, signal: AbortSignal): Promise<RemoteEntry | null> {
    // HEAD has no body: a 404 is the object missing (the bucket was checked at the start of the run).
    const h = await this.fast.head(this.keyOf(path), signal).catch((err) => {
      throw s3Error(err, path, this.cfg.bucket, signal);
    });
    return h && { path, size: h.size, mtime: parseMtime(h.meta.mtime), id: h.etag, serverTime: h.lastModified, hash: h.encryption && h.encryption !== "AES256" ? null : md5OfEtag(h.etag) };
  }

  /** GetObject over the signed fetch, as a stream; NoSuchKey is "not_found". */
  async open(path: string, signal: AbortSignal): Promise<Readable> {
    const r = await this.fast.get(this.keyOf(path), signal).catch((err) => {
      throw s3Error(err, path, this.cfg.bucket, signal);
    });
    const body = r.body ? Readable.fromWeb(r.body as unknown as import("node:stream/web").ReadableStream) : Readable.from([]);
    return guardStream(body, signal, (err) => s3Error(err, path, this.cfg.bucket, signal));
  }

  /**
   * CopyObject (metadata copied, so the `mtime` rclone reads stays) then DeleteObject. The HEAD
   * first gives "not_found" for a missing source and the size: one CopyObject copies at most 5 GiB.
   */
  async move(from: string, to: string, signal: AbortSignal): Promise<void> {
    const h = await this.fast.head(this.keyOf(from), signal).catch((err) => {
      throw s3Error(err, from, this.cfg.bucket, signal);
    });
    if (!h) throw new DestinationError("not_found", `${from}: not found`);
    if (from === to) return;
    if (h.size > MAX_COPY) throw new DestinationError("failed", `${from}: too large to move on the server (${h.size} bytes; one S3 copy takes at most 5 GiB, and multipart copy is not supported yet)`);
    await this.send(
      new CopyObjectCommand({
        Bucket: this.cfg.bucket,
        Key: this.keyOf(to),
        CopySource: `${this.cfg.bucket}/${encodeURIComponent(this.keyOf(from)).replace(/%2F/g, "/")}`,
        MetadataDirective: "COPY",
        ...(this.cfg.storage_class ? { StorageClass: this.cfg.storage_class as StorageClass } : {}),
      }),
      signal,
      to,
    );
    await this.send(new DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: this.keyOf(from) }), signal, from);
  }

  async put(path: string, source: PutSource, signal: AbortSignal): Promise<PutResult> {
    const base = {
      Bucket: this.cfg.bucket,
      Key: this.keyOf(path),
      Metadata: { mtime: formatMtime(source.mtimeNs) },
      ...(this.cfg.storage_class ? { StorageClass: this.cfg.storage_class as StorageClass } : {}),
    };
    if (source.size > MULTIPART_THRESHOLD) return this.putMultipart(path, base, source, signal);
    // Small files in one buffer; a local file the fetch can send itself (source.blob) whole.
    if (source.size <= SMALL_FILE || source.blob) {
      const body = source.size <= SMALL_FILE ? await source.readAll() : source.blob!(0, source.size);
      if (signal.aborted) throw s3Error(new Error("aborted"), path, this.cfg.bucket, signal);
      const etag = await this.fast.put(base.Key, body, base.Metadata, this.cfg.storage_class, signal).catch((err) => {
        throw s3Error(err, path, this.cfg.bucket, signal);
      });
      return { id: etag, mtime: source.mtime };
    }
    await this.budget.acquire(source.size, signal);
    const body = source.open();
    const r = await this.send<any>(new PutObjectCommand({ ...base, Body: body, ContentLength: source.size }), signal, path).finally(() => {
      body.destroy();
      this.budget.release(source.size);
    });
    return { id: r.ETag ?? null, mtime: source.mtime };
  }

  private async putMultipart(path: string, base: Record<string, unknown>, source: PutSource, signal: AbortSignal): Promise<PutResult> {
    await this.budget.acquire(BODY_BUDGET, signal);
    try {
      return await this.putMultipartHeld(path, base, source, signal);
    } finally {
      this.budget.release(BODY_BUDGET);
    }
  }

  /** One part (bytes start..end inclusive): from the file itself when the source allows, else streamed through the SDK. */
  private async uploadPart(path: string, uploadId: string, partNumber: number, source: PutSource, start: number, end: number, signal: AbortSignal): Promise<string> {
    if (source.blob) {
      const etag = await this.fast.putPart(this.keyOf(path), uploadId, partNumber, source.blob(start, end + 1), signal).catch((err) => {
        throw s3Error(err, path, this.cfg.bucket, signal);
      });
      if (!etag) throw new DestinationError("transient", `S3 sent no ETag for part ${partNumber} of ${path}`);
      return etag;
    }
    const body = source.openRange(start, end);
    const r = await this.send<any>(
      new UploadPartCommand({ Bucket: this.cfg.bucket, Key: this.keyOf(path), UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: end - start + 1 }),
      signal,
      path,
    ).finally(() => body.destroy());
    return r.ETag;
  }

  private async putMultipartHeld(path: string, base: Record<string, unknown>, source: PutSource, signal: AbortSignal): Promise<PutResult> {
    const created = await this.send<any>(new CreateMultipartUploadCommand(base as any), signal, path);
    const uploadId: string = created.UploadId;
    const partSize = Math.max(PART_SIZE, Math.ceil(source.size / MAX_PARTS));
    const count = Math.ceil(source.size / partSize);
    const etags: string[] = new Array(count);
    let next = 0;
    const inner = new AbortController();
    const onAbort = () => inner.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const worker = async () => {
        while (next < count && !inner.signal.aborted) {
          const i = next++;
          const start = i * partSize;
          const end = Math.min(source.size, start + partSize) - 1;
          etags[i] = await withRetry(() => this.uploadPart(path, uploadId, i + 1, source, start, end, inner.signal), inner.signal);
          // Streamed parts' buffers are garbage JavaScriptCore collects late: a 200 MB upload
          // peaked at idle + 62-66 MB without this, 51-56 MB with a full collection every
          // PART_CONCURRENCY parts (+4 % time; every part: 52 MB, +17 %). Blob parts make none.
          if (!source.blob && (i + 1) % PART_CONCURRENCY === 0) Bun.gc(true);
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(PART_CONCURRENCY, count) }, () =>
          worker().catch((err) => {
            inner.abort();
            throw err;
          }),
        ),
      );
      const done = await this.send<any>(
        new CompleteMultipartUploadCommand({
          Bucket: this.cfg.bucket,
          Key: this.keyOf(path),
          UploadId: uploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
        signal,
        path,
      );
      // radosgw answers CompleteMultipartUpload with an empty ETag: read it back.
      let id: string | null = done.ETag || null;
      if (!id) id = (await this.stat(path, signal))?.id ?? null;
      return { id, mtime: source.mtime };
    } catch (err) {
      // Never leave parts behind (they cost money and show up in ListMultipartUploads), even when cancelled.
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.cfg.bucket, Key: this.keyOf(path), UploadId: uploadId }), { abortSignal: AbortSignal.timeout(15_000) }).catch(() => {});
      throw err instanceof DestinationError ? err : s3Error(err, path, this.cfg.bucket, signal);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  async remove(path: string, signal: AbortSignal): Promise<void> {
    await this.send(new DeleteObjectCommand({ Bucket: this.cfg.bucket, Key: this.keyOf(path) }), signal, path);
  }

  async removeMany(paths: string[], signal: AbortSignal): Promise<void> {
    const r = await this.send<any>(new DeleteObjectsCommand({ Bucket: this.cfg.bucket, Delete: { Objects: paths.map((p) => ({ Key: this.keyOf(p) })), Quiet: true } }), signal, "deleting");
    const failed = (r.Errors ?? []).filter((e: any) => e.Code !== "NoSuchKey");
    if (failed.length) {
      const e = failed[0];
      const kind = e.Code === "AccessDenied" ? "permission" : /SlowDown|InternalError|ServiceUnavailable/.test(e.Code ?? "") ? "transient" : "failed";
      throw new DestinationError(kind, `cannot delete ${String(e.Key).slice(this.root.length)}: ${e.Code} ${e.Message ?? ""}`.trim());
    }
  }

  async check(signal: AbortSignal): Promise<Record<string, unknown>> {
    // A one-key listing rather than HeadBucket: a HEAD error has no body, so a 403 could not tell
    // wrong keys from a missing permission. Over fetch: the SDK's first request costs ~80 ms.
    const page = await this.fast.probe(this.root, signal).catch((err) => {
      throw s3Error(err, "connecting", this.cfg.bucket, signal);
    });
    return { bucket: this.cfg.bucket, prefix: this.root, endpoint: this.cfg.endpoint ?? `s3.${this.cfg.region}.amazonaws.com`, empty: page.empty };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** The MD5 an ETag is for a single-part upload ("<32 hex>"); null for a multipart one ("<hex>-<parts>") or none. */
export function md5OfEtag(etag: string | null | undefined): string | null {
  const e = (etag ?? "").replace(/"/g, "").toLowerCase();
  return /^[0-9a-f]{32}$/.test(e) ? e : null;
}

/** "a/b", "/a/b/", "" -> "a/b/", "" : the key prefix every path is appended to. */
export function normalizePrefix(prefix: string | null | undefined): string {
  const p = (prefix ?? "").replace(/^\/+|\/+$/g, "");
  return p ? `${p}/` : "";
}

/** rclone's S3 `mtime` metadata: seconds since the epoch, fraction to the ns with trailing zeros trimmed. */
export function formatMtime(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  if (frac === 0n) return sec.toString();
  return `${sec}.${frac.toString().padStart(9, "0").replace(/0+$/, "")}`;
}

/** The metadata back to whole ms (floor, like the local side), or null when absent or foreign. */
export function parseMtime(v: string | undefined): number | null {
  if (!v) return null;
  const m = /^(-?\d+)(?:\.(\d+))?$/.exec(v.trim());
  if (!m) return null;
  return Number(m[1]) * 1000 + Number(((m[2] ?? "") + "000").slice(0, 3));
}

/** A FIFO semaphore counted in bytes; a request larger than the budget waits for all of it. */
class ByteBudget {
  private free: number;
  private waiting: { n: number; go: () => void }[] = [];
  constructor(private total: number) {
    this.free = total;
  }
  async acquire(n: number, signal: AbortSignal): Promise<void> {
    n = Math.min(n, this.total);
    if (this.waiting.length === 0 && this.free >= n) {
      this.free -= n;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const w = { n, go: () => (signal.removeEventListener("abort", onAbort), resolve()) };
      const onAbort = () => {
        this.waiting = this.waiting.filter((x) => x !== w);
        this.pump();
        reject(new DestinationError("cancelled", "cancelled"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(w);
    });
  }
  release(n: number) {
    this.free += Math.min(n, this.total);
    this.pump();
  }
  private pump() {
    while (this.waiting.length && this.free >= this.waiting[0]!.n) {
      const w = this.waiting.shift()!;
      this.free -= w.n;
      w.go();
    }
  }
}
