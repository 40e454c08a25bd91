// An in-process fake of the Google Drive v3 REST API, written from Google's reference
// (developers.google.com/drive/api/reference/rest/v3/files, .../guides/manage-uploads,
// .../guides/search-files), so `googleapis` and our resumable uploader talk real HTTP to it.
// Content lives on disk (a temp folder), so a 1 GB upload costs the fake no memory.
//
// It reproduces what breaks clients: small pages with nextPageToken, the `q` language as
// googleapis sends it, resumable sessions (308 + Range, `Content-Range: bytes */N` status
// queries, 256 KiB chunk rule), 401 when the access token expired (the OAuth fake's validator),
// injected 429/403 rate limits with Retry-After, injected 5xx, a connection reset in the middle
// of a chunk, shared drives that only a client saying supportsAllDrives sees, and duplicate names.
//
//   const drive = await startDriveFake({ oauth });
//   Object.assign(process.env, drive.env);                      // DYNAMIGHT_GOOGLE_API_URL
//   const folder = drive.createFolder("root", "Backups");
//   drive.controls.throttleNext = 2;  drive.controls.resetAtOffset = 300_000;
//   drive.tree(folder)                                           // {"a/b.txt": {size, md5, modifiedTime}}
import { createHash, randomBytes } from "node:crypto";
import { closeSync, createReadStream, ftruncateSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OAuthFake } from "./oauth.ts";

export const FOLDER_MIME = "application/vnd.google-apps.folder";
const MY_DRIVE_ROOT = "0AFakeMyDriveRootUk9PVA";
const UNIT = 256 * 1024;

export interface DriveItem {
  id: string;
  name: string;
  mimeType: string;
  parents: string[];
  trashed: boolean;
  modifiedTime: string;
  createdTime: string;
  size?: string;
  md5Checksum?: string;
  /** The shared drive it is in, if any. */
  driveId?: string;
  /** false: the account may not add children (a folder shared read-only). */
  canAddChildren?: boolean;
}

export interface DriveFakeControls {
  /** The next N API requests (not upload-session PUTs) answer a rate limit. */
  throttleNext: number;
  /** How the rate limit is answered: 429 rateLimitExceeded (default), 403 userRateLimitExceeded, 503. */
  throttleStatus: 429 | 403 | 503;
  retryAfterS: number | null;
  /** The next N API requests answer 500 backendError. */
  failNext: number;
  /** The next N upload-session chunk PUTs answer 503. */
  failNextChunks: number;
  /** The chunk PUT that carries this byte of the file is cut there: the socket is destroyed (what arrived is kept, in 256 KiB units). Once. */
  resetAtOffset: number | null;
  /** Items returned per page at most (whatever pageSize asks). */
  maxPageSize: number;
}

export interface DriveFakeStats {
  requests: number;
  byKind: Record<string, number>;
  /** Bytes of file content received (multipart, media and chunks). */
  bytesReceived: number;
  chunkPuts: number;
  statusQueries: number;
  resets: number;
  unauthorized: number;
}

export interface DriveFake {
  url: string;
  env: Record<string, string>;
  rootId: string;
  controls: DriveFakeControls;
  stats: DriveFakeStats;
  createFolder(parent: string, name: string, opts?: { canAddChildren?: boolean }): string;
  /** A file made behind the client's back (e.g. a duplicate name). */
  addFile(parent: string, name: string, content: string | Uint8Array, modifiedTime?: Date): string;
  createSharedDrive(name: string): string;
  item(id: string): DriveItem | undefined;
  /** Everything under `folder` not in the trash: path → file facts (folders: size -1). */
  tree(folder: string): Record<string, { size: number; md5: string | null; modifiedTime: string; id: string }>;
  /** Items in the trash (name and id). */
  trashed(): DriveItem[];
  content(id: string): Buffer;
  resetStats(): void;
  stop(): Promise<void>;
}

