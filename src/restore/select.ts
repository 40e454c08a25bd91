// Which stored files a restore reads, and where each goes. A selector yields, for the requested
// paths, each file's store entry (what is read) with its logical path (where it lands, mapped by
// the target); the current tree is the default, and versions (as_of) plug in another selector
// that reads older copies from the versions folder under the same logical paths.
import type { RemoteEntry, RemoteStore } from "../destinations/contract.ts";
import { inVersions } from "./paths.ts";

export interface SelectedFile {
  /** Where the file lands, relative to the destination root ("<source basename>/<rest>"). */
  logical: string;
  /** What is read: `entry.path` may differ from `logical` (an old version). */
  entry: RemoteEntry;
}

export type Selector = (store: RemoteStore, paths: string[], signal: AbortSignal, missing: (path: string) => void) => AsyncIterable<SelectedFile>;

/** Leftovers of interrupted uploads to tree stores end in this (contract TEMP_SUFFIX). */
const PARTIAL = /\/?\.[^/]*\.[0-9a-f]{8}\.dmpartial$/;

/**
 * The files as the store holds them now: each path a folder (everything below it) or a file;
 * [] = everything but the versions folder. A path that is neither is passed to `missing`.
 */
export const currentTree: Selector = async function* (store, paths, signal, missing) {
  for (const path of paths.length ? paths : [""]) {
    let held: RemoteEntry | null = null;
    let count = 0;
    for await (const entry of store.list(path, signal)) {
      if (path !== "" && !entry.path.startsWith(`${path}/`)) continue;
      if (inVersions(entry.path) || PARTIAL.test(entry.path)) continue;
      // The first entry waits: it may be the file itself (below).
      if (count++ === 0) {
        held = entry;
        continue;
      }
      if (held) {
        yield { logical: held.path, entry: held };
        held = null;
      }
      yield { logical: entry.path, entry };
    }
    if (held) {
      // Apache WebDAV lists a file path as "<path>/<its name>": one entry of that shape that does
      // not exist as such is the file at `path`.
      const own = `${path}/${path.slice(path.lastIndexOf("/") + 1)}`;
      if (count === 1 && held.path === own && store.stat && (await store.stat(own, signal).catch(() => null)) === null) {
        yield { logical: path, entry: { ...held, path } };
      } else yield { logical: held.path, entry: held };
      continue;
    }
    if (count > 0 || path === "") continue;
    const file = await findFile(store, path, signal);
    if (file) yield { logical: file.path, entry: file };
    else missing(path);
  }
};

/** One file's entry: stat() where the store has it, else its folder's listing. */
async function findFile(store: RemoteStore, path: string, signal: AbortSignal): Promise<RemoteEntry | null> {
  if (store.stat) return store.stat(path, signal);
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  for await (const e of store.list(dir, signal)) if (e.path === path) return e;
  return null;
}
