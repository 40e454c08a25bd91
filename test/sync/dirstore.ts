// A RemoteStore over a local folder: a real store (files on disk, atomic rename on put), with
// knobs to behave like S3 (mtime only by stat), SFTP (mtime in the listing) or WebDAV (no mtime),
// counters for what the engine asked, and a hook to inject failures.
import { createReadStream, createWriteStream, mkdirSync } from "node:fs";
import { lstat, readdir, rename, rm, rmdir, stat, utimes } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DestinationError, guardStream, type PutResult, type PutSource, type RemoteEntry, type RemoteStore, type StoreCapabilities, throwIfCancelled } from "../../src/destinations/contract.ts";
import { type TreeEntry, walkSorted } from "../../src/destinations/engine/ordered.ts";

export class DirStore implements RemoteStore {
  readonly key: string;
  calls = { list: 0, put: 0, stat: 0, remove: 0, removeDir: 0, check: 0, open: 0, move: 0 };
  /** Called before each operation; throw to inject a failure. */
  fault: (op: string, path: string) => void = () => {};
  readonly capabilities: StoreCapabilities;
  readonly hash = null;

  constructor(
    readonly root: string,
    mtime: StoreCapabilities["mtime"] = "listing",
    concurrency = 4,
  ) {
    this.key = `dir|${root}|${mtime}`;
    this.capabilities = { mtime, mtimePrecisionMs: mtime === "listing" ? 1000 : 1, concurrency };
    if (mtime === "stat") this.stat = this.statImpl;
    mkdirSync(root, { recursive: true });
  }

  stat?: (path: string, signal: AbortSignal) => Promise<RemoteEntry | null>;

  private entry(path: string, st: { size: number; mtimeMs: number; ino: number }): RemoteEntry {
    const mtime = Math.floor(st.mtimeMs);
    return {
      path,
      size: st.size,
      mtime: this.capabilities.mtime === "listing" ? mtime : null,
      id: `${st.ino}-${st.mtimeMs}`,
      serverTime: this.capabilities.mtime === "none" ? mtime : null,
    };
  }

  async *list(prefix: string): AsyncGenerator<RemoteEntry> {
    this.calls.list++;
    this.fault("list", prefix);
    const readDir = async (dir: string): Promise<TreeEntry[]> => {
      const ents = await readdir(join(this.root, dir), { withFileTypes: true }).catch(() => []);
      return Promise.all(
        ents.map(async (e) => {
          if (e.isDirectory()) return { name: e.name, kind: "dir" as const, size: 0, mtime: null };
          const st = await lstat(join(this.root, dir, e.name));
          const en = this.entry("", st);
          return { name: e.name, kind: "file" as const, size: st.size, mtime: en.mtime, serverTime: en.serverTime, id: en.id };
        }),
      );
    };
    for await (const f of walkSorted(readDir, prefix)) yield { path: f.path, size: f.size, mtime: f.mtime, id: f.id ?? null, serverTime: f.serverTime ?? null };
  }

  private async statImpl(path: string): Promise<RemoteEntry | null> {
    this.calls.stat++;
    this.fault("stat", path);
    const st = await stat(join(this.root, path)).catch(() => null);
    return st ? { ...this.entry(path, st), mtime: Math.floor(st.mtimeMs) } : null;
  }

  async put(path: string, source: PutSource, signal: AbortSignal): Promise<PutResult> {
    this.calls.put++;
    this.fault("put", path);
    const dest = join(this.root, path);
    mkdirSync(dirname(dest), { recursive: true });
    const tmp = `${dest}.partial`;
    try {
      await pipeline(source.open(), createWriteStream(tmp), { signal });
      if (this.capabilities.mtime !== "none") await utimes(tmp, source.mtime / 1000, source.mtime / 1000);
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const st = await stat(dest);
    return { id: `${st.ino}-${st.mtimeMs}`, mtime: this.capabilities.mtime === "none" ? null : source.mtime };
  }

  async open(path: string, signal: AbortSignal): Promise<Readable> {
    this.calls.open++;
    this.fault("open", path);
    throwIfCancelled(signal);
    const abs = join(this.root, path);
    const st = await stat(abs).catch(() => null);
    if (!st?.isFile()) throw new DestinationError("not_found", `${path}: not found`);
    return guardStream(createReadStream(abs), signal, (err) => new DestinationError("failed", `${path}: ${(err as Error).message}`, { cause: err }));
  }

  async move(from: string, to: string, signal: AbortSignal): Promise<void> {
    this.calls.move++;
    this.fault("move", from);
    throwIfCancelled(signal);
    const st = await stat(join(this.root, from)).catch(() => null);
    if (!st?.isFile()) throw new DestinationError("not_found", `${from}: not found`);
    mkdirSync(dirname(join(this.root, to)), { recursive: true });
    await rename(join(this.root, from), join(this.root, to));
  }

  async remove(path: string): Promise<void> {
    this.calls.remove++;
    this.fault("remove", path);
    await rm(join(this.root, path), { force: true });
  }

  async removeDir(path: string): Promise<boolean> {
    this.calls.removeDir++;
    return rmdir(join(this.root, path)).then(
      () => true,
      () => false,
    );
  }

  async check(): Promise<Record<string, unknown>> {
    this.calls.check++;
    this.fault("check", "");
    return { root: this.root };
  }

  async close(): Promise<void> {}
}
