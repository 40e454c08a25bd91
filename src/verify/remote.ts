// Verify for remote stores (S3, SFTP, WebDAV, and Drive/OneDrive through the same contract): each
// source folder's sorted walk merged with the sorted listing of `<root>/<basename>/` (compare.ts),
// then per file what the store can tell: size, the preserved mtime (from the listing, or stat()
// where only that has it), the content hash the store vouches for (S3 single-part ETag md5), and
// with `deep` the content itself, read back through open() under the job's bandwidth limit and
// compared byte for byte with the local file as it streams (as rclone check --download does: no
// hashing, memory one chunk per file in flight). Nothing is written anywhere.
import { createHash } from "node:crypto";
import { closeSync, createReadStream, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { asDestinationError, DestinationError, excludeDirPatterns, type HashKind, type RemoteEntry, type RemoteStore, type RunReporter, type SyncOptions } from "../destinations/contract.ts";
import { TokenBucket, throttle } from "../destinations/engine/bandwidth.ts";
import { ExcludeMatcher } from "../destinations/engine/exclude.ts";
import { noteCompared } from "../destinations/engine/garbage.ts";
import { cancelled, withRetry } from "../destinations/engine/retry.ts";
import { checkSources } from "../destinations/engine/sources.ts";
import { walkLocal } from "../destinations/engine/walk.ts";
import { QuickXorHash } from "../destinations/onedrive/quickxor.ts";
import { EXTRA, hashDiffers, type LocalItem, MISSING, mtimeDiffers, pairs, READ_BACK_DIFFERS, sizeDiffers } from "./compare.ts";
import { type VerifyCounts, VerifyTally } from "./tally.ts";

export interface VerifyInput {
  sources: string[];
  options: SyncOptions;
  /** Read every file back and compare its bytes, not only what the store says about it. */
  deep: boolean;
  signal: AbortSignal;
  report: RunReporter;
}

export interface VerifyOutcome extends VerifyCounts {
  /** Bytes read back from the destination (deep). */
  bytesRead: number;
}

/** Hashes node:crypto computes for a local file; quickxor (OneDrive) is not among them yet. */
const LOCAL_HASHES = new Set<HashKind>(["md5", "sha1", "sha256", "quickxor"]);
/** Files read back at once in a deep verify, at most (rclone check's --checkers default is 8). */
const DEEP_CONCURRENCY = 8;

export async function verifyRemote(store: RemoteStore, input: VerifyInput): Promise<VerifyOutcome> {
  const { options, report, deep } = input;
  checkSources(input.sources, false);
  const tops = sourceTops(input.sources);
  const ctl = new AbortController();
  const onAbort = () => ctl.abort();
  input.signal.addEventListener("abort", onAbort, { once: true });
  if (input.signal.aborted) ctl.abort();
  const signal = ctl.signal;
  const tally = new VerifyTally(report);
  const excludes = new ExcludeMatcher(options.exclude_patterns);
  const bucket = options.bandwidth_limit_kbps ? new TokenBucket(options.bandwidth_limit_kbps) : null;
  const retry = <T>(what: string, fn: () => Promise<T>) => withRetry(fn, signal, (err, n, wait) => report.log("info", `${what}: ${err.message}; retry ${n} in ${(wait / 1000).toFixed(1)} s`));
  const storeHash = store.hash && LOCAL_HASHES.has(store.hash) ? store.hash : null;
  const needsStat = store.capabilities.mtime === "stat" && !!store.stat;
  const verbose = options.verbosity === "verbose";
  let bytesRead = 0;

  report.log("info", `Verifying ${tops.length} source folder(s): ${checksDone(store, deep, needsStat, storeHash)}. Nothing is changed on either side.`);
  if (store.capabilities.mtime === "none") report.log("info", "This destination does not keep modification times: they are not compared");

  /** Everything about one file present on both sides; resolves with the reasons it differs. */
  const inspect = async (l: LocalItem, r: RemoteEntry): Promise<string[] | null> => {
    const size = sizeDiffers(l.size, r.size);
    if (size) return [size];
    const reasons: string[] = [];
    let remote: RemoteEntry | null = r;
    if (r.mtime === null && needsStat) {
      remote = await retry(l.path, () => store.stat!(l.path, signal));
      if (!remote) return [MISSING];
      const size2 = sizeDiffers(l.size, remote.size);
      if (size2) return [size2];
    }
    const mtime = store.capabilities.mtime === "none" ? null : mtimeDiffers(l.mtime, remote.mtime, store.capabilities.mtimePrecisionMs);
    if (mtime) reasons.push(mtime);
    // stat() knows more than the listing (S3: whether the object is KMS-encrypted, whose ETag is
    // no md5): when it was asked, its answer stands, a null included.
    const vouched = storeHash ? (remote === r ? r.hash : remote.hash) || null : null;
    if (deep) {
      // The bytes themselves decide; a store hash would only say the same thing less surely.
      const back = await retry(l.path, async () => {
        const stream = await store.open(l.path, signal);
        return compareStream(throttle(stream, bucket, signal), l.abs, (n) => {
          bytesRead += n;
          report.progress({ bytes: n });
        });
      }).catch((err) => {
        if (err instanceof DestinationError && err.kind === "not_found") return null;
        throw err;
      });
      if (back === null) return [MISSING];
      if (back.bytes !== l.size) reasons.push(`size differs when read back (source ${l.size} bytes, read ${back.bytes} bytes)`);
      else if (!back.same) reasons.push(READ_BACK_DIFFERS);
    } else if (vouched) {
      const local = await hashLocal(l.abs, [storeHash!]);
      const h = hashDiffers(storeHash!, local[storeHash!]!, vouched);
      if (h) reasons.push(h);
    }
    return reasons.length ? reasons : null;
  };

  const concurrency = Math.max(1, deep ? Math.min(DEEP_CONCURRENCY, store.capabilities.concurrency) : (store.capabilities.statConcurrency ?? store.capabilities.concurrency));
  const pool = new Pool(concurrency, () => ctl.abort());
  try {
    await retry("connecting", () => store.check(signal));
    for (const { top, dir } of tops) {
      // A source's exclude_dirs are skipped like the backup skips them (anchored to that source).
      const extra = excludeDirPatterns(dir, options.exclude_dirs ?? []);
      const sourceExcludes = extra.length ? new ExcludeMatcher([...options.exclude_patterns, ...extra]) : excludes;
      const local = walkLocal(dir, sourceExcludes, (rel, why) => report.log("info", `${top}/${rel}: ${why}`));
      for await (const p of pairs(top, local, store.list(top, signal), sourceExcludes, options.delete_extraneous)) {
        if (signal.aborted) break;
        noteCompared();
        if (p.type === "missing") {
          tally.checked();
          tally.differ(p.local.path, [MISSING]);
        } else if (p.type === "extra") {
          tally.differ(p.remote.path, [EXTRA]);
        } else {
          const { local: l, remote: r } = p;
          await pool.run(async () => {
            let reasons: string[] | null;
            try {
              reasons = await inspect(l, r);
            } catch (err) {
              const code = (err as NodeJS.ErrnoException).code;
              if (code !== "ENOENT" && code !== "EACCES" && code !== "EISDIR") throw err;
              reasons = [`cannot read the source file (${code}), so it could not be compared`];
            }
            tally.checked();
            if (reasons) tally.differ(l.path, reasons);
            else if (verbose) report.log("info", `${l.path}: same`);
          });
        }
      }
      await pool.drain();
    }
    await pool.drain();
    if (input.signal.aborted) throw cancelled();
    report.log("info", `Checked ${tally.filesChecked} file(s)${deep ? `, read back ${bytesRead} bytes` : ""}: ${tally.differences} difference(s)`);
    return { ...tally.counts(), bytesRead };
  } catch (err) {
    ctl.abort();
    await pool.settle();
    if (input.signal.aborted) throw cancelled();
    if ((err as Error | null)?.name === "AbortError") throw cancelled();
    throw pool.failure ?? asDestinationError(err);
  } finally {
    input.signal.removeEventListener("abort", onAbort);
  }
}

function checksDone(store: RemoteStore, deep: boolean, needsStat: boolean, storeHash: HashKind | null): string {
  const what = ["presence", "size"];
  if (store.capabilities.mtime !== "none") what.push(needsStat ? "modification time (read per file)" : "modification time");
  if (storeHash) what.push(`${storeHash} where the destination has one`);
  if (deep) what.push("content (every file read back)");
  return `comparing ${what.join(", ")}`;
}

/** Each source's folder name under the root, as the sync engine places them; two with one name are refused. */
function sourceTops(sources: string[]): { top: string; dir: string }[] {
  const seen = new Set<string>();
  return sources.map((dir) => {
    const top = basename(dir.replace(/\/+$/, ""));
    if (!top) throw new DestinationError("config", `source ${dir} has no folder name`);
    if (seen.has(top)) throw new DestinationError("config", `two sources are named "${top}"; each source goes to <root>/<basename>/`);
    seen.add(top);
    return { top, dir };
  });
}

/** The local file's hashes in the form stores list them: hex, and base64 for OneDrive's QuickXorHash. */
async function hashLocal(path: string, kinds: string[]): Promise<Record<string, string>> {
  const hashes = kinds.map((k) => (k === "quickxor" ? new QuickXorHash() : createHash(k)));
  for await (const chunk of createReadStream(path)) for (const h of hashes) h.update(chunk as Buffer);
  return Object.fromEntries(kinds.map((k, i) => [k, hashes[i] instanceof QuickXorHash ? hashes[i].digest() : (hashes[i] as ReturnType<typeof createHash>).digest("hex")]));
}

/**
 * Reads the stream to its end, comparing each chunk with the same bytes of the local file (read
 * synchronously: a page-cache read of one chunk costs less than a thread-pool round trip).
 * `same` is false from the first differing byte, or when the local file is shorter or longer.
 */
async function compareStream(stream: Readable, localPath: string, onBytes: (n: number) => void): Promise<{ same: boolean; bytes: number }> {
  let fd: number | null = null;
  let bytes = 0;
  let same = true;
  let buf = Buffer.alloc(0);
  try {
    fd = openSync(localPath, "r");
    for await (const chunk of stream) {
      const b = chunk as Buffer;
      if (same) {
        if (buf.length < b.length) buf = Buffer.allocUnsafe(Math.max(b.length, 64 * 1024));
        const n = readSync(fd, buf, 0, b.length, bytes);
        if (n !== b.length || buf.compare(b, 0, b.length, 0, n) !== 0) same = false;
      }
      bytes += b.length;
      onBytes(b.length);
    }
    // The local file must end where the stream did.
    if (same && readSync(fd, Buffer.alloc(1), 0, 1, bytes) !== 0) same = false;
  } finally {
    stream.destroy();
    if (fd !== null) closeSync(fd);
  }
  return { same, bytes };
}

/** At most `limit` checks at once; the first failure stops the rest (and the walk). */
class Pool {
  private running = new Set<Promise<void>>();
  failure: unknown = null;
  constructor(
    private readonly limit: number,
    private readonly onFailure: () => void,
  ) {}

  async run(fn: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    if (this.failure) throw this.failure;
    const p: Promise<void> = fn()
      .catch((err) => {
        if (!this.failure) {
          this.failure = err;
          this.onFailure();
        }
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async drain(): Promise<void> {
    await this.settle();
    if (this.failure) throw this.failure;
  }

  async settle(): Promise<void> {
    while (this.running.size) await Promise.all(this.running);
  }
}
