// RemoteStore over SFTP (OpenSSH and compatible servers). Modification times are set on the
// uploaded file, so the listing alone says what is up to date (capabilities.mtime "listing").
// Uploads go to a hidden temporary name in the same folder and are renamed into place, so an
// interrupted upload never leaves a half-written file under the real name.
// Throughput comes from pipelining: ssh2 lets many requests be in flight on one SFTP channel, and
// a few connections spread the server's work (one sftp-server process each) over its cores.
import type { Readable } from "node:stream";
import type { Stats } from "ssh2";
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
} from "../contract.ts";
import { type TreeEntry, walkSorted } from "../engine/ordered.ts";
import { FolderMemo } from "../folders.ts";
import { type Connection, type ConnectOptions, call, connect, disconnect, FX, requestError, untilLost } from "./connection.ts";
import { GarbageBound } from "./garbage.ts";
import { readAhead } from "./read-ahead.ts";

export interface SftpStoreOptions extends ConnectOptions {
  /** The remote folder everything goes under (remote_path); relative paths start at the login folder. */
  root: string;
  /** How many SSH connections to open at most (each carries many pipelined requests). */
  connections?: number;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
/** Writes in flight per upload: enough to cover the round trip, bounded so memory stays small. */
const WRITES_IN_FLIGHT = 16;
/** Our temporary names: `.<name>.<8 hex>.dmpartial`. */
export const TEMP_NAME = /^\..*\.[0-9a-f]{8}\.dmpartial$/;

export class SftpStore implements RemoteStore {
  readonly capabilities: StoreCapabilities = { mtime: "listing", mtimePrecisionMs: 1000, concurrency: 16, statConcurrency: 16 };
  readonly key: string;
  /** SFTP v3 has no hash (OpenSSH does not offer the check-file extension). */
  readonly hash = null;
  private readonly root: string;
  private readonly maxConns: number;
  private conns: { c: Connection; load: number }[] = [];
  private opening: Promise<Connection> | null = null;
  /** Folders known to exist (listed or created), and creations in progress, so each is made once. */
  private dirs = new FolderMemo();
  private closed = false;
  /** Temporary files being written now (absolute paths), which a listing must not clean up. */
  private activeTemps = new Set<string>();

  constructor(private readonly o: SftpStoreOptions) {
    this.root = normaliseRoot(o.root);
    this.maxConns = Math.max(1, o.connections ?? 4);
    this.key = `sftp|${o.host}:${o.port}|${o.username}|${this.root}`;
  }

  private abs(rel: string): string {
    return rel === "" ? this.root : joinAbs(this.root, rel);
  }

  /**
   * A live connection with the fewest requests in flight. The first connection is opened alone
   * (it records an unknown host key); more are added while every open one is busy.
   */
  private async conn(signal?: AbortSignal): Promise<{ c: Connection; load: number }> {
    if (this.closed) throw new DestinationError("cancelled", "The SFTP store is closed");
    this.conns = this.conns.filter((x) => x.c.alive);
    const best = this.conns.reduce<{ c: Connection; load: number } | null>((b, x) => (!b || x.load < b.load ? x : b), null);
    const wantMore = !best || (best.load > 0 && this.conns.length < this.maxConns);
    if (wantMore && !this.opening) {
      const opening = connect(this.o, signal).finally(() => {
        if (this.opening === opening) this.opening = null;
      });
      this.opening = opening;
      if (!best) {
        const c = await opening;
        let slot = this.conns.find((x) => x.c === c);
        if (!slot) this.conns.push((slot = { c, load: 0 }));
        return slot;
      }
      // Later connections join the pool in the background; a failure to add one is not fatal.
      opening.then(
        (c) => {
          if (this.closed) void disconnect(c);
          else if (!this.conns.some((x) => x.c === c)) this.conns.push({ c, load: 0 });
        },
        () => {},
      );
    } else if (!best && this.opening) {
      // Share the outcome of the connection being opened: a failure fails every waiter once,
      // rather than each of them trying (and, for a silent host, timing out) in turn.
      const c = await this.opening;
      let slot = this.conns.find((x) => x.c === c);
      if (!slot) this.conns.push((slot = { c, load: 0 }));
      return slot;
    }
    return best!;
  }

  /** Runs one request on a pooled connection, mapping its error. */
  private async run<T>(what: string, path: string, signal: AbortSignal | undefined, fn: (c: Connection) => Promise<T>): Promise<T> {
    const slot = await this.conn(signal);
    slot.load++;
    try {
      return await fn(slot.c);
    } catch (err) {
      throw requestError(err, what, path);
    } finally {
      slot.load--;
    }
  }

