// RemoteStore over a local folder: the local destination's `<mount_point>/<backup_subdir>`, for
// reading a backup back (restore, verify, versions). rsync stays the engine that writes local
// backups; this store only gives the rest of the app the same contract as the remote ones.
// Every path is confined to the root: "..", absolute paths, NUL and empty segments are refused,
// and a symlinked folder below the root may not lead out of it. Symlinks and special files are
// not files of this store (list skips them, open and move say "not_found"), as for the engine's
// local walk.
import { constants, type Dirent, type Stats } from "node:fs";
import { lstat, mkdir, open as openFile, readdir, realpath, rename, rm, rmdir, stat, unlink, utimes } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DestinationError,
  guardStream,
  type PutResult,
  type PutSource,
  type RemoteEntry,
  type RemoteStore,
  type StoreCapabilities,
  TEMP_SUFFIX,
  tempUploadName,
  throwIfCancelled,
} from "../contract.ts";
import { type TreeEntry, walkSorted } from "../engine/ordered.ts";

/** Our temporary names: `.<name>.<8 hex>.dmpartial` (never listed). */
const TEMP_NAME = new RegExp(`^\\..*\\.[0-9a-f]{8}\\${TEMP_SUFFIX}$`);

export class LocalStore implements RemoteStore {
  readonly capabilities: StoreCapabilities = { mtime: "listing", mtimePrecisionMs: 1, concurrency: 8, statConcurrency: 32 };
  readonly key: string;
  readonly hash = null;
  readonly root: string;

  /** `root`: an absolute folder (the local destination's mount point joined with its backup_subdir). */
  constructor(root: string) {
    if (!root.startsWith("/") || root.includes("\0")) throw new DestinationError("config", "The local store's root must be an absolute path");
    this.root = root.length > 1 ? root.replace(/\/+$/, "") : root;
    this.key = `local|${this.root}`;
  }

  /** The absolute path of a store path, refusing anything that would not stay below the root ("" is the root: folders only). */
  private abs(rel: string, folder = false): string {
    if (rel === "" && folder) return this.root;
    if (rel === "" || rel.includes("\0") || rel.startsWith("/") || rel.split("/").some((s) => s === "" || s === "." || s === ".."))
      throw new DestinationError("failed", `'${rel.replace(/\0/g, "\\0")}' is not a path inside the store (absolute, empty, '.' or '..' segment, or NUL)`);
    return join(this.root, rel);
  }

