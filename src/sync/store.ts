// The small storage interface every remote destination implements (rclone's Fs idea, cut down to
// what a mirror needs). The sync engine (engine.ts) knows only this file: S3, SFTP, WebDAV and
// later Google Drive / OneDrive are each one RemoteStore; walking, comparing, excluding,
// throttling, retrying, the local record and reporting are the engine's job, never the store's.
//
// Paths: relative to the store's root (S3 prefix, SFTP/WebDAV remote_path), "/"-separated, no
// leading or trailing slash, exactly the bytes of the local name (no Unicode normalisation).
//
// Error contract (every method): throw DestinationError (src/providers/types.ts) with
//   "auth"        credentials refused (S3 InvalidAccessKeyId/SignatureDoesNotMatch, SSH auth, 401)
//   "permission"  authenticated but not allowed (403 AccessDenied, EACCES/EPERM)
//   "not_found"   the store's ROOT is missing (bucket, base folder, host name unknown); a missing
//                 path below the root is NOT an error where noted
//   "unavailable" cannot reach the server (ECONNREFUSED, DNS, TLS, connect timeout)
//   "transient"   worth retrying (5xx, 429, 503 SlowDown, ECONNRESET, read timeout); use
//                 `transientError()` so a Retry-After is kept
//   "cancelled"   the signal was aborted (or just let the AbortError out: the engine maps it)
//   "failed"      anything else, with the server's own words
// The engine retries "transient" and "unavailable" with backoff (retry.ts) and fails the run on
// anything else. Never put a secret in a message.
import { randomBytes } from "node:crypto";
import { PassThrough, type Readable } from "node:stream";
import { DestinationError } from "../providers/types";

/** One file as the store has it. */
export interface RemoteEntry {
  path: string;
  size: number;
  /**
   * The source modification time the store preserved for this file (ms since epoch), or null
   * when the listing cannot tell (S3 keeps it in metadata that ListObjects does not return;
   * WebDAV cannot keep it at all).
   */
  mtime: number | null;
  /** When the server last wrote the object (ms), if the listing says; used to notice foreign writes. */
  serverTime?: number | null;
  /** A content identity that changes when the content changes (S3 ETag, WebDAV getetag), if any. */
  id?: string | null;
  /**
   * The content hash of kind `RemoteStore.hash`, only where the store vouches for it for THIS file
   * (S3: the ETag of a single-part upload; absent for a multipart one). Lowercase hex (md5, sha1,
   * sha256) or base64 as the server gives it (quickxor). Absent or null: unknown.
   */
  hash?: string | null;
}

/** What a successful put left on the remote; stored in the local record (index.ts). */
export interface PutResult {
  id: string | null;
  /** The mtime now stored remotely (ms), or null when the store cannot keep it. */
  mtime: number | null;
  serverTime?: number | null;
}

/** The bytes of one local file. Read them only through open(): that is where throttling and cancel apply. */
export interface PutSource {
  /** A fresh stream from the start of the file; may be called again on a retry. */
  open(): Readable;
  /** The whole file in one buffer, for small files (cheaper than a stream); throttled like open(). */
  readAll(): Promise<Buffer>;
  /** A stream of bytes start..end (inclusive), for stores that upload parts in parallel (S3 multipart). */
  openRange(start: number, end: number): Readable;
  size: number;
  /** Local modification time, whole ms since epoch (floor). */
  mtime: number;
  /** The same in ns, exact, for stores that keep more than ms (S3 metadata as rclone writes it). */
  mtimeNs: bigint;
  /** The local file, for logging only; do not read it directly (it would bypass the bandwidth limit). */
  localPath: string;
}

