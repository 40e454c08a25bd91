// RemoteStore over WebDAV (Apache mod_dav, Nextcloud, ownCloud, ...) with the `webdav` package.
// WebDAV servers do not keep a client's modification time (Apache refuses a PROPPATCH of
// getlastmodified), so capabilities.mtime is "none": the engine's local record says which version
// we uploaded, and each listing's ETag and getlastmodified tell whether someone changed it since.
// Uploads go to a hidden temporary name and are MOVEd into place; a server without MOVE gets a
// direct PUT (remembered for the rest of the run).
import { Readable, Transform } from "node:stream";
import { createClient, type FileStat, type WebDAVClient } from "webdav";
import {
  DestinationError,
  guardStream,
  type PutResult,
  type PutSource,
  type RemoteEntry,
  type RemoteStore,
  type StoreCapabilities,
  splitStorePath,
  tempUploadName,
  throwIfCancelled,
  transientError,
} from "../contract.ts";
import { type TreeEntry, walkSorted } from "../engine/ordered.ts";
import { parseRetryAfter } from "../engine/retry.ts";
import { FolderMemo } from "../folders.ts";

export interface WebdavStoreOptions {
  url: string;
  root: string;
  username: string;
  password: string;
}

/** Our temporary names: `.<name>.<8 hex>.dmpartial`. */
const TEMP_NAME = /^\..*\.[0-9a-f]{8}\.dmpartial$/;

export class WebdavStore implements RemoteStore {
  readonly capabilities: StoreCapabilities = { mtime: "none", mtimePrecisionMs: 1000, concurrency: 16, statConcurrency: 16 };
  readonly key: string;
  /** Apache gives no content hash (Nextcloud's oc:checksums could, later). */
  readonly hash = null;
  private readonly client: WebDAVClient;
  private readonly root: string;
  private dirs = new FolderMemo();
  private canMove = true;
  /** Temporary files being written now (absolute paths), which a listing must not clean up. */
  private activeTemps = new Set<string>();

  constructor(private readonly o: WebdavStoreOptions) {
    this.root = normaliseDavRoot(o.root);
    this.key = `webdav|${o.url.replace(/\/+$/, "")}|${o.username}|${this.root}`;
    this.client = createClient(o.url, { username: o.username, password: o.password });
  }

  private abs(rel: string): string {
    return rel === "" ? this.root : joinAbs(this.root, rel);
  }

  /**
   * PROPFIND (depth 0) of remote_path. A missing one is fine when the URL itself answers (the
   * first upload creates it); a missing URL, a file, or refused credentials are not.
   */
  async check(signal: AbortSignal): Promise<Record<string, unknown>> {
    const st = await this.statAbs(this.root, signal);
    if (st && st.type !== "directory") throw new DestinationError("config", `Remote path '${this.root}' is a file, not a folder`);
    if (!st && (this.root === "/" || !(await this.statAbs("/", signal)))) throw new DestinationError("not_found", `The URL ${this.o.url} was not found on the server (404): check its path`);
    if (st) this.dirs.known(this.root);
    return { url: this.o.url, remote_path: this.root, exists: st !== null };
  }

  private async statAbs(abs: string, signal: AbortSignal): Promise<FileStat | null> {
    try {
      return (await this.client.stat(abs, { signal })) as FileStat;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return null;
      throw davError(err, "Reading", abs, this.o.url);
    }
  }