  /** The folder holding `abs` must resolve inside the root (a symlinked folder could lead out). */
  private async guard(abs: string, rel: string): Promise<void> {
    if (abs === this.root) return;
    const realRoot = await realpath(this.root).catch(() => null);
    if (realRoot === null) return; // nothing exists below a missing root yet
    for (let dir = dirname(abs); ; dir = dirname(dir)) {
      const real = await realpath(dir).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT" || err.code === "ENOTDIR") return null;
        throw fsError(err, "Resolving", rel);
      });
      if (real !== null) {
        if (real !== realRoot && !real.startsWith(realRoot === "/" ? "/" : realRoot + sep)) throw new DestinationError("permission", `'${rel}' leads outside the store through a symbolic link`);
        return;
      }
      if (dir === this.root || dir === "/") return;
    }
  }

  private async path(rel: string, folder = false): Promise<string> {
    const abs = this.abs(rel, folder);
    await this.guard(abs, rel);
    return abs;
  }

  async check(_signal: AbortSignal): Promise<Record<string, unknown>> {
    const st = await stat(this.root).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new DestinationError("not_found", `'${this.root}' does not exist (is the drive mounted?)`, { cause: err });
      throw fsError(err, "Reading", this.root);
    });
    if (!st.isDirectory()) throw new DestinationError("config", `'${this.root}' is not a folder`);
    return { root: this.root, exists: true };
  }

  async *list(prefix: string, signal: AbortSignal): AsyncIterable<RemoteEntry> {
    const readDir = async (dir: string): Promise<TreeEntry[]> => {
      throwIfCancelled(signal);
      const abs = await this.path(dir, true);
      let ents: Dirent[];
      try {
        ents = await readdir(abs, { withFileTypes: true });
      } catch (err) {
        // A missing folder (or root) lists nothing, like the other stores.
        if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return [];
        throw fsError(err, "Listing", dir || this.root);
      }
      const out: TreeEntry[] = [];
      for (const e of ents) {
        if (e.isDirectory()) out.push({ name: e.name, kind: "dir", size: 0, mtime: null });
        else if (!e.isFile()) out.push({ name: e.name, kind: "other", size: 0, mtime: null });
        else if (TEMP_NAME.test(e.name)) continue;
        else {
          const st = await lstat(join(abs, e.name), { bigint: true }).catch(() => null);
          if (st?.isFile()) out.push({ name: e.name, kind: "file", size: Number(st.size), mtime: Number(st.mtimeNs / 1_000_000n) });
        }
      }
      return out;
    };
    for await (const f of walkSorted(readDir, prefix)) yield { path: f.path, size: f.size, mtime: f.mtime };
  }

  async stat(path: string, _signal: AbortSignal): Promise<RemoteEntry | null> {
    const abs = await this.path(path);
    const st = await lstat(abs, { bigint: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "ENOTDIR") return null;
      throw fsError(err, "Reading", path);
    });
    return st?.isFile() ? { path, size: Number(st.size), mtime: Number(st.mtimeNs / 1_000_000n) } : null;
  }

  async open(path: string, signal: AbortSignal): Promise<Readable> {
    throwIfCancelled(signal);
    const abs = await this.path(path);
    // O_NOFOLLOW: a symlink put there between a check and the open is refused, not followed.
    const fh = await openFile(abs, constants.O_RDONLY | constants.O_NOFOLLOW).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ELOOP") throw new DestinationError("not_found", `Reading '${path}': a symbolic link, not a file`, { cause: err });
      throw fsError(err, "Reading", path);
    });
    let st: Stats;
    try {
      st = await fh.stat();
    } catch (err) {
      await fh.close().catch(() => {});
      throw fsError(err, "Reading", path);
    }
    if (!st.isFile()) {
      await fh.close().catch(() => {});
      throw new DestinationError("not_found", `Reading '${path}': not a file`);
    }
    return guardStream(fh.createReadStream() as unknown as Readable, signal, (err) => fsError(err, "Reading", path));
  }

  /** Writes a temporary name in the same folder, sets the mtime, renames it over `path`. */
  async put(path: string, source: PutSource, signal: AbortSignal): Promise<PutResult> {
    throwIfCancelled(signal);
    const abs = await this.path(path);
    const dir = dirname(abs);
    await mkdir(dir, { recursive: true }).catch((err) => {
      throw fsError(err, "Creating folder", dirname(path));
    });
    const temp = join(dir, tempUploadName(path.slice(path.lastIndexOf("/") + 1)));
    const input = source.open();
    let readError: unknown = null;
    input.on("error", (err) => (readError ??= err));
    try {
      const fh = await openFile(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
      await pipeline(input, fh.createWriteStream() as unknown as NodeJS.WritableStream, { signal });
      const t = new Date(source.mtime);
      await utimes(temp, t, t);
      await rename(temp, abs);
      return { id: null, mtime: source.mtime };
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      if (signal.aborted) throw new DestinationError("cancelled", "Cancelled", { cause: err });
      // The engine tells an unreadable local source (a warning) from a store failure by its errno.
      if (readError) throw readError;
      throw fsError(err, "Writing", path);
    } finally {
      input.destroy();
    }
  }

  async setModTime(path: string, mtime: number, _signal: AbortSignal): Promise<void> {
    const abs = await this.path(path);
    const st = await lstat(abs).catch((err) => {
      throw fsError(err, "Setting the time of", path);
    });
    if (!st.isFile()) throw new DestinationError("not_found", `Setting the time of '${path}': not a file`);
    const t = new Date(mtime);
    await utimes(abs, t, t).catch((err) => {
      throw fsError(err, "Setting the time of", path);
    });
  }

  async remove(path: string, _signal: AbortSignal): Promise<void> {
    const abs = await this.path(path);
    await unlink(abs).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT" && err.code !== "ENOTDIR") throw fsError(err, "Deleting", path);
    });
  }

  async removeDir(path: string, _signal: AbortSignal): Promise<boolean> {
    const abs = await this.path(path, true);
    if (abs === this.root) return false;
    return rmdir(abs).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT" || err.code === "ENOTEMPTY" || err.code === "EEXIST" || err.code === "ENOTDIR") return false;
        throw fsError(err, "Deleting folder", path);
      },
    );
  }

  /** mkdir -p of the parent of `to`, then rename (replaces `to` in one step). */
  async move(from: string, to: string, signal: AbortSignal): Promise<void> {
    throwIfCancelled(signal);
    const src = await this.path(from);
    const dst = await this.path(to);
    const st = await lstat(src).catch((err) => {
      throw fsError(err, "Moving", from);
    });
    if (!st.isFile()) throw new DestinationError("not_found", `Moving '${from}': not a file`);
    if (from === to) return;
    await mkdir(dirname(dst), { recursive: true }).catch((err) => {
      throw fsError(err, "Creating folder", dirname(to));
    });
    await rename(src, dst).catch((err) => {
      throw fsError(err, "Moving", from);
    });
  }

  async close(): Promise<void> {}
}

/** A filesystem error on a store path, in the destination vocabulary. */
export function fsError(err: unknown, what: string, path: string): DestinationError {
  if (err instanceof DestinationError) return err;
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? "";
  if (e?.name === "AbortError") return new DestinationError("cancelled", "Cancelled", { cause: err });
  if (code === "ENOENT" || code === "ENOTDIR") return new DestinationError("not_found", `${what} '${path}': no such file or folder`, { cause: err });
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return new DestinationError("permission", `${what} '${path}': permission denied (${code})`, { cause: err });
  if (code === "ENOSPC" || code === "EDQUOT") return new DestinationError("failed", `${what} '${path}': the disk is full (${code})`, { cause: err });
  if (code === "EXDEV") return new DestinationError("failed", `${what} '${path}': crosses a file system boundary inside the store (EXDEV)`, { cause: err });
  return new DestinationError("failed", `${what} '${path}' failed: ${e?.message ?? String(err)}`, { cause: err });
}
