// RemoteStore over Google Drive v3 with `googleapis` (metadata: list, create, update, trash,
// download) and the resumable upload protocol over fetch for large files (googleapis uploads a
// file in one request; a broken connection would start it over).
//
// Drive is a tree of ids, not of paths: a folder's id is looked up (or created) once per run and
// remembered. Names are not unique in Drive; a second file with one name in one folder is what
// clients that trust names leave behind on every retried upload. So: a name is looked up before
// anything is created; a duplicate found is logged, the newest is used and the others are
// trashed when that name is written. Deletions go to the trash. modifiedTime holds the source
// mtime (ms), so the listing compares like SFTP's and a no-change run transfers nothing;
// md5Checksum is the content hash verify uses.
import { Readable } from "node:stream";
import type { drive_v3 } from "googleapis/build/src/apis/drive/v3.js";
import {
  DestinationError,
  guardStream,
  type LogLevel,
  type PutResult,
  type PutSource,
  type RemoteEntry,
  type RemoteStore,
  type StoreCapabilities,
  splitStorePath,
  throwIfCancelled,
  transientError,
} from "../contract.ts";
import { type TreeEntry, walkSorted } from "../engine/ordered.ts";
import { parseRetryAfter, sleep } from "../engine/retry.ts";
import type { TokenSource } from "../oauth/token-source.ts";

export const FOLDER_MIME = "application/vnd.google-apps.folder";
/** Drive's resumable chunks must be multiples of 256 KiB (except the last). */
export const CHUNK_UNIT = 256 * 1024;
export const DEFAULT_CHUNK = 32 * CHUNK_UNIT; // 8 MiB
const FILE_FIELDS = "id,name,mimeType,size,modifiedTime,md5Checksum,createdTime,trashed";

export interface DriveStoreOptions {
  /** "root" or "" = My Drive's root, or the shared drive's root when sharedDriveId is set. */
  folderId: string;
  sharedDriveId: string | null;
  tokens: TokenSource;
  /** DYNAMIGHT_GOOGLE_API_URL (default https://www.googleapis.com). */
  apiUrl: string;
  /** Bytes per resumable chunk, a multiple of 256 KiB; files up to this size go in one request. */
  chunkSize?: number;
  concurrency?: number;
  log?: (level: LogLevel, message: string) => void;
  /** A connection test: fail fast instead of waiting out a throttle. */
  quick?: boolean;
}

/** What every googleapis call gets as its options (MethodOptions). */
interface CallOptions {
  rootUrl: string;
  signal: AbortSignal;
  retry: false;
  headers: Record<string, string>;
}

interface Child {
  id: string;
  name: string;
  folder: boolean;
  size: number;
  mtime: number | null;
  md5: string | null;
  created: number;
}

/** Internal tries of one request on throttling or a 5xx before the engine's own retries take over. */
const TRIES = 4;

export class DriveStore implements RemoteStore {
  readonly capabilities: StoreCapabilities;
  readonly hash = "md5" as const;
  readonly key: string;
  private drive!: drive_v3.Drive;
  private readonly apiUrl: string;
  private readonly chunkSize: number;
  /** store path of a folder ("" = root) → its id (null: known not to exist). */
  private folders = new Map<string, Promise<string | null>>();
  /** folder id → its children by name, when listed or looked up this run. */
  private children = new Map<string, Map<string, Child[]>>();

  constructor(private readonly o: DriveStoreOptions) {
    this.apiUrl = o.apiUrl.replace(/\/+$/, "");
    const chunk = o.chunkSize ?? DEFAULT_CHUNK;
    if (chunk % CHUNK_UNIT !== 0 || chunk <= 0) throw new DestinationError("config", `The upload chunk size must be a multiple of 256 KiB (got ${chunk})`);
    this.chunkSize = chunk;
    this.capabilities = { mtime: "listing", mtimePrecisionMs: 1, concurrency: o.concurrency ?? 4, statConcurrency: 8 };
    this.key = `google_drive|${this.apiUrl}|${o.sharedDriveId || "my-drive"}|${rootAlias(o.folderId, o.sharedDriveId)}`;
  }