  async *list(prefix: string, signal: AbortSignal): AsyncIterable<RemoteEntry> {
    const readDir = async (dir: string): Promise<TreeEntry[]> => {
      const abs = this.abs(dir);
      let items: FileStat[];
      try {
        items = (await this.client.getDirectoryContents(abs, { signal })) as FileStat[];
      } catch (err) {
        // A folder not made yet (the root included: the first upload creates it) lists as empty.
        if ((err as { status?: number }).status === 404) return [];
        throw davError(err, "Listing", abs, this.o.url);
      }
      this.dirs.known(abs);
      const out: TreeEntry[] = [];
      for (const it of items) {
        const path = joinAbs(abs, it.basename);
        if (it.type === "directory") this.dirs.known(path);
        else if (TEMP_NAME.test(it.basename)) {
          // Left by an upload whose connection died before it could clean up: remove, never list.
          if (!this.activeTemps.has(path)) await this.client.deleteFile(path, { signal }).catch(() => {});
          continue;
        }
        out.push({
          name: it.basename,
          kind: it.type === "directory" ? "dir" : "file",
          size: it.size,
          mtime: null,
          serverTime: parseTime(it.lastmod),
          id: normaliseEtag(it.etag),
        });
      }
      return out;
    };
    yield* walkSorted(readDir, prefix);
  }

  async stat(path: string, signal: AbortSignal): Promise<RemoteEntry | null> {
    try {
      const st = (await this.client.stat(this.abs(path), { signal })) as FileStat;
      return { path, size: st.size, mtime: null, serverTime: parseTime(st.lastmod), id: normaliseEtag(st.etag) };
    } catch (err) {
      if ((err as { status?: number }).status === 404) return null;
      throw davError(err, "Reading", this.abs(path), this.o.url);
    }
  }

  /**
   * PROPFIND depth 0 (a missing path or a folder is "not_found"), then a GET whose status is
   * checked before the promise resolves; the body streams from the response.
   */
  async open(path: string, signal: AbortSignal): Promise<Readable> {
    throwIfCancelled(signal);
    const abs = this.abs(path);
    const st = await this.statAbs(abs, signal);
    if (!st || st.type !== "file") throw new DestinationError("not_found", `Reading '${abs}': ${st ? "not a file" : "not found (404)"}`);
    let res: { body: unknown };
    try {
      res = (await this.client.customRequest(abs, { method: "GET", signal })) as unknown as { body: unknown };
    } catch (err) {
      throw davError(err, "Reading", abs, this.o.url);
    }
    // The package's fetch may hand back a Node stream or a web one.
    const body = !res.body ? Readable.from([]) : res.body instanceof Readable ? res.body : Readable.fromWeb(res.body as import("node:stream/web").ReadableStream);
    return guardStream(body, signal, (err) => davError(err, "Reading", abs, this.o.url));
  }

