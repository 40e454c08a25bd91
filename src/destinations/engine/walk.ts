// The local side of a sync: a source folder walked in compareUtf8 order (see ordered.ts), one
// directory in memory at a time, with rsync's excludes applied on the way down (an excluded
// folder is not entered). Symlinks and special files are reported and skipped, as rclone does
// without --links: an object store has nowhere to put them.
import { type Dirent, lstatSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { ExcludeMatcher } from "./exclude.ts";
import { type TreeEntry, walkSorted } from "./ordered.ts";

export interface LocalFile {
  /** Relative to the source folder. */
  rel: string;
  abs: string;
  size: number;
  /** whole ms (floor) */
  mtime: number;
  mtimeNs: bigint;
}

/**
 * Files are stat'ed synchronously, this many between yields to the event loop: an async lstat
 * costs ~30 µs of thread-pool round trip against ~3 µs for the call itself, which made the walk
 * most of a no-change sync.
 */
const STAT_BATCH = 256;

export async function* walkLocal(root: string, excludes: ExcludeMatcher, onSkip: (rel: string, why: string) => void): AsyncGenerator<LocalFile> {
  const ns = new Map<string, bigint>();
  const readDir = async (dir: string): Promise<TreeEntry[]> => {
    let dirents: Dirent[];
    try {
      dirents = await readdir(join(root, dir), { withFileTypes: true });
    } catch (err) {
      if (dir === "") throw err;
      onSkip(dir, `cannot read folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return [];
    }
    const out: TreeEntry[] = [];
    for (let i = 0; i < dirents.length; i++) {
      if (i > 0 && i % STAT_BATCH === 0) await new Promise((r) => setImmediate(r));
      const d = dirents[i]!;
      const rel = dir === "" ? d.name : `${dir}/${d.name}`;
      if (d.isDirectory()) {
        if (!excludes.matches(rel, true)) out.push({ name: d.name, kind: "dir", size: 0, mtime: null });
        continue;
      }
      if (excludes.matches(rel, false)) continue;
      if (!d.isFile()) {
        out.push({ name: d.name, kind: "other", size: 0, mtime: null });
        continue;
      }
      try {
        const st = lstatSync(join(root, rel), { bigint: true });
        ns.set(rel, st.mtimeNs);
        out.push({ name: d.name, kind: "file", size: Number(st.size), mtime: Number(st.mtimeNs / 1_000_000n) });
      } catch (err) {
        onSkip(rel, `vanished or unreadable (${(err as NodeJS.ErrnoException).code ?? "error"})`);
      }
    }
    return out;
  };
  for await (const f of walkSorted(readDir, "", (rel) => onSkip(rel, "not a regular file (symlink or special file), skipped"))) {
    const mtimeNs = ns.get(f.path)!;
    ns.delete(f.path);
    yield { rel: f.path, abs: join(root, f.path), size: f.size, mtime: f.mtime!, mtimeNs };
  }
}
