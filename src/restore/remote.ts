// Restore from a store by streaming (remote stores; the same code reads any RemoteStore): each
// file is read with open(), through the job's bandwidth limit (one token bucket for the run), into `<name>.dynamight-tmp-<hex>` in
// its folder, gets the stored mtime, then is renamed over the real name. A cancel or a failure
// removes the temporary file: no half-written file ever carries a real name. Nothing local is
// deleted. Files go `concurrency` at a time, pulled from the selector as workers free up, so
// memory does not grow with the number of files.
import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { type FileHandle, lstat, open as openFile, rename, rm, utimes } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { DestinationError, type RemoteStore, type RunReporter, type SyncOptions } from "../destinations/contract.ts";
import { TokenBucket } from "../destinations/engine/bandwidth.ts";
import { withRetry } from "../destinations/engine/retry.ts";
import { storedMtime } from "./access.ts";
import type { Overwrite } from "./model.ts";
import { safeStoredPath } from "./paths.ts";
import type { UploadRecord } from "./queries.ts";
import type { SelectedFile, Selector } from "./select.ts";
import type { TargetMap } from "./target.ts";

export const TEMP_MARK = ".dynamight-tmp-";
/** At most this many files at once, whatever the store allows: more buys no speed on a restore
 *  (the local disk and the CPU are the limit) and costs memory (bench-restore). */
const MAX_CONCURRENCY = 16;

export interface RestoreTally {
  restored: number;
  bytes: number;
  skipped: number;
  /** Paths that could not be restored, with why (the run fails at the end naming them). */
  failed: { path: string; why: string }[];
}

export interface StreamRestore {
  record: UploadRecord;
  store: RemoteStore;
  select: Selector;
  paths: string[];
  targets: TargetMap;
  overwrite: Overwrite;
  options: SyncOptions;
  report: RunReporter;
  signal: AbortSignal;
}

/** The temporary name next to `path`: kept under common 255-byte name limits. */
export function tempName(path: string): string {
  let base = basename(path);
  while (Buffer.byteLength(base) > 200) base = [...base].slice(0, -1).join("");
  return join(dirname(path), `${base}${TEMP_MARK}${randomBytes(4).toString("hex")}`);
}

export async function restoreFromStore(r: StreamRestore): Promise<RestoreTally> {
  const { store, report, signal, options } = r;
  const tally: RestoreTally = { restored: 0, bytes: 0, skipped: 0, failed: [] };
  const fail = (path: string, why: string) => {
    tally.failed.push({ path, why });
    report.log("warning", `${path}: ${why}`);
  };
  const bucket = options.bandwidth_limit_kbps ? new TokenBucket(options.bandwidth_limit_kbps) : null;
  const precision = Math.max(1, store.capabilities.mtimePrecisionMs);
  const files = r.select(store, r.paths, signal, (path) => fail(path, "not in the destination (it may have been deleted since it was listed)"))[Symbol.asyncIterator]();

  const one = async (f: SelectedFile) => {
    if (!safeStoredPath(f.logical)) return fail(f.logical.replace(/\0/g, "\\0"), "a stored name that cannot be written safely here (empty, '.' or '..' segment); skipped");
    const local = r.targets.local(f.logical);
    if (!local) return fail(f.logical, "no source folder of the job has this name; restore it to a folder instead");
    const existing = await lstat(local.path).catch(() => null);
    if (existing?.isDirectory()) return fail(f.logical, `a folder is in the way at ${local.path}`);
    if (existing && r.overwrite === "never") {
      tally.skipped++;
      if (options.verbosity === "verbose") report.log("info", `keep ${f.logical} (exists)`);
      return;
    }
    const lookup = () => withRetry(() => storedMtime(r.record, store, f.entry, signal), signal);
    // Only a file that exists needs the stored mtime before the copy; otherwise the lookup (an S3
    // HEAD) runs beside the download and is awaited just before the rename.
    const early = existing ? await lookup() : null;
    if (existing && keepLocal(existing, f.entry.size, early, r.overwrite, precision)) {
      tally.skipped++;
      if (options.verbosity === "verbose") report.log("info", `keep ${f.logical} (${r.overwrite === "if_newer" ? "not older" : "identical"})`);
      return;
    }
    try {
      await r.targets.ensureDir(local.root, dirname(local.path));
      const bytes = await withRetry(
        () => writeOne(store, f.entry.path, local.path, existing ? Promise.resolve(early) : lookup(), bucket, signal, report),
        signal,
        (err, attempt, wait) => report.log("warning", `${f.logical}: ${err.message}; retry ${attempt} in ${(wait / 1000).toFixed(1)} s`),
      );
      tally.restored++;
      tally.bytes += bytes;
      report.progress({ files: 1 });
      if (options.verbosity !== "quiet") report.log("info", `restore ${f.logical}`);
    } catch (err) {
      if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
      if (err instanceof DestinationError && err.kind === "not_found") return fail(f.logical, "vanished from the destination since it was listed");
      if (err instanceof DestinationError && err.kind !== "failed" && err.kind !== "permission") throw err;
      fail(f.logical, localWords(err));
    }
  };

  // The first error that is not about one file stops every worker after its current file.
  let fatal: unknown = null;
  const workers = Array.from({ length: Math.max(1, Math.min(MAX_CONCURRENCY, store.capabilities.concurrency)) }, async () => {
    while (fatal === null) {
      if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
      try {
        const next = await files.next();
        if (next.done) return;
        await one(next.value);
      } catch (err) {
        fatal ??= err;
      }
    }
  });
  await Promise.allSettled(workers);
  if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
  if (fatal !== null) {
    await files.return?.(undefined)?.catch(() => {});
    throw fatal;
  }
  return tally;
}