  /**
   * MKCOL of the parent of `to` as needed, then MOVE with Overwrite: T. A missing `from` is
   * "not_found" (PROPFIND first, so a folder is never moved); a server without MOVE is "failed".
   */
  async move(from: string, to: string, signal: AbortSignal): Promise<void> {
    throwIfCancelled(signal);
    const src = this.abs(from);
    const dst = this.abs(to);
    const st = await this.statAbs(src, signal);
    if (!st || st.type !== "file") throw new DestinationError("not_found", `Moving '${src}': ${st ? "not a file" : "not found (404)"}`);
    if (from === to) return;
    await this.ensureDir(this.abs(splitStorePath(to).dir), signal);
    try {
      await this.client.moveFile(src, dst, { signal, overwrite: true });
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 405 || status === 501) throw new DestinationError("failed", `Moving '${src}': the server does not support MOVE (${status})`, { cause: err });
      throw davError(err, "Moving", src, this.o.url);
    }
  }

  /**
   * MKCOL of an absolute folder and its missing parents, once per folder however many uploads ask
   * at the same time. Tries the folder first (its parent usually exists: listed or just made).
   */
  private ensureDir(abs: string, signal: AbortSignal): Promise<void> {
    const parent = abs === "/" ? null : abs.slice(0, abs.lastIndexOf("/")) || "/";
    return this.dirs.ensure(abs, parent, async (parentWasPending) => {
      const mkcol = async () => {
        try {
          await this.client.createDirectory(abs, { signal });
        } catch (err) {
          // 405: it exists already (RFC 4918 9.3.1).
          if ((err as { status?: number }).status !== 405) throw err;
        }
      };
      try {
        await mkcol();
      } catch (err) {
        // 409: a parent is missing.
        if ((err as { status?: number }).status !== 409 || parentWasPending || parent === null) throw davError(err, "Creating folder", abs, this.o.url);
        await this.ensureDir(parent, signal);
        await mkcol().catch((again) => {
          throw davError(again, "Creating folder", abs, this.o.url);
        });
      }
    });
  }

  async put(path: string, source: PutSource, signal: AbortSignal): Promise<PutResult> {
    signal.throwIfAborted();
    const { dir, base } = splitStorePath(path);
    await this.ensureDir(this.abs(dir), signal);
    const final = this.abs(path);
    const tempName = tempUploadName(base);
    const target = this.canMove ? this.abs(dir === "" ? tempName : `${dir}/${tempName}`) : final;
    this.activeTemps.add(target);
    const stream = exactly(source.open(), source.size, source.localPath);
    // fetch reports a read failure through the request; this keeps a late second 'error' event
    // (after the request gave up on the stream) from becoming an uncaught exception.
    stream.on("error", () => {});
    const onAbort = () => stream.destroy(new DestinationError("cancelled", "Cancelled"));
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      await this.client.putFileContents(target, stream, { signal, overwrite: true, headers: { "Content-Length": String(source.size) } });
      if (target !== final) {
        try {
          await this.client.moveFile(target, final, { signal });
        } catch (err) {
          const status = (err as { status?: number }).status;
          if (status !== 405 && status !== 501) throw err;
          // No MOVE here: upload straight to the final name from now on.
          this.canMove = false;
          await this.client.deleteFile(target).catch(() => {});
          return this.put(path, source, signal);
        }
      }
      // The identity the next listing will show, so a later foreign write can be told apart.
      const st = (await this.client.stat(final, { signal })) as FileStat;
      return { id: normaliseEtag(st.etag), mtime: null, serverTime: parseTime(st.lastmod) };
    } catch (err) {
      if (target !== final) await this.client.deleteFile(target).catch(() => {});
      if (signal.aborted) throw new DestinationError("cancelled", "Cancelled", { cause: err });
      // The engine tells an unreadable local file (a warning) from a store failure by its errno.
      const local = localFileError(err);
      if (local) throw local;
      throw davError(err, "Uploading", final, this.o.url);
    } finally {
      this.activeTemps.delete(target);
      signal.removeEventListener("abort", onAbort);
      stream.destroy();
    }
  }

  async remove(path: string, signal: AbortSignal): Promise<void> {
    try {
      await this.client.deleteFile(this.abs(path), { signal });
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw davError(err, "Deleting", this.abs(path), this.o.url);
    }
  }

  async removeDir(path: string, signal: AbortSignal): Promise<boolean> {
    // DELETE on a collection is recursive in WebDAV: only delete it when it is empty.
    let items: FileStat[];
    try {
      items = (await this.client.getDirectoryContents(this.abs(path), { signal })) as FileStat[];
    } catch (err) {
      if ((err as { status?: number }).status === 404) return false;
      throw davError(err, "Listing", this.abs(path), this.o.url);
    }
    if (items.length > 0) return false;
    try {
      await this.client.deleteFile(`${this.abs(path)}/`, { signal });
      this.dirs.forget(this.abs(path));
      return true;
    } catch (err) {
      if ((err as { status?: number }).status === 404) return false;
      throw davError(err, "Deleting folder", this.abs(path), this.o.url);
    }
  }

  async close(): Promise<void> {}
}

/**
 * Passes exactly `size` bytes (the request's Content-Length). A file that grew while being read is
 * cut at the size it had when the run looked at it (the next run sees the new mtime and sends it
 * again); one that shrank fails, since a short body would leave the server waiting.
 */