  async init(): Promise<void> {
    // Drive alone: `import { google } from "googleapis"` loads all ~300 APIs (3.7 s and 100 MB
    // here); this module is 0.3 s and 25 MB. rootUrl here and on every call (options below):
    // googleapis builds media URLs from the per-call rootUrl only. No retry inside gaxios:
    // throttling is ours (Retry-After, logged).
    const { drive } = await import("googleapis/build/src/apis/drive/index.js");
    this.drive = drive({ version: "v3", rootUrl: `${this.apiUrl}/` });
  }

  private get rootId(): string {
    return rootAlias(this.o.folderId, this.o.sharedDriveId);
  }

  /** Every call: items of shared drives are invisible to a client that does not say it supports them. */
  private common() {
    return { supportsAllDrives: true };
  }

  /**
   * One Drive request with the current token: a 401 refreshes the token once and tries again;
   * 429/503/rate-limit 403s wait as the server asks (logged: the provider is throttling); other
   * 5xx and resets a few times with backoff. Whatever is left is a DestinationError.
   */
  private async call<T>(what: string, signal: AbortSignal, fn: (options: CallOptions) => Promise<{ data: T }>): Promise<T> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      throwIfCancelled(signal);
      const token = await this.o.tokens.accessToken(signal);
      try {
        const res = await fn({ rootUrl: `${this.apiUrl}/`, signal, retry: false, headers: { Authorization: `Bearer ${token}` } });
        return res.data;
      } catch (err) {
        if (signal.aborted) throw new DestinationError("cancelled", "Cancelled", { cause: err });
        const e = driveError(err, what);
        if (e.kind === "auth" && statusOf(err) === 401 && !refreshed) {
          refreshed = true;
          this.o.tokens.invalidate(token);
          attempt--;
          continue;
        }
        if (e.kind !== "transient" || attempt >= TRIES || this.o.quick) throw e;
        await this.backoff(e, attempt, signal);
      }
    }
  }

  private async backoff(e: DestinationError, attempt: number, signal: AbortSignal) {
    const asked = (e as { retryAfterMs?: number | null }).retryAfterMs ?? null;
    const wait = Math.min(asked ?? 500 * 2 ** (attempt - 1), 60_000);
    this.o.log?.("warning", `${e.message}; waiting ${(wait / 1000).toFixed(1)} s`);
    await sleep(wait, signal);
  }

  /** The root folder: exists, is a folder, is not in the trash ("folder not found" otherwise). */
  private async root(signal: AbortSignal): Promise<drive_v3.Schema$File & { id: string }> {
    let f: drive_v3.Schema$File;
    try {
      f = await this.call("Reading the folder", signal, (options) =>
        this.drive.files.get({ fileId: this.rootId, fields: "id,name,mimeType,trashed,driveId,capabilities(canAddChildren)", ...this.common() }, options),
      );
    } catch (err) {
      if (err instanceof DestinationError && err.kind === "not_found") throw this.folderNotFound(err);
      throw err;
    }
    if (f.mimeType !== FOLDER_MIME) throw new DestinationError("config", `Google Drive item '${this.o.folderId}' is a file, not a folder`);
    if (f.trashed) throw this.folderNotFound();
    return f as drive_v3.Schema$File & { id: string };
  }

  private folderNotFound(cause?: unknown) {
    const what = this.o.folderId && this.o.folderId !== "root" ? `'${this.o.folderId}'` : this.o.sharedDriveId ? `of shared drive '${this.o.sharedDriveId}'` : "root";
    return new DestinationError("not_found", `Google Drive folder ${what}: folder not found (check folder_id${this.o.sharedDriveId ? " and shared_drive_id" : ""})`, { cause });
  }

  async check(signal: AbortSignal): Promise<Record<string, unknown>> {
    const f = await this.root(signal);
    if (f.capabilities?.canAddChildren === false) throw new DestinationError("permission", `Google Drive folder '${f.name}' is not writable with this account (canAddChildren is false)`);
    this.folders.set("", Promise.resolve(f.id));
    return { folder_id: f.id, name: f.name, shared_drive_id: this.o.sharedDriveId, writable: true };
  }

  /** The id of the folder at `path`; with create, made (with its parents) when missing, once however many ask. */
  private folderId(path: string, signal: AbortSignal, create: boolean): Promise<string | null> {
    const known = this.folders.get(path);
    if (known) {
      // A lookup that found nothing may be asked again with create.
      return create ? known.then((id) => id ?? this.makeFolder(path, signal)) : known;
    }
    const p = (async (): Promise<string | null> => {
      if (path === "") return (await this.root(signal)).id;
      const { dir, base } = splitStorePath(path);
      const parent = await this.folderId(dir, signal, create);
      if (parent === null) return null;
      const found = (await this.lookup(parent, base, signal)).filter((c) => c.folder);
      if (found.length > 0) return newest(found).id;
      if (!create) return null;
      return this.createFolder(parent, base, signal);
    })();
    this.folders.set(path, p);
    p.catch(() => this.folders.delete(path));
    return p;
  }

  private makeFolder(path: string, signal: AbortSignal): Promise<string | null> {
    this.folders.delete(path);
    return this.folderId(path, signal, true);
  }

  private async createFolder(parent: string, name: string, signal: AbortSignal): Promise<string> {
    const f = await this.call(`Creating folder '${name}'`, signal, (options) =>
      this.drive.files.create({ requestBody: { name, mimeType: FOLDER_MIME, parents: [parent] }, fields: FILE_FIELDS, ...this.common() }, options),
    );
    this.remember(parent, toChild(f));
    return f.id!;
  }

  /** Children of `parent` named `name` (not trashed), from this run's listing or one query. */
  private async lookup(parent: string, name: string, signal: AbortSignal): Promise<Child[]> {
    const listed = this.children.get(parent);
    if (listed) return listed.get(name) ?? [];
    const q = `'${escapeQ(parent)}' in parents and name = '${escapeQ(name)}' and trashed = false`;
    const out: Child[] = [];
    for await (const f of this.query(q, signal)) out.push(toChild(f));
    return out;
  }

  private remember(parent: string, c: Child) {
    const m = this.children.get(parent);
    if (!m) return;
    m.set(c.name, [...(m.get(c.name) ?? []).filter((x) => x.id !== c.id), c]);
  }

  private forget(parent: string, id: string) {
    const m = this.children.get(parent);
    if (!m) return;
    for (const [name, list] of m) {
      const rest = list.filter((c) => c.id !== id);
      if (rest.length) m.set(name, rest);
      else m.delete(name);
    }
  }

  private async *query(q: string, signal: AbortSignal): AsyncGenerator<drive_v3.Schema$File> {
    let pageToken: string | undefined;
    do {
      const page: drive_v3.Schema$FileList = await this.call("Listing", signal, (options) =>
        this.drive.files.list(
          {
            q,
            pageSize: 1000,
            pageToken,
            fields: `nextPageToken,files(${FILE_FIELDS})`,
            ...this.common(),
            includeItemsFromAllDrives: true,
            ...(this.o.sharedDriveId ? { corpora: "drive", driveId: this.o.sharedDriveId } : {}),
          },
          options,
        ),
      );
      for (const f of page.files ?? []) yield f;
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
  }

  /** One folder's children, grouped by name; duplicates logged (the newest is the one used). */
  private async readFolder(folderId: string, path: string, signal: AbortSignal): Promise<Map<string, Child[]>> {
    const byName = new Map<string, Child[]>();
    for await (const f of this.query(`'${escapeQ(folderId)}' in parents and trashed = false`, signal)) {
      const c = toChild(f);
      byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
    }
    for (const [name, list] of byName) {
      if (list.length < 2) continue;
      const keep = newest(list);
      this.o.log?.(
        "warning",
        `Google Drive: ${list.length} items named '${path ? `${path}/` : ""}${name}' in one folder; using the newest (${keep.id}), the others go to the trash when it is next written`,
      );
    }
    this.children.set(folderId, byName);
    return byName;
  }

  async *list(prefix: string, signal: AbortSignal): AsyncIterable<RemoteEntry> {
    const readDir = async (dir: string): Promise<TreeEntry[]> => {
      const id = await this.folderId(dir, signal, false);
      if (id === null) return [];
      const byName = await this.readFolder(id, dir, signal);
      const out: TreeEntry[] = [];
      for (const [name, list] of byName) {
        const c = newest(list);
        if (c.folder) this.folders.set(dir === "" ? name : `${dir}/${name}`, Promise.resolve(c.id));
        out.push({ name, kind: c.folder ? "dir" : "file", size: c.size, mtime: c.mtime, id: null });
      }
      return out;
    };
    for await (const f of walkSorted(readDir, prefix)) {
      const c = await this.entryAt(f.path, signal);
      yield { path: f.path, size: f.size, mtime: f.mtime, serverTime: null, id: null, hash: c?.md5 ?? null };
    }
  }

  /** The file at `path` (the newest of duplicates), or null; cached children make this free after a listing. */
  private async entryAt(path: string, signal: AbortSignal): Promise<(Child & { parent: string }) | null> {
    const { dir, base } = splitStorePath(path);
    const parent = await this.folderId(dir, signal, false);
    if (parent === null) return null;
    const files = (await this.lookup(parent, base, signal)).filter((c) => !c.folder);
    return files.length ? { ...newest(files), parent } : null;
  }

  async put(path: string, source: PutSource, signal: AbortSignal): Promise<PutResult> {
    throwIfCancelled(signal);
    const { dir, base } = splitStorePath(path);
    const parent = (await this.folderId(dir, signal, true))!;
    const existing = (await this.lookup(parent, base, signal)).filter((c) => !c.folder);
    const target = existing.length ? newest(existing) : null;
    const modifiedTime = new Date(source.mtime).toISOString();
    let f: drive_v3.Schema$File;
    try {
      f =
        source.size <= this.chunkSize
          ? await this.putSmall(base, parent, target?.id ?? null, modifiedTime, source, signal)
          : await this.putResumable(base, parent, target?.id ?? null, modifiedTime, source, signal);
    } catch (err) {
      if (signal.aborted) throw new DestinationError("cancelled", "Cancelled", { cause: err });
      const local = localFileError(err);
      if (local) throw local;
      throw err instanceof DestinationError ? err : driveError(err, `Uploading '${path}'`);
    }
    const written = toChild(f);
    this.remember(parent, written);
    // Never two files with one name: what else carried it goes to the trash now.
    for (const dup of existing) {
      if (dup.id === written.id) continue;
      this.o.log?.("warning", `Google Drive: '${path}' had a duplicate (${dup.id}); moved it to the trash`);
      await this.trash(dup.id, signal).catch(() => {});
      this.forget(parent, dup.id);
    }
    return { id: null, mtime: written.mtime, serverTime: null };
  }

  /** One multipart request through googleapis (create, or update the content of `id`). */
  private async putSmall(name: string, parent: string, id: string | null, modifiedTime: string, source: PutSource, signal: AbortSignal): Promise<drive_v3.Schema$File> {
    // Read (and throttled) before the request: the token must not age while the bytes trickle in.
    const bytes = await source.readAll();
    return this.call(`Uploading '${name}'`, signal, async (options) => {
      // A fresh body per try: a stream cannot be sent twice.
      const body = Readable.from([bytes]);
      const media = { mimeType: "application/octet-stream", body };
      const call = id
        ? this.drive.files.update({ fileId: id, requestBody: { modifiedTime }, media, fields: FILE_FIELDS, ...this.common() }, options)
        : this.drive.files.create({ requestBody: { name, parents: [parent], modifiedTime }, media, fields: FILE_FIELDS, ...this.common() }, options);
      return call as Promise<{ data: drive_v3.Schema$File }>;
    });
  }

  /**
   * Drive's resumable protocol: a session (POST, or PATCH for a new version of `id`), then PUTs
   * of chunkSize bytes (a multiple of 256 KiB) each with Content-Range. A chunk that breaks is
   * not sent again from the start: `Content-Range: bytes * /N` asks where the server is (308 +
   * Range), and the upload goes on from there. One chunk in memory at a time.
   */
  private async putResumable(name: string, parent: string, id: string | null, modifiedTime: string, source: PutSource, signal: AbortSignal): Promise<drive_v3.Schema$File> {
    const total = source.size;
    const session = await this.startSession(name, parent, id, modifiedTime, total, signal);
    let offset = 0;
    let failures = 0;
    const buffer = Buffer.allocUnsafe(Math.min(this.chunkSize, total));
    while (true) {
      throwIfCancelled(signal);
      const end = Math.min(offset + this.chunkSize, total);
      let res: Response | null = null;
      let broken: unknown = null;
      try {
        const chunk = await readRange(source, offset, end, buffer);
        res = await fetch(session, {
          method: "PUT",
          headers: { "content-range": `bytes ${offset}-${end - 1}/${total}`, "content-length": String(end - offset) },
          body: chunk as unknown as BodyInit,
          signal,
          // A fresh connection per chunk: on a reused one, fetch silently resends a chunk whose
          // connection broke, from its start; we want the break, to resume at the server's offset.
          keepalive: false,
        });
      } catch (err) {
        if (signal.aborted) throw err;
        if (localFileError(err)) throw err;
        broken = err;
      }
      if (res && (res.status === 200 || res.status === 201)) return (await res.json()) as drive_v3.Schema$File;
      if (res && res.status === 308) {
        await res.body?.cancel();
        offset = nextOffset(res.headers.get("range"));
        failures = 0;
        continue;
      }
      if (res && res.status === 404) throw transientError(`Uploading '${name}': the upload session expired (404); it starts over`);
      if (res && res.status < 500 && res.status !== 429 && res.status !== 408) throw driveError(await httpError(res), `Uploading '${name}'`);
      // A 5xx, a 429 or a broken connection: ask the server what it has, go on from there.
      if (res) await res.body?.cancel();
      if (++failures > TRIES)
        throw transientError(`Uploading '${name}': the upload kept failing at byte ${offset} (${broken ? String((broken as Error).message ?? broken) : `HTTP ${res?.status}`})`, null, broken);
      const why = broken ? `the connection broke (${(broken as Error).message ?? broken})` : `HTTP ${res!.status}`;
      const wait = res ? (parseRetryAfter(res.headers.get("retry-after")) ?? 500 * 2 ** (failures - 1)) : 250 * failures;
      this.o.log?.(
        "warning",
        `Uploading '${name}': ${res?.status === 429 ? "Google Drive is throttling: " : ""}${why} at byte ${offset}; resuming from the server's offset in ${(wait / 1000).toFixed(1)} s`,
      );
      await sleep(Math.min(wait, 60_000), signal);
      offset = await this.queryOffset(session, total, signal);
      if (offset >= total) {
        const done = await fetch(session, { method: "PUT", headers: { "content-range": `bytes */${total}` }, signal });
        if (done.status === 200 || done.status === 201) return (await done.json()) as drive_v3.Schema$File;
      }
    }
  }

  private async startSession(name: string, parent: string, id: string | null, modifiedTime: string, total: number, signal: AbortSignal): Promise<string> {
    const url = id ? `${this.apiUrl}/upload/drive/v3/files/${encodeURIComponent(id)}` : `${this.apiUrl}/upload/drive/v3/files`;
    const q = `uploadType=resumable&supportsAllDrives=true&fields=${encodeURIComponent(FILE_FIELDS)}`;
    const metadata = id ? { modifiedTime } : { name, parents: [parent], modifiedTime };
    return this.call(`Uploading '${name}'`, signal, async (options) => {
      const res = await fetch(`${url}?${q}`, {
        method: id ? "PATCH" : "POST",
        headers: { ...options.headers, "content-type": "application/json; charset=UTF-8", "x-upload-content-type": "application/octet-stream", "x-upload-content-length": String(total) },
        body: JSON.stringify(metadata),
        signal,
      });
      if (!res.ok) throw await httpError(res);
      await res.body?.cancel();
      const location = res.headers.get("location");
      if (!location) throw new DestinationError("failed", `Uploading '${name}': Google Drive answered no upload session (no Location header)`);
      return { data: location };
    });
  }

  /** Where the server is in a session: `Content-Range: bytes * /N` → 308 + Range (none: nothing yet). */
  private async queryOffset(session: string, total: number, signal: AbortSignal): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(session, { method: "PUT", headers: { "content-range": `bytes */${total}`, "content-length": "0" }, signal });
        await res.body?.cancel();
        if (res.status === 308) return nextOffset(res.headers.get("range"));
        if (res.status === 200 || res.status === 201) return total;
        if (res.status === 404) throw transientError("the upload session expired (404); it starts over");
        if (res.status < 500 && res.status !== 429) throw new DestinationError("failed", `Google Drive answered ${res.status} to an upload status query`);
      } catch (err) {
        if (signal.aborted || err instanceof DestinationError || attempt >= TRIES)
          throw err instanceof DestinationError ? err : transientError(`the upload status query failed (${(err as Error).message})`, null, err);
      }
      await sleep(250 * attempt, signal);
    }
  }

  /** A stream of the file (alt=media); status checked before it resolves. */
  async open(path: string, signal: AbortSignal): Promise<Readable> {
    throwIfCancelled(signal);
    const f = await this.entryAt(path, signal);
    if (!f) throw new DestinationError("not_found", `Reading '${path}': not found on Google Drive`);
    const stream = await this.call(
      `Reading '${path}'`,
      signal,
      (options) => this.drive.files.get({ fileId: f.id, alt: "media", ...this.common() }, { ...options, responseType: "stream" }) as unknown as Promise<{ data: Readable }>,
    );
    const body = stream instanceof Readable ? stream : Readable.fromWeb(stream as unknown as import("node:stream/web").ReadableStream);
    return guardStream(body, signal, (err) => driveError(err, `Reading '${path}'`));
  }

  /** files.update with addParents/removeParents and the new name; what was at `to` goes to the trash. */
  async move(from: string, to: string, signal: AbortSignal): Promise<void> {
    throwIfCancelled(signal);
    const src = await this.entryAt(from, signal);
    if (!src) throw new DestinationError("not_found", `Moving '${from}': not found on Google Drive`);
    if (from === to) return;
    const { dir, base } = splitStorePath(to);
    const parent = (await this.folderId(dir, signal, true))!;
    const there = (await this.lookup(parent, base, signal)).filter((c) => !c.folder && c.id !== src.id);
    const f = await this.call(`Moving '${from}'`, signal, (options) =>
      this.drive.files.update(
        {
          fileId: src.id,
          requestBody: { name: base },
          ...(parent !== src.parent ? { addParents: parent, removeParents: src.parent } : {}),
          fields: FILE_FIELDS,
          ...this.common(),
        },
        options,
      ),
    );
    this.forget(src.parent, src.id);
    this.remember(parent, toChild(f));
    for (const old of there) {
      await this.trash(old.id, signal);
      this.forget(parent, old.id);
    }
  }

  private async trash(id: string, signal: AbortSignal): Promise<void> {
    try {
      await this.call("Moving to the trash", signal, (options) => this.drive.files.update({ fileId: id, requestBody: { trashed: true }, ...this.common() }, options));
    } catch (err) {
      if (!(err instanceof DestinationError && err.kind === "not_found")) throw err;
    }
  }

  /** To the trash (Drive keeps it 30 days); a file already gone is success. */
  async remove(path: string, signal: AbortSignal): Promise<void> {
    const { dir, base } = splitStorePath(path);
    const parent = await this.folderId(dir, signal, false);
    if (parent === null) return;
    for (const f of (await this.lookup(parent, base, signal)).filter((c) => !c.folder)) {
      await this.trash(f.id, signal);
      this.forget(parent, f.id);
    }
  }

  async removeDir(path: string, signal: AbortSignal): Promise<boolean> {
    if (path === "") return false;
    const id = await this.folderId(path, signal, false);
    if (id === null) return false;
    for await (const _ of this.query(`'${escapeQ(id)}' in parents and trashed = false`, signal)) return false;
    await this.trash(id, signal);
    const { dir } = splitStorePath(path);
    const parent = await this.folders.get(dir);
    if (parent) this.forget(parent, id);
    this.folders.delete(path);
    this.children.delete(id);
    return true;
  }

  async close(): Promise<void> {}
}

