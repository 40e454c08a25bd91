// A recursive walk that yields files in compareUtf8 order of their full path, one directory
// listing in memory at a time. Used for the local source and by tree stores (SFTP, WebDAV) so
// their list() matches the order S3 returns keys in, which lets the engine merge two streams.
import { compareUtf8 } from "../contract.ts";

export interface TreeEntry {
  name: string;
  kind: "file" | "dir" | "other";
  size: number;
  /** ms since epoch, or null when unknown */
  mtime: number | null;
  serverTime?: number | null;
  id?: string | null;
}

export interface WalkedFile {
  path: string;
  size: number;
  mtime: number | null;
  serverTime?: number | null;
  id?: string | null;
}

/**
 * `readDir(dir)` lists one directory ("" is the root; paths "/"-separated, relative); a directory
 * sorts as `name + "/"` so that "a/x" comes after "a-b" exactly as in a flat key listing.
 * `onOther` sees entries that are neither file nor directory (symlinks, sockets) so the caller
 * can log them.
 */
export async function* walkSorted(readDir: (dir: string) => Promise<TreeEntry[]>, root = "", onOther?: (path: string) => void): AsyncGenerator<WalkedFile> {
  const entries = await readDir(root);
  const keyed = entries.map((e) => ({ e, key: e.kind === "dir" ? `${e.name}/` : e.name }));
  keyed.sort((a, b) => compareUtf8(a.key, b.key));
  for (const { e } of keyed) {
    const path = root === "" ? e.name : `${root}/${e.name}`;
    if (e.kind === "dir") yield* walkSorted(readDir, path, onOther);
    else if (e.kind === "file") yield { path, size: e.size, mtime: e.mtime, serverTime: e.serverTime ?? null, id: e.id ?? null };
    else onOther?.(path);
  }
}
