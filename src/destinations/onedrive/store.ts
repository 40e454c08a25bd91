// RemoteStore over Microsoft Graph v1.0 (OneDrive personal and business, SharePoint libraries by
// drive_id), with plain fetch. Paths are addressed under the configured folder
// (`/drives/{id}/root:/<folder_path>/<path>:`), each name written with rclone's default OneDrive
// encoding (names.ts) and decoded again when listed.
//
// - Non-empty files go up through an upload session, in fragments of a multiple of 320 KiB (Graph's
//   rule) read one at a time, so memory is one fragment per transfer. The session carries
//   fileSystemInfo.lastModifiedDateTime, so the file appears whole and with its mtime in one step
//   (rclone does the same; a simple PUT cannot set the mtime). A fragment that fails is resumed
//   from the offset the session reports (GET on the uploadUrl), not restarted.
// - Empty files (a session needs a byte) use the simple PUT, then a PATCH of the mtime.
// - 429/503 (and 5xx, resets) are waited out inside the store, honouring Retry-After, and logged as
//   throttling; after a few tries the error goes to the engine as "transient".
// - 401 invalidates the access token and retries once with a fresh one (TokenSource).
import { Readable } from "node:stream";
import {
  DestinationError,
  guardStream,
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
import { FolderMemo } from "../folders.ts";
import { decodeName, encodeName } from "./names.ts";

/** Where access tokens come from (the OAuth core's TokenSource fits). */
export interface AccessTokens {
  accessToken(signal: AbortSignal): Promise<string>;
  /** `token` was refused (401): the next accessToken() must get a new one. */
  invalidate(token?: string): void;
}

export interface OnedriveStoreOptions {
  /** e.g. https://graph.microsoft.com (DYNAMIGHT_GRAPH_URL). */
  graphUrl: string;
  /** Empty or null: the signed-in user's drive (/me/drive). */
  driveId: string | null;
  /** The folder in the drive that holds the backup ("" or "/" = the drive root). Must exist. */
  folderPath: string;
  tokens: AccessTokens;
  /** Upload fragment size, a multiple of 320 KiB (default 10 MiB = 32 × 320 KiB). */
  chunkSize?: number;
  /** Run log lines (throttling, resumed uploads). */
  log?: (level: "info" | "warning", message: string) => void;
  /** A connection test also proves the folder is writable (a probe folder, made and deleted). */
  probeWrite?: boolean;
  /** Tries per request for throttling and transient failures before the engine sees them. */
  attempts?: number;
}

export const FRAGMENT_UNIT = 320 * 1024;
const DEFAULT_CHUNK = 32 * FRAGMENT_UNIT;
const MAX_WAIT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 120_000;
/** A 10 MiB fragment over a slow uplink (1 Mbit/s: 80 s) must not count as a silent server. */
const FRAGMENT_TIMEOUT_MS = 600_000;
const SELECT = "id,name,size,file,folder,fileSystemInfo,lastModifiedDateTime,cTag,eTag,parentReference,@microsoft.graph.downloadUrl";

interface GraphItem {
  id: string;
  name: string;
  size?: number;
  cTag?: string;
  eTag?: string;
  lastModifiedDateTime?: string;
  fileSystemInfo?: { lastModifiedDateTime?: string };
  file?: { hashes?: { quickXorHash?: string } };
  folder?: { childCount?: number };
  "@microsoft.graph.downloadUrl"?: string;
}

interface RequestOptions {
  json?: unknown;
  body?: Uint8Array;
  headers?: Record<string, string>;
  /** Send the bearer token (false for the pre-authenticated upload and download URLs). */
  auth?: boolean;
  /** Wait out 429/503/5xx/resets here (default true). */
  retry?: boolean;
  /** Statuses that are answers, not errors (e.g. 404 where "missing" is fine). */
  accept?: number[];
  /** Gives up on a silent server after this long (default 2 min; 0 for none: a download's body
   *  streams for as long as it takes). */
  timeoutMs?: number;
}

/** folder_path as "a/b" (no leading or trailing slash; "" for the drive root). */
export function normaliseFolderPath(p: string): string {
  return p
    .split("/")
    .filter((s) => s !== "")
    .join("/");
}

export class OnedriveStore implements RemoteStore {
  readonly capabilities: StoreCapabilities = { mtime: "listing", mtimePrecisionMs: 1000, concurrency: 4, statConcurrency: 8 };
  readonly hash = "quickxor" as const;
  readonly key: string;
  private readonly base: string;
  /** Graph's address, without a trailing slash. */
  private readonly graph: string;
  private readonly root: string;
  private readonly chunk: number;
  private readonly attempts: number;
  private dirs = new FolderMemo();

  constructor(private readonly o: OnedriveStoreOptions) {
    const url = o.graphUrl.replace(/\/+$/, "");
    this.graph = url;
    this.base = `${url}/v1.0${o.driveId ? `/drives/${encodeURIComponent(o.driveId)}` : "/me/drive"}`;
    this.root = normaliseFolderPath(o.folderPath);
    this.chunk = o.chunkSize ?? DEFAULT_CHUNK;
    if (this.chunk <= 0 || this.chunk % FRAGMENT_UNIT !== 0) throw new DestinationError("config", "The upload fragment size must be a multiple of 320 KiB");
    this.attempts = o.attempts ?? 4;
    this.key = `onedrive|${url}|${o.driveId || "me"}|${this.root}`;
  }

  /** The item URL of a store path ("" = the folder itself), names encoded for OneDrive. */
  private itemUrl(rel: string): string {
    const segs = [...(this.root ? this.root.split("/") : []), ...(rel ? rel.split("/").map(encodeName) : [])];
    return segs.length === 0 ? `${this.base}/root` : `${this.base}/root:/${segs.map(encodeURIComponent).join("/")}:`;
  }

  private where(rel: string): string {
    return `/${[this.root, rel].filter((s) => s !== "").join("/")}`;
  }

  /** One Graph call: the bearer token (renewed once on a 401), throttling waited out, errors in words. */
  private async request(method: string, url: string, what: string, signal: AbortSignal, opts: RequestOptions = {}): Promise<Response> {
    const auth = opts.auth !== false;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      throwIfCancelled(signal);
      const headers: Record<string, string> = { ...opts.headers };
      const token = auth ? await this.o.tokens.accessToken(signal) : "";
      if (auth) headers.authorization = `Bearer ${token}`;
      let body: BodyInit | undefined;
      if (opts.json !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(opts.json);
      } else if (opts.body) body = opts.body as unknown as BodyInit;
      let res: Response;
      try {
        const timeout = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
        res = await fetch(url, { method, headers, body, signal: timeout > 0 ? AbortSignal.any([signal, AbortSignal.timeout(timeout)]) : signal, redirect: "follow" });
      } catch (err) {
        const e = networkError(err, what, this.o.graphUrl, signal);
        if (opts.retry === false || e.kind !== "transient" || attempt >= this.attempts) throw e;
        await this.wait(null, attempt, `${what}: ${e.message}`, signal);
        continue;
      }
      if (res.ok || opts.accept?.includes(res.status)) return res;
      const err = await graphError(res, what);
      if (res.status === 401 && auth && !refreshed) {
        // An access token that expired early or was revoked: one more try with a fresh one.
        refreshed = true;
        this.o.tokens.invalidate(token);
        attempt--;
        continue;
      }
      if (opts.retry === false || err.kind !== "transient" || attempt >= this.attempts) throw err;
      await this.wait(err, attempt, throttleWords(res.status, err), signal);
    }
  }

  /** Waits before another try: the server's Retry-After, or 0.5 s doubling; says so in the log. */
  private async wait(err: DestinationError | null, attempt: number, words: string, signal: AbortSignal): Promise<void> {
    const asked = err && "retryAfterMs" in err ? (err as { retryAfterMs: number | null }).retryAfterMs : null;
    const ms = Math.min(MAX_WAIT_MS, asked ?? 500 * 2 ** (attempt - 1));
    this.o.log?.("warning", `${words}; waiting ${(ms / 1000).toFixed(1)} s${asked !== null ? " as it asked (Retry-After)" : ""}`);
    await sleep(ms, signal);
  }

  private async getItem(rel: string, signal: AbortSignal, what = "Reading"): Promise<GraphItem | null> {
    const res = await this.request("GET", `${this.itemUrl(rel)}?$select=${SELECT}`, `${what} '${this.where(rel)}'`, signal, { accept: [404] });
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    return (await res.json()) as GraphItem;
  }

  /**
   * The drive answers (the token works), the folder exists and is a folder, and (for a connection
   * test) a probe folder can be made in it and deleted (to the recycle bin).
   */
  async check(signal: AbortSignal): Promise<Record<string, unknown>> {
    const driveRes = await this.request("GET", this.base, "Reading the drive", signal, { accept: [404] });
    if (driveRes.status === 404) {
      await driveRes.body?.cancel();
      throw new DestinationError(
        "not_found",
        this.o.driveId
          ? `drive not found: OneDrive has no drive '${this.o.driveId}' for this account (check drive_id)`
          : "drive not found: this account has no OneDrive (a work account needs OneDrive set up and licensed)",
      );
    }
    const drive = (await driveRes.json()) as {
      id?: string;
      driveType?: string;
      owner?: { user?: { displayName?: string } };
      quota?: { remaining?: number };
    };
    const it = await this.getItem("", signal);
    if (!it) throw new DestinationError("not_found", `folder not found: '${this.where("")}' does not exist in the OneDrive drive (create it first or correct folder_path)`);
    if (!it.folder) throw new DestinationError("config", `'${this.where("")}' is a file in the OneDrive drive, not a folder`);
    this.dirs.known("");
    if (this.o.probeWrite) {
      const name = `.dynamight-write-test-${Math.random().toString(16).slice(2, 10)}`;
      const res = await this.request("POST", `${this.itemUrl("")}/children`, `Writing to '${this.where("")}'`, signal, {
        json: { name, folder: {}, "@microsoft.graph.conflictBehavior": "fail" },
      });
      const made = (await res.json()) as GraphItem;
      await this.request("DELETE", `${this.base}/items/${encodeURIComponent(made.id)}`, `Writing to '${this.where("")}'`, signal, { accept: [404] });
    }
    return {
      drive_id: drive.id ?? null,
      drive_type: drive.driveType ?? null,
      owner: drive.owner?.user?.displayName ?? null,
      folder_path: this.where(""),
      quota_remaining: drive.quota?.remaining ?? null,
      writable: this.o.probeWrite ? true : undefined,
    };
  }

  /** Children of one folder, following @odata.nextLink; null when the folder does not exist. */
  private async children(rel: string, signal: AbortSignal): Promise<GraphItem[] | null> {
    const out: GraphItem[] = [];
    let next: string | null = `${this.itemUrl(rel)}/children?$top=1000&$select=${SELECT}`;
    while (next) {
      const res: Response = await this.request("GET", next, `Listing '${this.where(rel)}'`, signal, { accept: [404] });
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      const page = (await res.json()) as { value?: GraphItem[]; "@odata.nextLink"?: string };
      out.push(...(page.value ?? []));
      next = page["@odata.nextLink"] ?? null;
    }
    return out;
  }

  async *list(prefix: string, signal: AbortSignal): AsyncIterable<RemoteEntry> {
    const readDir = async (dir: string): Promise<TreeEntry[]> => {
      const items = await this.children(dir, signal);
      if (!items) {
        if (dir === "") throw new DestinationError("not_found", `folder not found: '${this.where("")}' does not exist in the OneDrive drive`);
        return [];
      }
      this.dirs.known(dir);
      const out: TreeEntry[] = [];
      for (const it of items) {
        const name = localName(it.name);
        if (it.folder) this.dirs.known(dir === "" ? name : `${dir}/${name}`);
        out.push({
          name,
          kind: it.folder ? "dir" : it.file ? "file" : "other",
          size: it.size ?? 0,
          mtime: parseTime(it.fileSystemInfo?.lastModifiedDateTime),
          serverTime: parseTime(it.lastModifiedDateTime),
          id: it.cTag ?? it.eTag ?? null,
        });
        hashes.set(dir === "" ? name : `${dir}/${name}`, it.file?.hashes?.quickXorHash ?? null);
      }
      return out;
    };
    // The walk yields paths; the hash of each comes from the listing that named it.
    const hashes = new Map<string, string | null>();
    if (prefix !== "" && !(await this.getItem("", signal))) throw new DestinationError("not_found", `folder not found: '${this.where("")}' does not exist in the OneDrive drive`);
    for await (const f of walkSorted(readDir, prefix)) {
      const hash = hashes.get(f.path) ?? null;
      hashes.delete(f.path);
      yield { path: f.path, size: f.size, mtime: f.mtime, serverTime: f.serverTime ?? null, id: f.id ?? null, hash };
    }
  }

  async stat(path: string, signal: AbortSignal): Promise<RemoteEntry | null> {
    const it = await this.getItem(path, signal);
    if (!it?.file) return null;
    return entryOf(path, it);
  }

  async open(path: string, signal: AbortSignal): Promise<Readable> {
    throwIfCancelled(signal);
    const it = await this.getItem(path, signal);
    if (!it?.file) throw new DestinationError("not_found", `Reading '${this.where(path)}': ${it ? "not a file" : "not found (404)"}`);
    const what = `Reading '${this.where(path)}'`;
    // The pre-authenticated download URL takes no bearer token; without one, /content redirects to it.
    const direct = it["@microsoft.graph.downloadUrl"];
    const res = direct
      ? await this.request("GET", direct, what, signal, { auth: false, timeoutMs: 0 })
      : await this.request("GET", `${this.base}/items/${encodeURIComponent(it.id)}/content`, what, signal, { timeoutMs: 0 });
    const body = res.body ? Readable.fromWeb(res.body as unknown as import("node:stream/web").ReadableStream) : Readable.from([]);
    return guardStream(body, signal, (err) => networkError(err, what, this.o.graphUrl, signal));
  }

  /** POST children {folder: {}} of each missing folder, once per folder however many uploads ask. */
  private ensureDir(rel: string, signal: AbortSignal): Promise<void> {
    const parent = rel === "" ? null : splitStorePath(rel).dir;
    return this.dirs.ensure(rel, parent, async (parentWasPending) => {
      const { dir, base } = splitStorePath(rel);
      const mk = async () => {
        const res = await this.request("POST", `${this.itemUrl(dir)}/children`, `Creating folder '${this.where(rel)}'`, signal, {
          json: { name: encodeName(base), folder: {}, "@microsoft.graph.conflictBehavior": "fail" },
          accept: [404, 409],
        });
        await res.body?.cancel();
        return res.status;
      };
      let status = await mk();
      if (status === 404 && !parentWasPending && parent !== null && parent !== "") {
        await this.ensureDir(parent, signal);
        status = await mk();
      }
      // 409 nameAlreadyExists: made by someone else meanwhile, which is what we wanted.
      if (status === 404) throw new DestinationError("not_found", `Creating folder '${this.where(rel)}': the folder above it does not exist`);
    });
  }

  async put(path: string, source: PutSource, signal: AbortSignal): Promise<PutResult> {
    throwIfCancelled(signal);
    const { dir, base } = splitStorePath(path);
    await this.ensureDir(dir, signal);
    const it = source.size === 0 ? await this.putEmpty(path, source, signal) : await this.putSession(path, source, signal);
    // OneDrive names are case-insensitive: "A.txt" replaced the "a.txt" that was there, under its name.
    if (it.name && it.name !== encodeName(base)) {
      this.o.log?.("warning", `${path}: OneDrive already had '${decodeName(it.name)}' in this folder (names differ only in case there), so both are one file on OneDrive`);
    }
    return { id: it.cTag ?? it.eTag ?? null, mtime: parseTime(it.fileSystemInfo?.lastModifiedDateTime), serverTime: parseTime(it.lastModifiedDateTime) };
  }

  private async putEmpty(path: string, source: PutSource, signal: AbortSignal): Promise<GraphItem> {
    const what = `Uploading '${this.where(path)}'`;
    const res = await this.request("PUT", `${this.itemUrl(path)}/content?@microsoft.graph.conflictBehavior=replace`, what, signal, { body: new Uint8Array(0) });
    const it = (await res.json()) as GraphItem;
    const patched = await this.request("PATCH", `${this.base}/items/${encodeURIComponent(it.id)}`, what, signal, { json: { fileSystemInfo: { lastModifiedDateTime: isoTime(source.mtime) } } });
    return (await patched.json()) as GraphItem;
  }

  private async putSession(path: string, source: PutSource, signal: AbortSignal): Promise<GraphItem> {
    const what = `Uploading '${this.where(path)}'`;
    const created = await this.request("POST", `${this.itemUrl(path)}/createUploadSession`, what, signal, {
      json: { item: { "@microsoft.graph.conflictBehavior": "replace", fileSystemInfo: { lastModifiedDateTime: isoTime(source.mtime) } } },
    });
    const { uploadUrl } = (await created.json()) as { uploadUrl: string };
    const size = source.size;
    // One fragment in memory per transfer, reused: memory is chunk size × concurrency.
    const buffer = Buffer.allocUnsafe(Math.min(this.chunk, size));
    let offset = 0;
    let failures = 0;
    try {
      for (;;) {
        const end = Math.min(size, offset + this.chunk) - 1;
        const data = await readRange(source, offset, end, buffer);
        if (data.length !== end - offset + 1) throw new DestinationError("failed", `${source.localPath} changed size while it was being uploaded`);
        let res: Response;
        try {
          // The uploadUrl is pre-authenticated: no bearer token (Graph may refuse one there).
          res = await this.request("PUT", uploadUrl, what, signal, {
            body: data,
            auth: false,
            retry: false,
            timeoutMs: FRAGMENT_TIMEOUT_MS,
            headers: { "content-range": `bytes ${offset}-${end}/${size}`, "content-length": String(data.length) },
          });
        } catch (err) {
          // 416: the server is elsewhere than we thought (a fragment resent by the HTTP client
          // after a reset, say): ask it where, as after any broken fragment.
          const outOfStep = err instanceof DestinationError && statusOf(err) === 416;
          if (!(err instanceof DestinationError) || (err.kind !== "transient" && !outOfStep) || ++failures >= this.attempts * 2) throw err;
          if (!outOfStep) await this.wait(err, failures, throttleWords(statusOf(err), err), signal);
          // Resume where the server says it is, which may be inside the fragment that broke.
          const at = await this.sessionOffset(uploadUrl, what, signal);
          this.o.log?.("info", `${what}: resuming the upload at byte ${at} of ${size} (the server kept ${Math.max(at - offset, 0)} bytes of the broken fragment)`);
          offset = at;
          continue;
        }
        if (res.status === 202) {
          const st = (await res.json()) as { nextExpectedRanges?: string[] };
          offset = nextStart(st.nextExpectedRanges) ?? end + 1;
          continue;
        }
        return (await res.json()) as GraphItem;
      }
    } catch (err) {
      // Abandon the session so its bytes do not linger until it expires.
      fetch(uploadUrl, { method: "DELETE" }).then(
        (r) => r.body?.cancel(),
        () => {},
      );
      throw err;
    }
  }

  private async sessionOffset(uploadUrl: string, what: string, signal: AbortSignal): Promise<number> {
    const res = await this.request("GET", uploadUrl, what, signal, { auth: false, accept: [404] });
    if (res.status === 404) {
      await res.body?.cancel();
      throw transientError(`${what}: the upload session expired; the upload starts again`);
    }
    const st = (await res.json()) as { nextExpectedRanges?: string[] };
    const at = nextStart(st.nextExpectedRanges);
    if (at === null) throw transientError(`${what}: the upload session says nothing is missing yet did not finish; the upload starts again`);
    return at;
  }

  async move(from: string, to: string, signal: AbortSignal): Promise<void> {
    throwIfCancelled(signal);
    const it = await this.getItem(from, signal, "Moving");
    if (!it?.file) throw new DestinationError("not_found", `Moving '${this.where(from)}': ${it ? "not a file" : "not found (404)"}`);
    if (from === to) return;
    const { dir, base } = splitStorePath(to);
    await this.ensureDir(dir, signal);
    const parent = await this.getItem(dir, signal, "Moving");
    if (!parent?.folder) throw new DestinationError("not_found", `Moving to '${this.where(to)}': the folder does not exist`);
    const what = `Moving '${this.where(from)}' to '${this.where(to)}'`;
    const patch = () =>
      this.request("PATCH", `${this.base}/items/${encodeURIComponent(it.id)}?@microsoft.graph.conflictBehavior=replace`, what, signal, {
        json: { parentReference: { id: parent.id }, name: encodeName(base) },
        accept: [409],
      });
    let res = await patch();
    if (res.status === 409) {
      // A server that will not replace on move: the old target goes to the recycle bin first.
      await res.body?.cancel();
      await this.remove(to, signal);
      res = await patch();
      if (res.status === 409) throw await graphError(res, what);
    }
    await res.body?.cancel();
  }

  /** Graph's JSON batching takes at most 20 requests per call. */
  readonly maxBatch = 20;

  /**
   * DELETEs in JSON batches (POST /$batch, 20 at a time): one round trip instead of twenty. Gone
   * (404) is fine; throttled or failed ones (429, 5xx) are sent again after the wait they asked
   * for; any other refusal fails naming the path.
   */
  async removeMany(paths: string[], signal: AbortSignal): Promise<void> {
    for (let i = 0; i < paths.length; i += this.maxBatch) await this.deleteBatch(paths.slice(i, i + this.maxBatch), signal);
  }

  private async deleteBatch(paths: string[], signal: AbortSignal): Promise<void> {
    const api = `${this.graph}/v1.0`;
    let pending = paths.map((path, i) => ({ id: String(i + 1), path }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const res = await this.request("POST", `${api}/$batch`, `Deleting ${pending.length} files`, signal, {
        json: { requests: pending.map((r) => ({ id: r.id, method: "DELETE", url: this.itemUrl(r.path).slice(api.length) })) },
      });
      const answers = ((await res.json()) as { responses?: BatchAnswer[] }).responses ?? [];
      const again: typeof pending = [];
      let worst: DestinationError | null = null;
      for (const r of pending) {
        const a = answers.find((x) => String(x.id) === r.id);
        const status = a?.status ?? 0;
        if ((status >= 200 && status < 300) || status === 404) continue;
        const err = batchError(a, `Deleting '${this.where(r.path)}'`);
        if (err.kind !== "transient") throw err;
        again.push(r);
        worst ??= err;
      }
      pending = again;
      if (pending.length === 0) return;
      if (attempt >= this.attempts) throw worst!;
      await this.wait(worst, attempt, throttleWords(statusOf(worst!), worst!), signal);
    }
  }

  /** DELETE: OneDrive moves the item to the recycle bin. Already gone is fine. */
  async remove(path: string, signal: AbortSignal): Promise<void> {
    const res = await this.request("DELETE", this.itemUrl(path), `Deleting '${this.where(path)}'`, signal, { accept: [404] });
    await res.body?.cancel();
  }

  async removeDir(path: string, signal: AbortSignal): Promise<boolean> {
    // DELETE of a folder takes everything in it: only delete it when it is empty.
    const it = await this.getItem(path, signal, "Deleting folder");
    if (!it?.folder || (it.folder.childCount ?? 0) > 0) return false;
    const res = await this.request("DELETE", `${this.base}/items/${encodeURIComponent(it.id)}`, `Deleting folder '${this.where(path)}'`, signal, { accept: [404] });
    await res.body?.cancel();
    this.dirs.forget(path);
    return res.status !== 404;
  }

  async close(): Promise<void> {}
}

/** A listed OneDrive name as the local name; one that would decode to a "/" stays as it is. */
function localName(name: string): string {
  const d = decodeName(name);
  return d.includes("/") ? name : d;
}

function entryOf(path: string, it: GraphItem): RemoteEntry {
  return {
    path,
    size: it.size ?? 0,
    mtime: parseTime(it.fileSystemInfo?.lastModifiedDateTime),
    serverTime: parseTime(it.lastModifiedDateTime),
    id: it.cTag ?? it.eTag ?? null,
    hash: it.file?.hashes?.quickXorHash ?? null,
  };
}

/** Bytes start..end of the source into `into` (one buffer reused for every fragment of a put). */
async function readRange(source: PutSource, start: number, end: number, into: Buffer): Promise<Buffer> {
  let n = 0;
  const want = end - start + 1;
  for await (const c of source.openRange(start, end)) {
    const b = c as Buffer;
    const take = Math.min(b.length, want - n);
    b.copy(into, n, 0, take);
    n += take;
    if (n >= want) break;
  }
  return into.subarray(0, n);
}

/** The first missing byte of nextExpectedRanges (["12345-", "77829-99375"]), or null. */
export function nextStart(ranges: string[] | undefined): number | null {
  if (!ranges || ranges.length === 0) return null;
  const starts = ranges.map((r) => Number(r.split("-")[0])).filter((n) => Number.isSafeInteger(n));
  return starts.length ? Math.min(...starts) : null;
}

function parseTime(v: string | undefined | null): number | null {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : t;
}

/** OneDrive keeps whole seconds; sending the ms would only be dropped. */
function isoTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

function statusOf(err: DestinationError): number | null {
  return (err as { status?: number }).status ?? null;
}

function throttleWords(status: number | null, err: DestinationError): string {
  if (status === 429 || status === 503) return `OneDrive is throttling requests (${status}): ${err.message}`;
  return err.message;
}

interface BatchAnswer {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: { error?: { code?: string; message?: string; innerError?: { code?: string } } };
}

/** One answer of a $batch, as graphError words a whole response. */
function batchError(a: BatchAnswer | undefined, what: string): DestinationError {
  if (!a) return transientError(`${what}: the batch answer left it out`);
  const headers = new Headers(a.headers ?? {});
  return wordGraphError(a.status, "", a.body ?? null, headers, what);
}

/** Graph's error body ({error: {code, message}}) in the destination vocabulary, in its own words. */
export async function graphError(res: Response, what: string): Promise<DestinationError> {
  let body: BatchAnswer["body"] | null = null;
  try {
    body = (await res.json()) as BatchAnswer["body"];
  } catch {
    // not JSON (a proxy, a gateway): the status says enough
  }
  return wordGraphError(res.status, res.statusText, body ?? null, res.headers, what);
}

function wordGraphError(s: number, statusText: string, body: BatchAnswer["body"] | null, headers: Headers, what: string): DestinationError {
  const code = body?.error?.innerError?.code ?? body?.error?.code ?? "";
  const message = body?.error?.message ?? "";
  const words = `${message || statusText || "no message"} (${s}${code ? ` ${code}` : ""})`;
  let e: DestinationError;
  if (s === 401) e = new DestinationError("auth", `${what}: OneDrive refused the access token: ${words}`);
  else if (s === 403) e = new DestinationError("permission", `${what}: ${words}`);
  else if (s === 404) e = new DestinationError("not_found", `${what}: ${words}`);
  else if (s === 507) e = new DestinationError("failed", `${what}: the drive is full: ${words}`);
  else if (s === 429 || s >= 500) e = transientError(`${what}: ${words}`, parseRetryAfter(headers.get("retry-after")));
  else e = new DestinationError("failed", `${what}: ${words}`);
  (e as { status?: number }).status = s;
  return e;
}

function networkError(err: unknown, what: string, url: string, signal: AbortSignal): DestinationError {
  if (err instanceof DestinationError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  const msg = String(e?.message ?? err);
  if (signal.aborted || e?.name === "AbortError") return new DestinationError("cancelled", "Cancelled", { cause: err });
  if (e?.name === "TimeoutError") return transientError(`${what}: no answer from the server in time`, null, err);
  const code = String(e?.code ?? "");
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  if (/ECONNREFUSED|ConnectionRefused/i.test(code + msg)) return new DestinationError("unavailable", `Connection refused by ${host}`, { cause: err });
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo|DNS/i.test(code + msg)) return new DestinationError("unavailable", `Host '${host}' could not be found (DNS lookup failed)`, { cause: err });
  if (/CERT|certificate|TLS|SSL/i.test(code + msg)) return new DestinationError("unavailable", `TLS error talking to ${host}: ${msg}`, { cause: err });
  return transientError(`${what}: the connection was lost (${msg})`, null, err);
}