/** rsync's quick check, with --update for if_newer: whether the local file stays. */
export function keepLocal(local: Stats, size: number, stored: number | null, overwrite: Overwrite, precisionMs: number): boolean {
  const same = stored !== null && Math.abs(local.mtimeMs - stored) < precisionMs;
  if (same && local.size === size) return true;
  if (overwrite !== "if_newer") return false;
  // Unknown stored time: nothing says the stored copy is newer.
  if (stored === null) return true;
  return local.mtimeMs > stored && !same;
}

/** One file to its temporary name, mtime set, renamed over `dest`; returns the bytes written.
 *  A plain read-then-write loop: each chunk is written (and throttled) before the next is read,
 *  so memory holds one chunk per file, and no extra stream stage sits on the copy path. */
async function writeOne(store: RemoteStore, from: string, dest: string, mtimeOf: Promise<number | null>, bucket: TokenBucket | null, signal: AbortSignal, report: RunReporter): Promise<number> {
  const temp = tempName(dest);
  let written = 0;
  let input: Readable | null = null;
  let fh: FileHandle | null = null;
  // Settled even when the copy fails first (no unhandled rejection); its error counts after the copy.
  const stored = mtimeOf.then(
    (v) => ({ ok: true as const, v }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  try {
    input = await store.open(from, signal);
    fh = await openFile(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (bucket) await bucket.take(chunk.length, signal);
      for (let off = 0; off < chunk.length; ) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
      written += chunk.length;
      report.progress({ bytes: chunk.length });
    }
    if (signal.aborted) throw new DestinationError("cancelled", "Cancelled");
    await fh.close();
    fh = null;
    const m = await stored;
    if (!m.ok) throw m.e;
    const mtime = m.v;
    if (mtime !== null) {
      const t = new Date(mtime);
      await utimes(temp, t, t);
    }
    await rename(temp, dest);
    return written;
  } catch (err) {
    input?.destroy();
    await fh?.close().catch(() => {});
    await rm(temp, { force: true }).catch(() => {});
    // Bytes counted for a try that did not land are taken back.
    if (written) report.progress({ bytes: -written });
    if (signal.aborted) throw new DestinationError("cancelled", "Cancelled", { cause: err });
    throw err;
  }
}

function localWords(err: unknown): string {
  if (err instanceof DestinationError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "EACCES" || e?.code === "EPERM" || e?.code === "EROFS") return `cannot write here: permission denied (${e.code})`;
  if (e?.code === "ENOSPC" || e?.code === "EDQUOT") return `cannot write here: the disk is full (${e.code})`;
  return e?.message ?? String(err);
}