function rootAlias(folderId: string, sharedDriveId: string | null): string {
  const f = folderId.trim();
  if (f === "" || f === "root") return sharedDriveId || "root";
  return f;
}

/** Drive's query string literal: backslash and quote escaped. */
export function escapeQ(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
}

function toChild(f: drive_v3.Schema$File): Child {
  const mtime = f.modifiedTime ? Date.parse(f.modifiedTime) : Number.NaN;
  const created = f.createdTime ? Date.parse(f.createdTime) : 0;
  return {
    id: f.id ?? "",
    name: f.name ?? "",
    folder: f.mimeType === FOLDER_MIME,
    size: Number(f.size ?? 0),
    mtime: Number.isNaN(mtime) ? null : mtime,
    md5: f.md5Checksum ?? null,
    created: Number.isNaN(created) ? 0 : created,
  };
}

/** The newest of one name's items: latest modifiedTime, then latest created, then the id. */
function newest(list: Child[]): Child {
  return list.reduce((a, b) => {
    const d = (b.mtime ?? 0) - (a.mtime ?? 0) || b.created - a.created;
    return d > 0 || (d === 0 && b.id > a.id) ? b : a;
  });
}

/** A 308's Range (`bytes=0-N`) → the next byte to send (0 when the header is absent). */
function nextOffset(range: string | null): number {
  const m = /bytes=0-(\d+)/.exec(range ?? "");
  return m ? Number(m[1]) + 1 : 0;
}