  /** Stats remote_path. A missing one is fine (the first upload creates it), a file is not. */
  async check(signal: AbortSignal): Promise<Record<string, unknown>> {
    const slot = await this.conn(signal);
    const st = await call<Stats>(slot.c, (cb) => slot.c.sftp.stat(this.root, cb)).catch((err) => {
      if ((err as { code?: number }).code === FX.NO_SUCH_FILE) return null;
      if ((err as { code?: number }).code === FX.PERMISSION_DENIED)
        throw new DestinationError("permission", `Remote path '${this.root}' on ${this.o.host} is not accessible to this user`, { cause: err });
      throw requestError(err, "Reading", this.root);
    });
    if (st && (st.mode & S_IFMT) !== S_IFDIR) throw new DestinationError("config", `Remote path '${this.root}' on ${this.o.host} is not a folder`);
    if (st) this.dirs.known(this.root);
    return {
      host: this.o.host,
      port: this.o.port,
      remote_path: this.root,
      exists: st !== null,
      host_key_type: slot.c.hostKey?.type ?? null,
      host_key_fingerprint: slot.c.hostKey?.fingerprint ?? null,
      host_key: slot.c.hostKeyStatus,
    };
  }

  async *list(prefix: string, signal: AbortSignal): AsyncIterable<RemoteEntry> {
    const readDir = async (dir: string): Promise<TreeEntry[]> => {
      signal.throwIfAborted();
      const abs = this.abs(dir);
      const slot = await this.conn(signal);
      let names: { filename: string; attrs: Stats }[];
      try {
        names = await call<{ filename: string; attrs: Stats }[]>(slot.c, (cb) => slot.c.sftp.readdir(abs, cb));
      } catch (err) {
        // A folder not made yet (the root included: the first upload creates it) lists as empty.
        if ((err as { code?: number }).code === FX.NO_SUCH_FILE) return [];
        throw requestError(err, "Listing", abs);
      }
      this.dirs.known(abs);
      const out: TreeEntry[] = [];
      for (const { filename, attrs } of names) {
        const type = attrs.mode & S_IFMT;
        const kind = type === S_IFDIR ? "dir" : type === S_IFREG ? "file" : "other";
        if (kind === "dir") this.dirs.known(joinAbs(abs, filename));
        if (kind === "file" && TEMP_NAME.test(filename)) {
          // Left by an upload whose connection died before it could clean up: remove, never list.
          const temp = joinAbs(abs, filename);
          if (!this.activeTemps.has(temp)) await call(slot.c, (cb) => slot.c.sftp.unlink(temp, cb)).catch(() => {});
          continue;
        }
        out.push({ name: filename, kind, size: attrs.size, mtime: attrs.mtime * 1000 });
      }
      return out;
    };
    yield* walkSorted(readDir, prefix);
  }

  async stat(path: string, signal: AbortSignal): Promise<RemoteEntry | null> {
    return this.run("Reading", this.abs(path), signal, async (c) => {
      try {
        const st = await call<Stats>(c, (cb) => c.sftp.stat(this.abs(path), cb));
        return { path, size: st.size, mtime: st.mtime * 1000 };
      } catch (err) {
        if ((err as { code?: number }).code === FX.NO_SUCH_FILE) return null;
        throw err;
      }
    });
  }

  /**
   * stat, then a read stream with 16 read requests of 64 KiB in flight (read-ahead.ts). The connection counts as
   * busy while the stream is open, and losing it errors the stream ("transient").
   */
  async open(path: string, signal: AbortSignal): Promise<Readable> {
    throwIfCancelled(signal);
    const abs = this.abs(path);
    const slot = await this.conn(signal);
    const c = slot.c;
    slot.load++;
    let handedOver = false;
    try {
      const st = await call<Stats>(c, (cb) => c.sftp.stat(abs, cb)).catch((err) => {
        throw requestError(err, "Reading", abs);
      });
      if ((st.mode & S_IFMT) !== S_IFREG) throw new DestinationError("not_found", `Reading '${abs}': not a file`);
      const raw = readAhead(c.sftp, abs);
      // The file is opened before the promise resolves, so a refused open rejects it.
      await untilLost<void>(c, ({ resolve, reject }) => {
        raw.once("open", () => resolve());
        raw.once("error", reject);
      }).catch((err) => {
        raw.destroy();
        throw requestError(err, "Reading", abs);
      });
      const onLost = (err: Error) => raw.destroy(err);
      c.onLost.add(onLost);
      handedOver = true;
      return guardStream(
        raw,
        signal,
        (err) => requestError(err, "Reading", abs),
        () => {
          c.onLost.delete(onLost);
          slot.load--;
        },
      );
    } catch (err) {
      if (signal.aborted) throw new DestinationError("cancelled", "Cancelled", { cause: err });
      throw err;
    } finally {
      if (!handedOver) slot.load--;
    }
  }