interface Session {
  fileId: string | null;
  metadata: Partial<DriveItem>;
  total: number | null;
  tmp: string;
  received: number;
}

export async function startDriveFake(opts: { oauth: Pick<OAuthFake, "validate">; maxPageSize?: number }): Promise<DriveFake> {
  const dir = mkdtempSync(join(tmpdir(), "dm-drive-fake-"));
  const items = new Map<string, DriveItem>();
  const drives = new Map<string, { id: string; name: string }>();
  const sessions = new Map<string, Session>();
  const pageTokens = new Map<string, { ids: string[]; at: number }>();
  const controls: DriveFakeControls = { throttleNext: 0, throttleStatus: 429, retryAfterS: 1, failNext: 0, failNextChunks: 0, resetAtOffset: null, maxPageSize: opts.maxPageSize ?? 3 };
  const stats: DriveFakeStats = { requests: 0, byKind: {}, bytesReceived: 0, chunkPuts: 0, statusQueries: 0, resets: 0, unauthorized: 0 };
  const now = () => new Date().toISOString();
  const newId = () => `1${randomBytes(16).toString("base64url")}`;
  const blob = (id: string) => join(dir, id);

  items.set(MY_DRIVE_ROOT, { id: MY_DRIVE_ROOT, name: "My Drive", mimeType: FOLDER_MIME, parents: [], trashed: false, modifiedTime: now(), createdTime: now() });
  const resolve = (id: string) => (id === "root" ? MY_DRIVE_ROOT : id);

  const addItem = (it: Omit<DriveItem, "id" | "createdTime" | "trashed"> & { id?: string; trashed?: boolean }): DriveItem => {
    const parent = items.get(it.parents[0]!);
    const full: DriveItem = { trashed: false, createdTime: now(), ...it, id: it.id ?? newId(), driveId: it.driveId ?? parent?.driveId };
    items.set(full.id, full);
    return full;
  };

  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, { ...(body === undefined ? {} : { "content-type": "application/json; charset=UTF-8" }), ...headers });
    res.end(text);
  };
  const gError = (res: ServerResponse, status: number, reason: string, message: string, headers: Record<string, string> = {}) =>
    send(res, status, { error: { code: status, message, errors: [{ message, domain: status === 401 ? "global" : "usageLimits", reason }] } }, headers);
  const notFound = (res: ServerResponse, id: string) =>
    send(res, 404, {
      error: { code: 404, message: `File not found: ${id}.`, errors: [{ message: `File not found: ${id}.`, domain: "global", reason: "notFound", location: "fileId", locationType: "parameter" }] },
    });

  /** An item visible to this request: shared drive items need supportsAllDrives=true. */
  const visible = (id: string, q: URLSearchParams): DriveItem | undefined => {
    const it = items.get(resolve(id));
    if (!it) return undefined;
    if (it.driveId && q.get("supportsAllDrives") !== "true") return undefined;
    return it;
  };

  const readBody = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((ok, fail) => {
      const parts: Buffer[] = [];
      req.on("data", (b: Buffer) => parts.push(b));
      req.on("end", () => ok(Buffer.concat(parts)));
      req.on("error", fail);
    });

  const writeContent = (id: string, content: Buffer): { size: string; md5Checksum: string } => {
    const fd = openSync(blob(id), "w");
    writeSync(fd, content);
    closeSync(fd);
    stats.bytesReceived += content.length;
    return { size: String(content.length), md5Checksum: createHash("md5").update(content).digest("hex") };
  };

  const md5OfFile = (path: string): Promise<string> =>
    new Promise((ok, fail) => {
      const h = createHash("md5");
      createReadStream(path)
        .on("data", (b) => h.update(b))
        .on("end", () => ok(h.digest("hex")))
        .on("error", fail);
    });

  /** multipart/related: a JSON part, then the media part. */
  const parseMultipart = (req: IncomingMessage, body: Buffer): { metadata: Partial<DriveItem>; media: Buffer } => {
    const boundary = /boundary=([^;]+)/.exec(req.headers["content-type"] ?? "")?.[1]?.replace(/"/g, "");
    if (!boundary) throw new Error("no boundary");
    const sep = Buffer.from(`--${boundary}`);
    const parts: Buffer[] = [];
    let at = body.indexOf(sep);
    while (at >= 0) {
      const next = body.indexOf(sep, at + sep.length);
      if (next < 0) break;
      parts.push(body.subarray(at + sep.length, next));
      at = next;
    }
    const content = (p: Buffer) => {
      const headEnd = p.indexOf("\r\n\r\n");
      let c = p.subarray(headEnd + 4);
      if (c.subarray(-2).toString() === "\r\n") c = c.subarray(0, -2);
      return c;
    };
    return { metadata: JSON.parse(content(parts[0]!).toString() || "{}"), media: parts[1] ? content(parts[1]) : Buffer.alloc(0) };
  };

  /** The `q` of files.list as googleapis sends it: clauses joined by `and`. */
  const parseQ = (q: string): ((it: DriveItem) => boolean) | null => {
    const clauses: string[] = [];
    let cur = "";
    let inStr = false;
    for (let i = 0; i < q.length; i++) {
      const ch = q[i]!;
      if (inStr && ch === "\\") {
        cur += ch + q[++i];
        continue;
      }
      if (ch === "'") inStr = !inStr;
      if (!inStr && /^\s+and\s+/i.test(q.slice(i))) {
        const m = /^\s+and\s+/i.exec(q.slice(i))!;
        clauses.push(cur.trim());
        cur = "";
        i += m[0].length - 1;
        continue;
      }
      cur += ch;
    }
    if (cur.trim()) clauses.push(cur.trim());
    const unq = (s: string) => s.slice(1, -1).replace(/\\(.)/g, "$1");
    const tests: ((it: DriveItem) => boolean)[] = [];
    const STR = "('(?:[^'\\\\]|\\\\.)*')";
    const rules: [RegExp, (m: RegExpExecArray) => (it: DriveItem) => boolean][] = [
      [
        new RegExp(`^${STR}\\s+in\\s+parents$`),
        (m) => {
          const p = resolve(unq(m[1]!));
          return (it) => it.parents.includes(p);
        },
      ],
      [
        /^trashed\s*=\s*(true|false)$/,
        (m) => {
          const want = m[1] === "true";
          return (it) => it.trashed === want;
        },
      ],
      [
        new RegExp(`^name\\s*=\\s*${STR}$`),
        (m) => {
          const n = unq(m[1]!);
          return (it) => it.name === n;
        },
      ],
      [
        new RegExp(`^mimeType\\s*(=|!=)\\s*${STR}$`),
        (m) => {
          const [op, v] = [m[1], unq(m[2]!)];
          return (it) => (it.mimeType === v) === (op === "=");
        },
      ],
    ];
    for (const c of clauses) {
      const rule = rules.map(([re, make]) => [re.exec(c), make] as const).find(([m]) => m !== null);
      if (!rule) return null;
      tests.push(rule[1](rule[0]!));
    }
    return (it) => tests.every((t) => t(it));
  };

  const view = (it: DriveItem) => ({ kind: "drive#file", ...it, capabilities: { canAddChildren: it.mimeType === FOLDER_MIME && it.canAddChildren !== false } });

  /** Applies metadata of a create or update (name, parents via add/remove, modifiedTime, trashed). */
  const applyMetadata = (it: DriveItem, m: Partial<DriveItem>, q: URLSearchParams, contentChanged: boolean) => {
    if (m.name !== undefined) it.name = m.name;
    if (m.trashed !== undefined) it.trashed = m.trashed;
    const add = q.get("addParents");
    const remove = q.get("removeParents");
    if (remove) it.parents = it.parents.filter((p) => !remove.split(",").map(resolve).includes(p));
    if (add) it.parents = [...new Set([...it.parents, ...add.split(",").map(resolve)])];
    if (m.modifiedTime !== undefined) it.modifiedTime = new Date(m.modifiedTime).toISOString();
    else if (contentChanged) it.modifiedTime = now();
  };

  const checkParents = (res: ServerResponse, parents: string[] | undefined, q: URLSearchParams): string[] | null => {
    const ps = (parents ?? ["root"]).map(resolve);
    for (const p of ps) {
      const parent = visible(p, q);
      if (!parent || parent.trashed) {
        notFound(res, p);
        return null;
      }
      if (parent.canAddChildren === false) {
        gError(res, 403, "insufficientFilePermissions", "The user does not have sufficient permissions for this file.");
        return null;
      }
    }
    return ps;
  };

  const count = (kind: string) => {
    stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
  };

  async function handleChunk(req: IncomingMessage, res: ServerResponse, s: Session, uploadId: string) {
    const range = req.headers["content-range"] ?? "";
    const status = /^bytes \*\/(\d+|\*)$/.exec(range);
    const rangeHeader = () => (s.received > 0 ? { range: `bytes=0-${s.received - 1}` } : ({} as Record<string, string>));
    if (status) {
      stats.statusQueries++;
      await readBody(req);
      if (status[1] !== "*") s.total = Number(status[1]);
      if (s.total !== null && s.received === s.total) return finish(res, s, uploadId);
      return send(res, 308, undefined, rangeHeader());
    }
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range);
    if (!m) return gError(res, 400, "badContentRange", "Failed to parse Content-Range header.");
    stats.chunkPuts++;
    if (controls.failNextChunks > 0) {
      controls.failNextChunks--;
      await readBody(req);
      return gError(res, 503, "backendError", "Service Unavailable");
    }
    const [start, end] = [Number(m[1]), Number(m[2])];
    if (m[3] !== "*") s.total = Number(m[3]);
    if (start > s.received)
      return gError(
        res,
        400,
        "badContentRange",
        `Invalid request. According to the Content-Range header, the upload offset is ${start} byte(s), which exceeds already uploaded size of ${s.received} byte(s).`,
      );
    const final = s.total !== null && end + 1 === s.total;
    if (!final && (end + 1 - start) % UNIT !== 0) {
      await readBody(req);
      return gError(
        res,
        400,
        "invalid",
        "Invalid request. The number of bytes uploaded is required to be equal or greater than 262144, except for the final request (it's recommended to be the exact multiple of 262144).",
      );
    }
    const fd = openSync(s.tmp, "r+");
    let pos = start;
    let seen = 0;
    const cut = controls.resetAtOffset;
    const resetAt = cut !== null && cut >= start && cut <= end ? cut - start : null;
    if (resetAt !== null) controls.resetAtOffset = null;
    const done = await new Promise<boolean>((ok) => {
      req.on("data", (b: Buffer) => {
        if (resetAt !== null && seen + b.length >= resetAt) {
          const keep = b.subarray(0, resetAt - seen);
          writeSync(fd, keep, 0, keep.length, pos);
          pos += keep.length;
          seen += keep.length;
          req.pause();
          ok(false);
          return;
        }
        // A resend that overlaps what is stored skips the bytes the server already has.
        writeSync(fd, b, 0, b.length, pos);
        pos += b.length;
        seen += b.length;
      });
      req.on("end", () => ok(true));
      req.on("error", () => ok(false));
    });
    stats.bytesReceived += seen;
    if (!done) {
      // What arrived is kept in whole 256 KiB units, as Google keeps it; then the connection drops.
      const kept = Math.max(s.received, start + Math.floor((pos - start) / UNIT) * UNIT);
      s.received = kept;
      ftruncateSync(fd, kept);
      closeSync(fd);
      stats.resets++;
      req.socket.destroy();
      return;
    }
    closeSync(fd);
    s.received = Math.max(s.received, pos);
    if (s.total !== null && s.received >= s.total) return finish(res, s, uploadId);
    send(res, 308, undefined, rangeHeader());
  }

  async function finish(res: ServerResponse, s: Session, uploadId: string) {
    const md5 = await md5OfFile(s.tmp);
    let it: DriveItem;
    if (s.fileId) {
      it = items.get(s.fileId)!;
      applyMetadata(it, s.metadata, new URLSearchParams(), true);
    } else {
      it = addItem({
        name: s.metadata.name ?? "Untitled",
        mimeType: s.metadata.mimeType ?? "application/octet-stream",
        parents: s.metadata.parents!,
        modifiedTime: s.metadata.modifiedTime ? new Date(s.metadata.modifiedTime).toISOString() : now(),
      });
    }
    renameSync(s.tmp, blob(it.id));
    it.size = String(s.received);
    it.md5Checksum = md5;
    sessions.delete(uploadId);
    send(res, s.fileId ? 200 : 200, view(it));
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://x");
    const q = url.searchParams;
    const method = req.method ?? "GET";
    stats.requests++;
    const path = url.pathname;

    // Upload session URIs carry their own authority (the session id), as Google's do.
    const uploadId = q.get("upload_id");
    if (uploadId && method === "PUT") {
      const s = sessions.get(uploadId);
      if (!s) return gError(res, 404, "notFound", "Upload session not found or expired.");
      count("chunk");
      return handleChunk(req, res, s, uploadId);
    }

    const auth = opts.oauth.validate(req.headers.authorization);
    if (auth !== "ok") {
      stats.unauthorized++;
      await readBody(req);
      return send(
        res,
        401,
        {
          error: {
            code: 401,
            message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            errors: [{ message: "Invalid Credentials", domain: "global", reason: "authError", location: "Authorization", locationType: "header" }],
            status: "UNAUTHENTICATED",
          },
        },
        { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
      );
    }
    if (controls.throttleNext > 0) {
      controls.throttleNext--;
      await readBody(req);
      const reason = controls.throttleStatus === 403 ? "userRateLimitExceeded" : "rateLimitExceeded";
      return gError(
        res,
        controls.throttleStatus,
        reason,
        controls.throttleStatus === 403 ? "User Rate Limit Exceeded" : "Rate Limit Exceeded",
        controls.retryAfterS !== null ? { "retry-after": String(controls.retryAfterS) } : {},
      );
    }
    if (controls.failNext > 0) {
      controls.failNext--;
      await readBody(req);
      return gError(res, 500, "backendError", "Internal Error");
    }

    const fileRoute = /^\/drive\/v3\/files\/([^/]+)$/.exec(path);
    const driveRoute = /^\/drive\/v3\/drives\/([^/]+)$/.exec(path);
    const uploadRoute = /^\/upload\/drive\/v3\/files(?:\/([^/]+))?$/.exec(path);
    if (method === "GET" && path === "/drive/v3/files") {
      count("list");
      const filter = q.get("q") ? parseQ(q.get("q")!) : () => true;
      if (!filter) return gError(res, 400, "invalid", `Invalid Value: q`);
      const allDrives = q.get("includeItemsFromAllDrives") === "true" && q.get("supportsAllDrives") === "true";
      const driveId = q.get("driveId");
      let ids: string[];
      const token = q.get("pageToken");
      if (token) {
        const t = pageTokens.get(token);
        if (!t) return gError(res, 400, "invalid", "Invalid Value: pageToken");
        pageTokens.delete(token);
        ids = t.ids;
      } else {
        ids = [...items.values()]
          .filter((it) => it.id !== MY_DRIVE_ROOT && !drives.has(it.id))
          .filter((it) => (it.driveId ? allDrives && (!driveId || it.driveId === driveId) : !driveId))
          .filter(filter)
          .map((it) => it.id);
      }
      const size = Math.min(Number(q.get("pageSize") ?? 100), controls.maxPageSize);
      const page = ids.slice(0, size);
      const rest = ids.slice(size);
      const body: { kind: string; files: unknown[]; nextPageToken?: string } = {
        kind: "drive#fileList",
        files: page
          .map((id) => items.get(id))
          .filter((x) => x !== undefined)
          .map(view),
      };
      if (rest.length) {
        const t = randomBytes(12).toString("base64url");
        pageTokens.set(t, { ids: rest, at: Date.now() });
        body.nextPageToken = t;
      }
      return send(res, 200, body);
    }
    if (method === "GET" && fileRoute) {
      const id = decodeURIComponent(fileRoute[1]!);
      const it = visible(id, q);
      if (!it) return notFound(res, id);
      if (q.get("alt") === "media") {
        count("download");
        if (it.mimeType === FOLDER_MIME) return gError(res, 403, "fileNotDownloadable", "Only files with binary content can be downloaded.");
        const size = Number(it.size ?? 0);
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(size) });
        if (size === 0) return res.end();
        createReadStream(blob(it.id)).pipe(res);
        return;
      }
      count("get");
      return send(res, 200, view(it));
    }
    if (method === "GET" && driveRoute) {
      const d = drives.get(decodeURIComponent(driveRoute[1]!));
      return d ? send(res, 200, { kind: "drive#drive", ...d }) : notFound(res, driveRoute[1]!);
    }
    if (method === "POST" && path === "/drive/v3/files") {
      count("create");
      const metadata = JSON.parse((await readBody(req)).toString() || "{}") as Partial<DriveItem>;
      const parents = checkParents(res, metadata.parents, q);
      if (!parents) return;
      const it = addItem({
        name: metadata.name ?? "Untitled",
        mimeType: metadata.mimeType ?? "application/octet-stream",
        parents,
        modifiedTime: metadata.modifiedTime ? new Date(metadata.modifiedTime).toISOString() : now(),
      });
      if (it.mimeType !== FOLDER_MIME) Object.assign(it, writeContent(it.id, Buffer.alloc(0)));
      return send(res, 200, view(it));
    }
    if (uploadRoute && (method === "POST" || method === "PATCH")) {
      const fileId = uploadRoute[1] ? decodeURIComponent(uploadRoute[1]) : null;
      const existing = fileId ? visible(fileId, q) : undefined;
      if (fileId && (!existing || existing.trashed)) return notFound(res, fileId);
      const type = q.get("uploadType");
      if (type === "resumable") {
        count("session");
        const metadata = JSON.parse((await readBody(req)).toString() || "{}") as Partial<DriveItem>;
        if (!fileId) {
          const parents = checkParents(res, metadata.parents, q);
          if (!parents) return;
          metadata.parents = parents;
        }
        const id = randomBytes(18).toString("base64url");
        const tmp = join(dir, `session-${id}`);
        closeSync(openSync(tmp, "w"));
        const total = req.headers["x-upload-content-length"] ? Number(req.headers["x-upload-content-length"]) : null;
        sessions.set(id, { fileId, metadata, total, tmp, received: 0 });
        const host = req.headers.host;
        return send(res, 200, undefined, { location: `http://${host}${path}?uploadType=resumable&upload_id=${id}` });
      }
      if (type === "multipart" || type === "media") {
        count(type);
        const body = await readBody(req);
        const { metadata, media } = type === "multipart" ? parseMultipart(req, body) : { metadata: {}, media: body };
        let it: DriveItem;
        if (existing) {
          it = existing;
          applyMetadata(it, metadata, q, true);
        } else {
          const parents = checkParents(res, metadata.parents, q);
          if (!parents) return;
          it = addItem({
            name: metadata.name ?? "Untitled",
            mimeType: metadata.mimeType ?? "application/octet-stream",
            parents,
            modifiedTime: metadata.modifiedTime ? new Date(metadata.modifiedTime).toISOString() : now(),
          });
        }
        Object.assign(it, writeContent(it.id, media));
        return send(res, 200, view(it));
      }
      return gError(res, 400, "invalid", "Invalid Value: uploadType");
    }
    if (method === "PATCH" && fileRoute) {
      count("update");
      const id = decodeURIComponent(fileRoute[1]!);
      const it = visible(id, q);
      if (!it) return notFound(res, id);
      const metadata = JSON.parse((await readBody(req)).toString() || "{}") as Partial<DriveItem>;
      if (q.get("addParents") && !checkParents(res, q.get("addParents")!.split(","), q)) return;
      applyMetadata(it, metadata, q, false);
      return send(res, 200, view(it));
    }
    if (method === "DELETE" && fileRoute) {
      count("delete");
      const id = decodeURIComponent(fileRoute[1]!);
      if (!visible(id, q)) return notFound(res, id);
      items.delete(resolve(id));
      rmSync(blob(resolve(id)), { force: true });
      return send(res, 204);
    }
    return gError(res, 404, "notFound", `No such endpoint: ${method} ${path}`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) gError(res, 500, "backendError", String((err as Error).message));
    });
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const pathOf = (id: string, top: string): string | null => {
    const names: string[] = [];
    for (let cur = items.get(id); cur; cur = items.get(cur.parents[0] ?? "")) {
      if (cur.id === top) return names.reverse().join("/");
      names.push(cur.name);
    }
    return null;
  };
  return {
    url: base,
    env: { DYNAMIGHT_GOOGLE_API_URL: base },
    rootId: MY_DRIVE_ROOT,
    controls,
    stats,
    createFolder(parent, name, o = {}) {
      return addItem({ name, mimeType: FOLDER_MIME, parents: [resolve(parent)], modifiedTime: now(), canAddChildren: o.canAddChildren }).id;
    },
    addFile(parent, name, content, modifiedTime = new Date()) {
      const it = addItem({ name, mimeType: "application/octet-stream", parents: [resolve(parent)], modifiedTime: modifiedTime.toISOString() });
      Object.assign(it, writeContent(it.id, Buffer.from(content)));
      stats.bytesReceived -= Buffer.byteLength(content);
      return it.id;
    },
    createSharedDrive(name) {
      const id = `0A${randomBytes(12).toString("base64url")}`;
      drives.set(id, { id, name });
      items.set(id, { id, name, mimeType: FOLDER_MIME, parents: [], trashed: false, modifiedTime: now(), createdTime: now(), driveId: id });
      return id;
    },
    item: (id) => items.get(resolve(id)),
    tree(folder) {
      const top = resolve(folder);
      const out: Record<string, { size: number; md5: string | null; modifiedTime: string; id: string }> = {};
      for (const it of items.values()) {
        if (it.trashed || it.id === top) continue;
        // Anything under a trashed folder is in the trash too.
        let hidden = false;
        for (let p = items.get(it.parents[0] ?? ""); p && p.id !== top; p = items.get(p.parents[0] ?? "")) if (p.trashed) hidden = true;
        const path = pathOf(it.id, top);
        if (path === null || hidden) continue;
        out[path] = { size: it.mimeType === FOLDER_MIME ? -1 : Number(it.size ?? 0), md5: it.md5Checksum ?? null, modifiedTime: it.modifiedTime, id: it.id };
      }
      return out;
    },
    trashed: () => [...items.values()].filter((it) => it.trashed),
    content(id) {
      const it = items.get(resolve(id));
      if (!it) throw new Error(`no item ${id}`);
      return Number(it.size ?? 0) === 0 ? Buffer.alloc(0) : readFileSync(blob(it.id));
    },
    resetStats() {
      Object.assign(stats, { requests: 0, byKind: {}, bytesReceived: 0, chunkPuts: 0, statusQueries: 0, resets: 0, unauthorized: 0 });
    },
    async stop() {
      server.closeAllConnections?.();
      await new Promise<void>((ok) => server.close(() => ok()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