/** Bytes start..end of the file into `into` (reused for every chunk of an upload: one chunk of memory, not one per chunk). */
async function readRange(source: PutSource, start: number, end: number, into: Buffer): Promise<Buffer> {
  if (end <= start) return into.subarray(0, 0);
  let n = 0;
  for await (const b of source.openRange(start, end - 1)) {
    const piece = b as Buffer;
    if (n + piece.length > end - start) throw new DestinationError("failed", `${source.localPath} changed size while it was being uploaded`);
    piece.copy(into, n);
    n += piece.length;
  }
  if (n !== end - start) throw new DestinationError("failed", `${source.localPath} changed size while it was being uploaded`);
  return into.subarray(0, n);
}

async function httpError(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => "");
  let data: unknown = text;
  try {
    data = JSON.parse(text);
  } catch {}
  return { status: res.status, response: { status: res.status, headers: res.headers, data } };
}

function statusOf(err: unknown): number | undefined {
  const e = err as { status?: number; code?: number | string; response?: { status?: number } };
  return e?.response?.status ?? e?.status ?? (typeof e?.code === "number" ? e.code : undefined);
}

function header(err: unknown, name: string): string | null {
  const h = (err as { response?: { headers?: Headers | Record<string, string> } })?.response?.headers;
  if (!h) return null;
  if (typeof (h as Headers).get === "function") return (h as Headers).get(name);
  return (h as Record<string, string>)[name] ?? null;
}