export interface StoreCapabilities {
  /**
   * Where the preserved mtime comes from: "listing" (list() fills mtime, e.g. SFTP), "stat"
   * (only stat() returns it, e.g. S3 object metadata), "none" (never kept: the engine relies on
   * the local record and serverTime, e.g. Apache WebDAV).
   */
  mtime: "listing" | "stat" | "none";
  /** Two mtimes closer than this are equal (SFTP keeps seconds: 1000; S3 metadata: 1). */
  mtimePrecisionMs: number;
  /** Default number of concurrent transfers for this store. */
  concurrency: number;
  /** Default number of concurrent stat() calls during a full comparison without a record. */
  statConcurrency?: number;
}

/** Content hashes a store can give without reading the file back. */
export type HashKind = "md5" | "sha1" | "sha256" | "quickxor";

export interface RemoteStore {
  readonly capabilities: StoreCapabilities;
  /**
   * Which content hash list() and stat() fill in `RemoteEntry.hash` where they can (S3 "md5",
   * later Drive "md5" and OneDrive "quickxor"); null when the store gives none (SFTP, WebDAV,
   * local). Even with a kind, a given entry may have none (an S3 multipart upload).
   */
  readonly hash: HashKind | null;
  /**
   * Identifies the remote location for the local record: type + endpoint + bucket/host + root,
   * e.g. "s3|http://127.0.0.1:7480|bucket|prefix". Two jobs with the same key share a record.
   * No credentials in it.
   */
  readonly key: string;

  /**
   * Every file under `prefix` (a directory path; "" for the root), recursively, as a stream;
   * paths relative to the store's root like everywhere (so they start with `prefix/`).
   * MUST yield in ascending `compareUtf8` order of path (the order S3 returns; for tree stores
   * use `walkSorted` from ordered.ts), because the engine merges it with the local walk without
   * holding either in memory. Directories themselves are not yielded.
   * A missing prefix yields nothing (not an error); a missing root throws "not_found".
   */
  list(prefix: string, signal: AbortSignal): AsyncIterable<RemoteEntry>;

  /**
   * Uploads one file, replacing what is at `path` and creating parent folders as needed; stores
   * source.mtime when the store can. Must be atomic as seen by others: on failure or abort nothing
   * new is visible at `path` (abort S3 multipart uploads; upload to a temporary name then rename
   * where the store has no atomic put).
   */
  put(path: string, source: PutSource, signal: AbortSignal): Promise<PutResult>;

  /**
   * A read stream of the whole file at `path`, for restore and verify.
   * Errors: a missing file (or a folder at `path`) is "not_found" (unlike remove). Anything that
   * goes wrong before the first byte (auth, permission, unavailable, transient) rejects the
   * promise with a DestinationError; a failure after that errors the stream with a
   * DestinationError (a lost connection is "transient"; the caller decides whether to start
   * over). Aborting `signal` destroys the stream with a DestinationError "cancelled" (before the
   * stream exists: the promise rejects "cancelled"). The caller must read or destroy the stream;
   * it holds a connection (SFTP) or a socket (S3, WebDAV) until it ends.
   */
  open(path: string, signal: AbortSignal): Promise<Readable>;

  /**
   * Moves one file, server-side where the store can (S3 CopyObject + DeleteObject, SFTP rename,
   * WebDAV MOVE, local rename): replaces what is at `to`, creates the parent folders of `to`,
   * keeps the preserved mtime where the store keeps one. `from === to` only checks it exists.
   * Errors: a missing `from` is "not_found" (and `to` is left as it was); otherwise the kinds
   * above. On any failure `from` is still there, whole (S3 deletes it only after the copy
   * succeeded; a failed delete leaves both). A store that cannot move a file (an S3 object
   * over 5 GiB, a WebDAV server without MOVE) throws "failed" saying so.
   */
  move(from: string, to: string, signal: AbortSignal): Promise<void>;

  /** Deletes one file. A file that is already gone is success (no error). */
  remove(path: string, signal: AbortSignal): Promise<void>;