  /**
   * mkdir -p of the parent of `to`, then posix-rename@openssh.com (replaces `to` in one step), or,
   * without that extension, stat + unlink(to) + rename. A missing `from` is "not_found".
   */
  async move(from: string, to: string, signal: AbortSignal): Promise<void> {
    throwIfCancelled(signal);
    const src = this.abs(from);
    const dst = this.abs(to);
    const exists = async (c: Connection) => {
      const st = await call<Stats>(c, (cb) => c.sftp.stat(src, cb));
      if ((st.mode & S_IFMT) !== S_IFREG) throw new DestinationError("not_found", `Moving '${src}': not a file`);
    };
    if (from === to) return this.run("Moving", src, signal, exists);
    await this.ensureDir(this.abs(splitStorePath(to).dir), signal);
    await this.run("Moving", src, signal, async (c) => {
      if (c.posixRename) {
        await call(c, (cb) => c.sftp.ext_openssh_rename(src, dst, cb));
        return;
      }
      // Plain SFTP rename refuses an existing target: make sure `from` is there before removing `to`.
      await exists(c);
      await call(c, (cb) => c.sftp.unlink(dst, cb)).catch(() => {});
      await call(c, (cb) => c.sftp.rename(src, dst, cb));
    });
  }

  /**
   * mkdir -p of an absolute remote folder, once per folder however many uploads ask at the same
   * time. Tries the folder first (its parent usually exists: listed or just made), then parents.
   */
  private ensureDir(abs: string, signal: AbortSignal): Promise<void> {
    const parent = parentOf(abs);
    return this.dirs.ensure(abs, parent, (parentWasPending) =>
      this.run("Creating folder", abs, signal, async (c) => {
        const mkdir = () => call(c, (cb) => c.sftp.mkdir(abs, cb));
        const isDir = () =>
          call<Stats>(c, (cb) => c.sftp.stat(abs, cb)).then(
            (st) => (st.mode & S_IFMT) === S_IFDIR,
            () => false,
          );
        try {
          await mkdir();
        } catch (err) {
          const code = (err as { code?: number }).code;
          if (code === FX.NO_SUCH_FILE && !parentWasPending && parent !== null) {
            await this.ensureDir(parent, signal);
            await mkdir().catch(async (again) => {
              if (!(await isDir())) throw again;
            });
          } else if (!(await isDir())) throw err; // OpenSSH answers a plain FAILURE for "exists"
        }
      }),
    );
  }

  async put(path: string, source: PutSource, signal: AbortSignal): Promise<PutResult> {
    signal.throwIfAborted();
    const { dir, base } = splitStorePath(path);
    await this.ensureDir(this.abs(dir), signal);
    const final = this.abs(path);
    // Hidden, unique, and short enough for a 255-byte name limit.
    const tempName = tempUploadName(base);
    const temp = this.abs(dir === "" ? tempName : `${dir}/${tempName}`);
    const slot = await this.conn(signal);
    const conn = slot.c;
    const sftp = conn.sftp;
    slot.load++;
    this.activeTemps.add(temp);
    let handle: Buffer | null = null;
    try {
      handle = await call<Buffer>(conn, (cb) => sftp.open(temp, "w", cb));
      await writeAll(conn, handle, source, signal);
      const secs = Math.floor(source.mtime / 1000);
      await call(conn, (cb) => sftp.futimes(handle!, secs, secs, cb));
      const h = handle;
      handle = null;
      await call(conn, (cb) => sftp.close(h, cb));
      signal.throwIfAborted();
      if (slot.c.posixRename) {
        await call(conn, (cb) => sftp.ext_openssh_rename(temp, final, cb));
      } else {
        // Plain SFTP rename refuses an existing target; the short gap is the best such a server allows.
        await call(conn, (cb) => sftp.unlink(final, cb)).catch(() => {});
        await call(conn, (cb) => sftp.rename(temp, final, cb));
      }
      return { id: null, mtime: secs * 1000, serverTime: null };
    } catch (err) {
      // Leave nothing behind: close and delete the temporary file (best effort, connection permitting).
      if (handle) await call(conn, (cb) => sftp.close(handle!, cb)).catch(() => {});
      await call(conn, (cb) => sftp.unlink(temp, cb)).catch(() => {});
      if (signal.aborted) throw new DestinationError("cancelled", "Cancelled", { cause: err });
      // The engine tells an unreadable local file (a warning) from a store failure by its errno.
      if (isLocalFileError(err)) throw err;
      throw requestError(err, "Uploading", final);
    } finally {
      slot.load--;
      this.activeTemps.delete(temp);
    }
  }