function exactly(source: Readable, size: number, localPath: string): Readable {
  let seen = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (seen >= size) return done();
      const keep = chunk.length <= size - seen ? chunk : chunk.subarray(0, size - seen);
      seen += keep.length;
      done(null, keep);
    },
    flush(done) {
      done(seen < size ? new DestinationError("failed", `${localPath} shrank while it was being uploaded`) : null);
    },
  });
  source.on("error", (e) => t.destroy(e));
  t.on("close", () => source.destroy());
  return source.pipe(t);
}

/** The fs error behind a failed upload body, if reading the local file is what failed. */
function localFileError(err: unknown): unknown {
  for (let e = err as { code?: unknown; syscall?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    if (typeof e.code === "string" && typeof e.syscall === "string" && /^(open|read|fstat|stat)$/.test(e.syscall)) return e;
  }
  return null;
}

/** Maps an HTTP status or network failure onto the destination vocabulary, in words. */
export function davError(err: unknown, what: string, path: string, url: string, isRoot = false): DestinationError {
  if (err instanceof DestinationError) return err;
  const e = err as { status?: number; message?: string; code?: string; name?: string; response?: { headers?: Headers } };
  const msg = String(e?.message ?? err);
  const status = e?.status;
  if (e?.name === "AbortError" || /aborted/i.test(msg)) return new DestinationError("cancelled", "Cancelled", { cause: err });
  if (status === 401) return new DestinationError("auth", `The WebDAV server at ${url} refused the username or password (401)`, { cause: err });
  if (status === 403) return new DestinationError("permission", `${what} '${path}': forbidden by the server (403)`, { cause: err });
  if (status === 404 && isRoot) return new DestinationError("not_found", `Remote path '${path}' does not exist on ${url}; create it first`, { cause: err });
  if (status === 404) return new DestinationError("not_found", `${what} '${path}': not found (404)`, { cause: err });
  if (status === 507) return new DestinationError("failed", `${what} '${path}': the server is out of space (507)`, { cause: err });
  if (status === 429 || status === 503 || (status !== undefined && status >= 500)) {
    const retryAfter = parseRetryAfter(e.response?.headers?.get?.("retry-after"));
    return transientError(`${what} '${path}': the server answered ${status}`, retryAfter, err);
  }
  if (status !== undefined) return new DestinationError("failed", `${what} '${path}': the server answered ${status}`, { cause: err });
  const code = String(e?.code ?? "");
  if (/ECONNREFUSED|ConnectionRefused/i.test(code + msg)) return new DestinationError("unavailable", `Connection refused by ${hostOf(url)}: is the WebDAV server running?`, { cause: err });
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo|DNS/i.test(code + msg)) return new DestinationError("not_found", `Host '${hostOf(url)}' could not be found (DNS lookup failed)`, { cause: err });
  if (/CERT|certificate|TLS|SSL|self.signed|unable to verify/i.test(code + msg))
    return new DestinationError("unavailable", `TLS error talking to ${hostOf(url)}: ${msg} (is the certificate valid for this name?)`, { cause: err });
  if (/ECONNRESET|socket|closed|EPIPE|timed? ?out|ETIMEDOUT/i.test(code + msg)) return transientError(`${what} '${path}': the connection was lost (${msg})`, null, err);
  return new DestinationError("failed", `${what} '${path}' failed: ${msg}`, { cause: err });
}

function joinAbs(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function parseTime(v: string | null | undefined): number | null {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/** Apache marks an ETag weak (W/) during the second a file was written, strong afterwards: same version. */
export function normaliseEtag(etag: string | null | undefined): string | null {
  if (!etag) return null;
  return etag.replace(/^W\//, "").replace(/"/g, "");
}

/** remote_path as an absolute path without a trailing slash ("/" for the top). */
export function normaliseDavRoot(p: string): string {
  const r = ("/" + p.trim()).replace(/\/+/g, "/").replace(/\/+$/, "");
  return r === "" ? "/" : r;
}