/** The fs error behind a failed upload body, if reading the local file is what failed. */
function localFileError(err: unknown): unknown {
  for (let e = err as { code?: unknown; syscall?: unknown; cause?: unknown } | undefined, i = 0; e && i < 4; e = e.cause as typeof e, i++) {
    if (typeof e.code === "string" && typeof e.syscall === "string" && /^(open|read|fstat|stat)$/.test(e.syscall)) return e;
  }
  return null;
}

/** A Drive API failure in the destination vocabulary, with Google's own words. */
export function driveError(err: unknown, what: string): DestinationError {
  if (err instanceof DestinationError) return err;
  const status = statusOf(err);
  const data = (err as { response?: { data?: unknown } })?.response?.data as { error?: { message?: string; errors?: { reason?: string; message?: string }[] } } | string | undefined;
  const body = typeof data === "object" && data ? data.error : undefined;
  const reason = body?.errors?.[0]?.reason ?? "";
  const words = body?.message ?? (err as Error)?.message ?? String(err);
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.name === "AbortError") return new DestinationError("cancelled", "Cancelled", { cause: err });
  if (status === 429 || status === 503 || (status === 403 && /rateLimitExceeded|userRateLimitExceeded/.test(reason))) {
    return transientError(`${what}: Google Drive is throttling (${status}${reason ? ` ${reason}` : ""}: ${words})`, parseRetryAfter(header(err, "retry-after")), err);
  }
  if (status === 401) return new DestinationError("auth", `${what}: Google refused the access token (401: ${words})`, { cause: err });
  if (status === 403) return new DestinationError("permission", `${what}: forbidden by Google Drive (403${reason ? ` ${reason}` : ""}: ${words})`, { cause: err });
  if (status === 404) return new DestinationError("not_found", `${what}: not found on Google Drive (404: ${words})`, { cause: err });
  if (status !== undefined && status >= 500) return transientError(`${what}: Google Drive answered ${status} (${words})`, parseRetryAfter(header(err, "retry-after")), err);
  if (status !== undefined && status >= 400) return new DestinationError("failed", `${what}: Google Drive answered ${status} (${words})`, { cause: err });
  const msg = `${e?.code ?? ""} ${e?.message ?? err}`;
  if (/ECONNREFUSED|ConnectionRefused|Unable to connect/i.test(msg)) return new DestinationError("unavailable", `${what}: cannot reach Google Drive (${e?.message ?? err})`, { cause: err });
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(msg)) return new DestinationError("unavailable", `${what}: the Google Drive host could not be found (DNS)`, { cause: err });
  if (/ECONNRESET|socket|closed|EPIPE|timed? ?out|ETIMEDOUT|terminated/i.test(msg)) return transientError(`${what}: the connection to Google Drive was lost (${e?.message ?? err})`, null, err);
  return new DestinationError("failed", `${what} failed: ${e?.message ?? String(err)}`, { cause: err });
}
