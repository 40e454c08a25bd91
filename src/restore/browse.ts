// One folder of a destination as the store holds it now: its files and sub-folders (folders with
// the total size and newest time of what they hold), read by listing the store below the folder.
// Memory grows with the folder's direct children, not with the files below them.
import { compareUtf8, type RemoteStore, TEMP_SUFFIX } from "../destinations/contract.ts";
import { notFound } from "../http/errors.ts";
import { storedMtime } from "./access.ts";
import type { FileEntry, FileListing } from "./model.ts";
import { inVersions } from "./paths.ts";
import type { UploadRecord } from "./queries.ts";

/** Leftovers of interrupted uploads to tree stores (`.name.<8 hex>.dmpartial`) and of restores. */
const TEMP_NAME = new RegExp(`^\\..*\\.[0-9a-f]{8}\\${TEMP_SUFFIX}$`);

interface Child {
  is_dir: boolean;
  size: number;
  mtime: number | null;
  serverTime: number | null;
  /** The file's listing entry, for the mtime lookup of the page's files. */
  entry?: Parameters<typeof storedMtime>[2];
}

/** How many stat() calls a page of files may run at once (S3 keeps the mtime in metadata only). */
const STAT_CONCURRENCY = 16;

export async function listFolder(
  record: UploadRecord,
  store: RemoteStore,
  folder: string,
  page: { limit: number; offset: number },
  signal: AbortSignal,
): Promise<{ listing: FileListing; total: number }> {
  const children = new Map<string, Child>();
  const prefix = folder === "" ? "" : `${folder}/`;
  for await (const e of store.list(folder, signal)) {
    if (!e.path.startsWith(prefix)) continue;
    if (folder === "" && inVersions(e.path)) continue;
    const rest = e.path.slice(prefix.length);
    const slash = rest.indexOf("/");
    const name = slash < 0 ? rest : rest.slice(0, slash);
    if (slash < 0 && TEMP_NAME.test(name)) continue;
    const c = children.get(name) ?? { is_dir: slash >= 0, size: 0, mtime: null, serverTime: null };
    c.size += e.size;
    if (e.mtime !== null && (c.mtime === null || e.mtime > c.mtime)) c.mtime = e.mtime;
    if (e.serverTime != null && (c.serverTime === null || e.serverTime > c.serverTime)) c.serverTime = e.serverTime;
    if (slash < 0) c.entry = e;
    children.set(name, c);
  }
  if (folder !== "" && children.size === 0) throw notFound(`'${folder}' is not a folder in the destination (or it is empty)`);
  const names = [...children.keys()].sort((a, b) => {
    const da = children.get(a)!.is_dir;
    const db_ = children.get(b)!.is_dir;
    return da === db_ ? compareUtf8(a, b) : da ? -1 : 1;
  });
  const slice = names.slice(page.offset, page.offset + page.limit);
  // The stored mtime of the page's files where the listing has none (S3 stat, the upload record).
  const queue = slice.filter((n) => !children.get(n)!.is_dir && children.get(n)!.mtime === null);
  await Promise.all(
    Array.from({ length: Math.min(STAT_CONCURRENCY, queue.length) }, async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        const c = children.get(n)!;
        c.mtime = await storedMtime(record, store, c.entry!, signal);
      }
    }),
  );
  const entries: FileEntry[] = slice.map((name) => {
    const c = children.get(name)!;
    const time = c.mtime ?? c.serverTime;
    return { name, path: prefix + name, is_dir: c.is_dir, size: c.size, modified: time === null ? null : new Date(time).toISOString() };
  });
  const parent = folder === "" ? null : folder.includes("/") ? folder.slice(0, folder.lastIndexOf("/")) : "";
  return { listing: { path: folder, parent, entries }, total: names.length };
}