  /**
   * Optional batch delete (S3 DeleteObjects, up to `maxBatch` paths per call). Already-gone
   * paths are success; any per-path failure throws (kind as above) naming the first path.
   */
  removeMany?(paths: string[], signal: AbortSignal): Promise<void>;
  readonly maxBatch?: number;

  /** Optional: one file's entry with its preserved mtime (capabilities.mtime "stat"), null when absent. */
  stat?(path: string, signal: AbortSignal): Promise<RemoteEntry | null>;

  /** Optional: changes the preserved mtime without re-uploading (SFTP utimes, S3 copy-in-place). */
  setModTime?(path: string, mtime: number, signal: AbortSignal): Promise<void>;

  /**
   * Optional, for tree stores: removes the directory `path` if it is empty. Not empty or already
   * gone resolves false, never throws for those. The engine calls it, deepest first, for the
   * folders it emptied with delete_extraneous.
   */
  removeDir?(path: string, signal: AbortSignal): Promise<boolean>;

  /**
   * Proves the store is reachable and the credentials and root work (S3 HeadBucket, SFTP
   * stat(remote_path), WebDAV PROPFIND depth 0). Returns details for the "Test connection"
   * answer (no secrets). Throws like every method; the destination turns errors into words.
   */
  check(signal: AbortSignal): Promise<Record<string, unknown>>;

  /** Releases connections. Safe to call twice, and after a failed open. */
  close(): Promise<void>;
}

/** A transient failure, with the wait the server asked for (Retry-After) when it said. */
export class TransientError extends DestinationError {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super("transient", message, options);
  }
}

export function transientError(message: string, retryAfterMs: number | null = null, cause?: unknown): TransientError {
  return new TransientError(message, retryAfterMs, { cause });
}

/**
 * Compares two paths in UTF-8 byte order (= code point order), the order S3 lists keys in and
 * SQLite's BINARY collation sorts TEXT in. Plain `<` compares UTF-16 units, which differs for
 * characters above U+FFFF versus U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    return x - y;
  }
  return a.length - b.length;
}

/** signal.throwIfAborted(), as the DestinationError "cancelled" every store method throws. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
}

/**
 * The stream open() hands out: `source`'s bytes, its errors mapped by `mapError` (DestinationErrors
 * pass as they are), destroyed with "cancelled" when `signal` aborts. `onClose` runs once, when
 * the stream ends, errors or is destroyed (release a connection there).
 */
export function guardStream(source: Readable, signal: AbortSignal, mapError: (err: unknown) => DestinationError, onClose?: () => void): Readable {
  const out = new PassThrough();
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    signal.removeEventListener("abort", onAbort);
    onClose?.();
  };
  const onAbort = () => {
    const err = new DestinationError("cancelled", "Cancelled");
    source.destroy(err);
    out.destroy(err);
  };
  source.on("error", (err) => {
    out.destroy(signal.aborted ? new DestinationError("cancelled", "Cancelled", { cause: err }) : err instanceof DestinationError ? err : mapError(err));
  });
  out.on("close", () => {
    if (!source.destroyed) source.destroy();
    finish();
  });
  source.on("close", () => {
    // A source that closes without 'end' or 'error' (destroyed from outside) must not leave the reader hanging.
    if (!source.readableEnded && !out.destroyed) out.destroy(new DestinationError("failed", "The read stream closed early"));
  });
  source.pipe(out);
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return out;
}

/** Uploads to tree stores go to a hidden temp name, then are renamed over the target, so an
 *  interrupted upload is never visible under the real name; leftovers end in TEMP_SUFFIX. */
export const TEMP_SUFFIX = ".dmpartial";

/** `.name.<8 hex>.dmpartial` in the same folder, kept under common 255-byte name limits. */
export function tempUploadName(base: string): string {
  return `.${truncateUtf8(base, 180)}.${randomBytes(4).toString("hex")}${TEMP_SUFFIX}`;
}

function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = "";
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > maxBytes) break;
    out += ch;
  }
  return out;
}