  async setModTime(path: string, mtime: number, signal: AbortSignal): Promise<void> {
    const secs = Math.floor(mtime / 1000);
    await this.run("Setting the time of", this.abs(path), signal, (c) => call(c, (cb) => c.sftp.utimes(this.abs(path), secs, secs, cb)));
  }

  async remove(path: string, signal: AbortSignal): Promise<void> {
    await this.run("Deleting", this.abs(path), signal, async (c) => {
      try {
        await call(c, (cb) => c.sftp.unlink(this.abs(path), cb));
      } catch (err) {
        if ((err as { code?: number }).code !== FX.NO_SUCH_FILE) throw err;
      }
    });
  }

  async removeDir(path: string, signal: AbortSignal): Promise<boolean> {
    return this.run("Deleting folder", this.abs(path), signal, async (c) => {
      try {
        await call(c, (cb) => c.sftp.rmdir(this.abs(path), cb));
        this.dirs.forget(this.abs(path));
        return true;
      } catch (err) {
        const code = (err as { code?: number }).code;
        // Not empty (FAILURE on OpenSSH) or already gone: not an error by contract.
        if (code === FX.NO_SUCH_FILE || code === FX.FAILURE) return false;
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const opening = this.opening;
    const all = this.conns.map((x) => x.c);
    this.conns = [];
    await Promise.all(all.map(disconnect));
    if (opening) await opening.then(disconnect, () => {});
  }
}

/**
 * Streams the source into an open remote file with up to WRITES_IN_FLIGHT pipelined writes of at
 * most the server's write size. Returns the bytes written. Aborting stops reading at once.
 */
async function writeAll(conn: Connection, handle: Buffer, source: PutSource, signal: AbortSignal): Promise<number> {
  const sftp = conn.sftp;
  const max = (sftp as unknown as { _maxWriteLen?: number })._maxWriteLen ?? 32 * 1024;
  const stream = source.open();
  const onAbort = () => stream.destroy(new DestinationError("cancelled", "Cancelled"));
  signal.addEventListener("abort", onAbort, { once: true });
  const inflight = new Set<Promise<void>>();
  let failure: unknown = null;
  let pos = 0;
  const garbage = new GarbageBound();
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let off = 0; off < chunk.length; off += max) {
        if (failure) throw failure;
        const piece = chunk.subarray(off, Math.min(chunk.length, off + max));
        const at = pos;
        pos += piece.length;
        // ssh2 copies the bytes into its packet before returning, so the chunk may be reused.
        const p = call(conn, (cb) => sftp.write(handle, piece, 0, piece.length, at, cb)).then(
          () => void inflight.delete(p),
          (err) => {
            inflight.delete(p);
            failure ??= err;
          },
        );
        inflight.add(p);
        if (inflight.size >= WRITES_IN_FLIGHT) await Promise.race(inflight);
        garbage.moved(piece.length);
      }
    }
    await Promise.all(inflight);
    if (failure) throw failure;
    return pos;
  } finally {
    signal.removeEventListener("abort", onAbort);
    stream.destroy();
  }
}

/** A failure reading the local source (fs errors carry a string code and a syscall; SFTP's are numbers). */
export function isLocalFileError(err: unknown): boolean {
  const e = err as { code?: unknown; syscall?: unknown };
  return typeof e?.code === "string" && typeof e.syscall === "string" && /^E[A-Z]+$/.test(e.code) && !/^(ECONN|EPIPE|ETIMEDOUT|EHOST|ENET)/.test(e.code);
}

/** The folder above an absolute or relative remote path; null at "/" and at the login folder ("."). */
function parentOf(p: string): string | null {
  if (p === "/" || p === "." || p === "") return null;
  const i = p.lastIndexOf("/");
  if (i < 0) return ".";
  return i === 0 ? "/" : p.slice(0, i);
}

function joinAbs(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : dir === "." ? name : `${dir}/${name}`;
}

/** remote_path without trailing slashes and "~/": "/" stays "/", "" and "~" mean the login folder. */
export function normaliseRoot(p: string): string {
  let r = p.trim().replace(/^~(\/|$)/, "");
  if (r !== "/") r = r.replace(/\/+$/, "");
  return r === "" ? "." : r;
}
