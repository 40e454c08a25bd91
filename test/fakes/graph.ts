// An in-process fake of the Microsoft Graph v1.0 drive API (OneDrive), written from Microsoft's
// REST documentation, for the OneDrive store's tests and benchmark (DYNAMIGHT_GRAPH_URL points at
// it). It keeps file contents on disk (a 1 GB upload costs no memory) and reproduces what breaks
// clients: small children pages with @odata.nextLink, upload sessions (fragments that must be a
// multiple of 320 KiB, 202 + nextExpectedRanges, a status query on the uploadUrl, a pre-signed
// uploadUrl that refuses an Authorization header), case-insensitive names, names Graph refuses,
// expired access tokens (401), injected 429 + Retry-After, injected 5xx, and a connection reset in
// the middle of an upload fragment (the bytes received up to a 320 KiB unit are kept, so a good
// client resumes from nextExpectedRanges rather than restarting).
//
// Addressing (docs "Addressing a driveItem"): /me/drive and /drives/{id}; /root, /items/{id}, each
// with an optional `:/relative/path:`; then /children, /content or /createUploadSession.
// It uses node:http (not Bun.serve) because only a socket can be reset mid-request.

import { randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { open, rm, stat, truncate } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QuickXorHash } from "../../src/destinations/onedrive/quickxor.ts";

export const FRAGMENT_UNIT = 320 * 1024;
const MAX_FRAGMENT = 60 * 1024 * 1024;
const MAX_SIMPLE_UPLOAD = 4 * 1024 * 1024;

export interface FakeItem {
  id: string;
  driveId: string;
  name: string;
  parentId: string | null;
  folder: boolean;
  size: number;
  /** The blob on disk (files). */
  blob: string | null;
  quickXorHash: string | null;
  created: number;
  modified: number;
  fsCreated: number;
  fsModified: number;
  version: number;
  /** The pre-authenticated download token of this version. */
  downloadToken: string;
  deleted: boolean;
}

/** A response the fake gives instead of the real one, to the next `times` matching requests. */
export interface Fault {
  method?: string;
  /** Tested on the path (after /v1.0 for API calls; /upload/... for fragments). */
  path?: RegExp;
  /** Answer with this status (429, 500, 503 ...) and Graph's error body. */
  status?: number;
  /** Seconds, sent as Retry-After. */
  retryAfter?: number;
  /** Upload fragments only: reset the connection after this many bytes of the fragment arrived. */
  resetAfterBytes?: number;
  times?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
  contentRange?: string;
  authorized: boolean;
}

export interface FragmentRecord {
  session: string;
  start: number;
  end: number;
  total: number;
  /** What happened: accepted (202/200/201), reset (the fake cut the connection), refused (4xx). */
  outcome: "accepted" | "reset" | "refused" | "aborted";
  /** Bytes of this fragment the fake kept. */
  kept: number;
}

interface Session {
  id: string;
  driveId: string;
  parentId: string;
  name: string;
  fsModified: number | null;
  fsCreated: number | null;
  conflict: string;
  blob: string;
  received: number;
  total: number | null;
  expires: number;
  busy: boolean;
}

export interface GraphFakeOptions {
  /** Children per page unless the client asks for fewer with $top (default 3: paging always shows). */
  pageSize?: number;
  /** Says whether a bearer token is good (default: one of `tokens`). */
  validateToken?: (token: string) => boolean;
  /** Refuse a bearer token sent to the pre-authenticated uploadUrl (default true; Microsoft says it
   *  "may" answer 401 there). Debian's rclone 1.60 sends one, so its interop test turns this off. */
  refuseAuthOnUploadUrl?: boolean;
}

class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly inner?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Stands for the scheme and host the client reached the fake at (plain http, or the TLS front). */
const ORIGIN = "http://fake-graph-origin.invalid";
/** fileSystemInfo keeps whole seconds, as OneDrive does. */
const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

/** What Graph refuses in a name (OneDrive's rules, the characters and the trailing/leading ones). */
export function invalidNameReason(name: string): string | null {
  if (name === "" || name === "." || name === "..") return "The name is empty or reserved.";
  if (/["*:<>?/\\|]/.test(name)) return "One or more invalid characters are present in the path.";
  if (/[. ]$/.test(name)) return `Path (${name}) contains invalid trailing character.`;
  if (/^ /.test(name)) return `Path (${name}) contains invalid leading character.`;
  return null;
}

export class GraphFake {
  readonly dir: string;
  url = "";
  readonly defaultDriveId: string;
  /** Tokens the default validator accepts. */
  readonly tokens = new Set<string>(["graph-test-token"]);
  readonly requests: RequestRecord[] = [];
  readonly fragments: FragmentRecord[] = [];
  readonly recycleBin: FakeItem[] = [];
  private readonly items = new Map<string, FakeItem>();
  /** parent id → (lower-cased name → child id): OneDrive names are case-insensitive. */
  private readonly children = new Map<string, Map<string, string>>();
  private readonly roots = new Map<string, string>();
  private readonly sessions = new Map<string, Session>();
  private faults: Fault[] = [];
  private server: Server | null = null;
  private tlsServer: Server | null = null;
  /** The public origin the TLS front stands for (e.g. https://graph.microsoft.com). */
  private tlsOrigin: string | null = null;
  private seq = 0;
  private pageSize: number;
  private validateToken: (token: string) => boolean;
  private refuseAuthOnUploadUrl: boolean;

  constructor(opts: GraphFakeOptions = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "dm-graphfake-"));
    this.pageSize = opts.pageSize ?? 3;
    this.validateToken = opts.validateToken ?? ((t) => this.tokens.has(t));
    this.refuseAuthOnUploadUrl = opts.refuseAuthOnUploadUrl ?? true;
    this.defaultDriveId = randomBytes(8).toString("hex");
    this.addDrive(this.defaultDriveId);
  }

  /** Another drive (a SharePoint library or a second OneDrive), reachable as /drives/{id}. */
  addDrive(id: string): void {
    if (this.roots.has(id)) return;
    const root = this.newItem(id, "root", null, true);
    this.roots.set(id, root.id);
  }

  setTokenValidator(fn: (token: string) => boolean): void {
    this.validateToken = fn;
  }

  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.dispatch(req, res));
    // Long uploads: never time the client out.
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /**
   * The same drive also over TLS (for rclone, whose Graph address cannot be changed: it reaches
   * this through a CONNECT proxy and trusts `cert` with --ca-cert). Links in answers given over
   * TLS use `origin`. Returns the TLS port on 127.0.0.1.
   */
  async startTls(tls: { key: string; cert: string }, origin: string): Promise<number> {
    const { createServer: createHttps } = await import("node:https");
    this.tlsOrigin = origin.replace(/\/+$/, "");
    this.tlsServer = createHttps(tls, (req, res) => this.dispatch(req, res));
    await new Promise<void>((resolve) => this.tlsServer!.listen(0, "127.0.0.1", resolve));
    return (this.tlsServer.address() as AddressInfo).port;
  }

  private originOf(req: IncomingMessage): string {
    return (req.socket as { encrypted?: boolean } | null)?.encrypted && this.tlsOrigin ? this.tlsOrigin : this.url;
  }

  private dispatch(req: IncomingMessage, res: ServerResponse) {
    this.handle(req, res).catch((err) => {
      if (!res.headersSent) this.sendError(req, res, err instanceof GraphError ? err : new GraphError(500, "generalException", String((err as Error)?.message ?? err)));
      else res.destroy();
    });
  }

  async close(): Promise<void> {
    for (const srv of [this.server, this.tlsServer]) {
      await new Promise<void>((resolve) => {
        if (!srv) return resolve();
        srv.closeAllConnections?.();
        srv.close(() => resolve());
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  // --- inspection helpers for tests ---

  /** The item at a root-relative path of a drive, as stored (encoded names), or null. */
  itemAt(path: string, driveId = this.defaultDriveId): FakeItem | null {
    let cur = this.items.get(this.roots.get(driveId)!)!;
    for (const name of path.split("/").filter((n) => n !== "")) {
      const id = this.children.get(cur.id)?.get(name.toLowerCase());
      if (!id) return null;
      cur = this.items.get(id)!;
    }
    return cur;
  }

  /** Names of one folder's children as stored. */
  namesIn(path: string, driveId = this.defaultDriveId): string[] {
    const it = this.itemAt(path, driveId);
    if (!it) return [];
    return [...(this.children.get(it.id)?.values() ?? [])].map((id) => this.items.get(id)!.name);
  }

  /** Every file of a drive as "path" → item (stored names). */
  files(driveId = this.defaultDriveId): Map<string, FakeItem> {
    const out = new Map<string, FakeItem>();
    const walk = (id: string, prefix: string) => {
      for (const cid of this.children.get(id)?.values() ?? []) {
        const c = this.items.get(cid)!;
        const p = prefix === "" ? c.name : `${prefix}/${c.name}`;
        if (c.folder) walk(c.id, p);
        else out.set(p, c);
      }
    };
    walk(this.roots.get(driveId)!, "");
    return out;
  }

  /** Makes a folder path exist (for tests that need a folder_path up front). */
  mkdirs(path: string, driveId = this.defaultDriveId): FakeItem {
    let cur = this.items.get(this.roots.get(driveId)!)!;
    for (const name of path.split("/").filter((n) => n !== "")) {
      const id = this.children.get(cur.id)?.get(name.toLowerCase());
      cur = id ? this.items.get(id)! : this.link(this.newItem(driveId, name, cur.id, true));
    }
    return cur;
  }

  // --- the model ---

  private newItem(driveId: string, name: string, parentId: string | null, folder: boolean): FakeItem {
    const now = Date.now();
    const id = `${driveId.toUpperCase()}!${++this.seq}`;
    const it: FakeItem = {
      id,
      driveId,
      name,
      parentId,
      folder,
      size: 0,
      blob: null,
      quickXorHash: null,
      created: now,
      modified: now,
      fsCreated: now,
      fsModified: now,
      version: 1,
      downloadToken: randomBytes(12).toString("hex"),
      deleted: false,
    };
    this.items.set(id, it);
    if (folder) this.children.set(id, new Map());
    return it;
  }

  private link(it: FakeItem): FakeItem {
    if (it.parentId) this.children.get(it.parentId)!.set(it.name.toLowerCase(), it.id);
    return it;
  }

  private unlink(it: FakeItem): void {
    if (it.parentId) this.children.get(it.parentId)?.delete(it.name.toLowerCase());
  }

  private childNamed(parentId: string, name: string): FakeItem | null {
    const id = this.children.get(parentId)?.get(name.toLowerCase());
    return id ? this.items.get(id)! : null;
  }

  private pathOf(it: FakeItem): string {
    const names: string[] = [];
    for (let cur: FakeItem | undefined = it; cur?.parentId; cur = this.items.get(cur.parentId)) names.unshift(cur.name);
    return names.join("/");
  }

  /** To the recycle bin, with everything below it. */
  private trash(it: FakeItem): void {
    this.unlink(it);
    const mark = (x: FakeItem) => {
      x.deleted = true;
      this.recycleBin.push(x);
      for (const cid of this.children.get(x.id)?.values() ?? []) mark(this.items.get(cid)!);
    };
    mark(it);
  }

  private json(it: FakeItem): Record<string, unknown> {
    const parent = it.parentId ? this.items.get(it.parentId)! : null;
    const out: Record<string, unknown> = {
      id: it.id,
      name: it.name,
      size: it.folder ? this.folderSize(it) : it.size,
      eTag: `"{${it.id}},${it.version}"`,
      cTag: `"c:{${it.id}},${it.version}"`,
      createdDateTime: iso(it.created),
      lastModifiedDateTime: iso(it.modified),
      fileSystemInfo: { createdDateTime: isoSeconds(it.fsCreated), lastModifiedDateTime: isoSeconds(it.fsModified) },
      parentReference: parent
        ? { driveId: it.driveId, driveType: "personal", id: parent.id, path: `/drive/root:${parent.parentId ? `/${this.pathOf(parent)}` : ""}` }
        : { driveId: it.driveId, driveType: "personal" },
    };
    if (!it.parentId) out.root = {};
    if (it.folder) out.folder = { childCount: this.children.get(it.id)?.size ?? 0 };
    else {
      out.file = { mimeType: "application/octet-stream", hashes: { quickXorHash: it.quickXorHash } };
      out["@microsoft.graph.downloadUrl"] = `${ORIGIN}/download/${encodeURIComponent(it.id)}?t=${it.downloadToken}`;
    }
    return out;
  }

  private folderSize(it: FakeItem): number {
    let n = 0;
    for (const cid of this.children.get(it.id)?.values() ?? []) {
      const c = this.items.get(cid)!;
      n += c.folder ? this.folderSize(c) : c.size;
    }
    return n;
  }

  // --- HTTP ---

  private sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    this.record(req, status);
    // Links in answers (downloadUrl, uploadUrl, nextLink) point at the address the client used.
    const text = body === null ? "" : JSON.stringify(body).replaceAll(ORIGIN, this.originOf(req));
    res.writeHead(status, { ...(text ? { "content-type": "application/json" } : {}), ...headers });
    res.end(text);
  }

  private sendError(req: IncomingMessage, res: ServerResponse, e: GraphError) {
    const innerError: Record<string, string> = { date: isoSeconds(Date.now()).replace("Z", ""), "request-id": randomBytes(8).toString("hex") };
    if (e.inner) innerError.code = e.inner;
    // The client may still be sending a body we will not read: close rather than wait for it.
    this.sendJson(req, res, e.status, { error: { code: e.code, message: e.message, innerError } }, { ...e.headers, connection: "close" });
  }

  private record(req: IncomingMessage, status: number) {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    this.requests.push({ method: req.method ?? "", path: decodeURIComponent(path), status, contentRange: req.headers["content-range"] as string | undefined, authorized: !!req.headers.authorization });
  }

  private takeFault(method: string, path: string): Fault | null {
    const i = this.faults.findIndex((f) => (!f.method || f.method === method) && (!f.path || f.path.test(path)));
    if (i < 0) return null;
    const f = this.faults[i]!;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) this.faults.splice(i, 1);
    return f;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", ORIGIN);
    const method = req.method ?? "GET";
    const fault = this.takeFault(method, url.pathname);
    if (fault?.status) {
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
      const code = fault.status === 429 ? "activityLimitReached" : fault.status === 503 ? "serviceNotAvailable" : "generalException";
      const words =
        fault.status === 429 ? "The request has been throttled" : fault.status === 503 ? "The service is not available. Try the request again after a delay." : "An unspecified error has occurred.";
      throw new GraphError(fault.status, code, words, undefined, headers);
    }
    if (url.pathname.startsWith("/upload/")) return this.uploadUrl(req, res, url, method, fault);
    if (url.pathname.startsWith("/download/")) return this.download(req, res, url);
    if (!url.pathname.startsWith("/v1.0/")) throw new GraphError(400, "BadRequest", "Invalid version.");

    const auth = req.headers.authorization ?? "";
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    if (!token) throw new GraphError(401, "InvalidAuthenticationToken", "Access token is empty.", undefined, { "www-authenticate": 'Bearer realm=""' });
    if (!this.validateToken(token))
      throw new GraphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.", undefined, { "www-authenticate": 'Bearer error="invalid_token"' });

    const rest = url.pathname.slice("/v1.0".length);
    if (rest === "/$batch" && method === "POST") return this.batch(req, res);
    const m = /^(?:\/me\/drive|\/drives\/([^/:]+))(.*)$/.exec(rest);
    if (!m) throw new GraphError(400, "BadRequest", `Resource not found for the segment '${rest.split("/")[1] ?? ""}'.`);
    const driveId = m[1] ? decodeURIComponent(m[1]) : this.defaultDriveId;
    if (!this.roots.has(driveId)) throw new GraphError(404, "itemNotFound", "The resource could not be found.");
    const after = m[2] ?? "";
    if (after === "" && method === "GET") return this.sendJson(req, res, 200, this.driveJson(driveId));

    const im = /^(\/root|\/items\/([^/:]+))(?::(\/[^:]*):?)?(\/children|\/content|\/createUploadSession)?\/?$/.exec(after);
    if (!im) throw new GraphError(400, "BadRequest", "Unsupported segment type.");
    const base = im[2] ? this.items.get(decodeURIComponent(im[2])) : this.items.get(this.roots.get(driveId)!);
    if (!base || base.deleted || base.driveId !== driveId) throw new GraphError(404, "itemNotFound", "The resource could not be found.");
    const rel = (im[3] ?? "")
      .split("/")
      .filter((s) => s !== "")
      .map((s) => decodeURIComponent(s));
    const action = im[4] ?? "";
    // Walk the path: every name but the last must be a folder that exists.
    let parent: FakeItem | null = null;
    let item: FakeItem | null = base;
    let lastName = "";
    for (let i = 0; i < rel.length; i++) {
      if (!item?.folder) {
        item = null;
        parent = null;
        break;
      }
      parent = item;
      lastName = rel[i]!;
      item = this.childNamed(item.id, lastName);
    }
    const target = { driveId, item, parent: item ? null : parent, name: lastName };

    switch (`${method} ${action}`) {
      case "GET ":
        return this.sendJson(req, res, 200, this.json(this.need(item)));
      case "GET /children":
        return this.listChildren(req, res, url, this.needFolder(item));
      case "POST /children":
        return this.createFolder(req, res, this.needFolder(item));
      case "GET /content": {
        const it = this.need(item);
        if (it.folder) throw new GraphError(404, "itemNotFound", "The resource could not be found.");
        this.record(req, 302);
        res.writeHead(302, { location: `${this.originOf(req)}/download/${encodeURIComponent(it.id)}?t=${it.downloadToken}` });
        return void res.end();
      }
      case "PUT /content":
        return this.simpleUpload(req, res, url, target);
      case "POST /createUploadSession":
        return this.createSession(req, res, target);
      case "PATCH ":
        return this.patch(req, res, url, this.need(item));
      case "DELETE ": {
        const it = this.need(item);
        if (!it.parentId) throw new GraphError(403, "accessDenied", "Cannot delete the root.");
        this.trash(it);
        return this.sendJson(req, res, 204, null);
      }
    }
    throw new GraphError(405, "invalidRequest", `${method} is not supported on this resource.`);
  }

  /**
   * JSON batching (docs "Combine multiple requests in one HTTP call"): up to 20 requests, each
   * answered as if sent alone (it is: to this server, with the batch's token), in one 200.
   */
  private async batch(req: IncomingMessage, res: ServerResponse) {
    const body = await this.readJson(req);
    const requests = Array.isArray(body.requests) ? (body.requests as Record<string, unknown>[]) : null;
    if (!requests || requests.length === 0) throw new GraphError(400, "BadRequest", "Invalid batch payload format.");
    if (requests.length > 20) throw new GraphError(400, "BadRequest", "The number of batch requests exceeds the limit of 20.");
    const responses: Record<string, unknown>[] = [];
    for (const r of requests) {
      const sub = await fetch(`${this.url}/v1.0${String(r.url ?? "")}`, {
        method: String(r.method ?? "GET"),
        headers: { authorization: req.headers.authorization ?? "", ...(r.body ? { "content-type": "application/json" } : {}) },
        body: r.body ? JSON.stringify(r.body) : undefined,
      });
      const text = await sub.text();
      const headers: Record<string, string> = {};
      const retryAfter = sub.headers.get("retry-after");
      if (retryAfter) headers["Retry-After"] = retryAfter;
      responses.push({ id: r.id, status: sub.status, headers, ...(text ? { body: JSON.parse(text) } : {}) });
    }
    return this.sendJson(req, res, 200, { responses });
  }

  private need(item: FakeItem | null): FakeItem {
    if (!item || item.deleted) throw new GraphError(404, "itemNotFound", "The resource could not be found.");
    return item;
  }

  private needFolder(item: FakeItem | null): FakeItem {
    const it = this.need(item);
    if (!it.folder) throw new GraphError(400, "invalidRequest", "The item is not a folder.");
    return it;
  }

  private driveJson(driveId: string) {
    const used = this.folderSize(this.items.get(this.roots.get(driveId)!)!);
    const total = 1024 ** 4;
    return { id: driveId, driveType: "personal", owner: { user: { displayName: "Fake User", id: "fake-user" } }, quota: { total, used, remaining: total - used, deleted: 0, state: "normal" } };
  }

  private listChildren(req: IncomingMessage, res: ServerResponse, url: URL, folder: FakeItem) {
    const all = [...(this.children.get(folder.id)?.values() ?? [])];
    const skip = Number(url.searchParams.get("$skiptoken") ? Buffer.from(url.searchParams.get("$skiptoken")!, "base64url").toString() : 0);
    const top = Math.min(this.pageSize, Number(url.searchParams.get("$top") ?? this.pageSize) || this.pageSize);
    const page = all.slice(skip, skip + top).map((id) => this.json(this.items.get(id)!));
    const body: Record<string, unknown> = { value: page };
    if (skip + top < all.length) {
      const next = new URL(url.toString());
      next.searchParams.set("$skiptoken", Buffer.from(String(skip + top)).toString("base64url"));
      body["@odata.nextLink"] = next.toString();
    }
    return this.sendJson(req, res, 200, body);
  }

  private async readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (text === "") return {};
    try {
      const v = JSON.parse(text);
      if (v && typeof v === "object") return v;
    } catch {}
    throw new GraphError(400, "invalidRequest", "Invalid request body.");
  }

  private checkName(name: string) {
    const why = invalidNameReason(name);
    if (why) throw new GraphError(400, "invalidRequest", why, "nameContainsInvalidCharacters");
  }

  private async createFolder(req: IncomingMessage, res: ServerResponse, parent: FakeItem) {
    const body = await this.readJson(req);
    const name = String(body.name ?? "");
    this.checkName(name);
    if (!body.folder || typeof body.folder !== "object") throw new GraphError(400, "invalidRequest", "A folder facet is required to create a folder.");
    const conflict = String(body["@microsoft.graph.conflictBehavior"] ?? "rename");
    const existing = this.childNamed(parent.id, name);
    if (existing) {
      if (conflict === "fail") throw new GraphError(409, "nameAlreadyExists", "An item with the same name already exists under the parent");
      if (conflict === "replace") this.trash(existing);
      else return this.sendJson(req, res, 201, this.json(this.link(this.newItem(parent.driveId, this.freeName(parent.id, name), parent.id, true))));
    }
    return this.sendJson(req, res, 201, this.json(this.link(this.newItem(parent.driveId, name, parent.id, true))));
  }

  private freeName(parentId: string, name: string): string {
    for (let i = 1; ; i++) {
      const n = `${name} ${i}`;
      if (!this.childNamed(parentId, n)) return n;
    }
  }

  /** A new version of the file at parent/name (or a new file): replaces in place, keeping the id. */
  private commitFile(
    t: { driveId: string; parentId: string; name: string },
    blob: string,
    size: number,
    hash: string,
    fsModified: number | null,
    fsCreated: number | null,
    conflict: string,
  ): { item: FakeItem; created: boolean } {
    const parent = this.items.get(t.parentId);
    if (!parent || parent.deleted) throw new GraphError(404, "itemNotFound", "The parent folder no longer exists.");
    const existing = this.childNamed(t.parentId, t.name);
    const now = Date.now();
    if (existing?.folder) throw new GraphError(409, "nameAlreadyExists", "A folder with the same name already exists under the parent");
    if (existing && conflict === "fail") throw new GraphError(409, "nameAlreadyExists", "An item with the same name already exists under the parent");
    if (existing && conflict !== "rename") {
      const old = existing.blob;
      Object.assign(existing, { blob, size, quickXorHash: hash, modified: now, fsModified: fsModified ?? now, version: existing.version + 1, downloadToken: randomBytes(12).toString("hex") });
      if (fsCreated !== null) existing.fsCreated = fsCreated;
      if (old) rm(old, { force: true }).catch(() => {});
      return { item: existing, created: false };
    }
    const it = this.newItem(t.driveId, existing ? this.freeName(t.parentId, t.name) : t.name, t.parentId, false);
    Object.assign(it, { blob, size, quickXorHash: hash, fsModified: fsModified ?? now, fsCreated: fsCreated ?? now });
    this.link(it);
    return { item: it, created: true };
  }

  private fileTarget(target: { driveId: string; item: FakeItem | null; parent: FakeItem | null; name: string }): { driveId: string; parentId: string; name: string } {
    if (target.item) {
      if (target.item.folder) throw new GraphError(409, "nameAlreadyExists", "A folder with the same name already exists under the parent");
      return { driveId: target.driveId, parentId: target.item.parentId!, name: target.item.name };
    }
    // This fake does not make missing parent folders for the client (rclone does not rely on it either).
    if (!target.parent) throw new GraphError(404, "itemNotFound", "The parent folder does not exist.");
    this.checkName(target.name);
    return { driveId: target.driveId, parentId: target.parent.id, name: target.name };
  }

  private async simpleUpload(req: IncomingMessage, res: ServerResponse, url: URL, target: { driveId: string; item: FakeItem | null; parent: FakeItem | null; name: string }) {
    const t = this.fileTarget(target);
    const length = Number(req.headers["content-length"] ?? Number.NaN);
    if (length > MAX_SIMPLE_UPLOAD) throw new GraphError(413, "requestEntityTooLarge", "The simple upload API supports files up to 4 MB: use an upload session.");
    const blob = join(this.dir, `blob-${++this.seq}`);
    const fh = await open(blob, "w");
    const h = new QuickXorHash();
    let size = 0;
    try {
      for await (const c of req) {
        const b = c as Buffer;
        size += b.length;
        if (size > MAX_SIMPLE_UPLOAD) throw new GraphError(413, "requestEntityTooLarge", "The simple upload API supports files up to 4 MB: use an upload session.");
        h.update(b);
        await fh.write(b);
      }
    } catch (err) {
      await fh.close();
      await rm(blob, { force: true });
      if (err instanceof GraphError) throw err;
      return; // the client went away: nothing is committed
    }
    await fh.close();
    if (!req.complete) return void (await rm(blob, { force: true }));
    const conflict = url.searchParams.get("@microsoft.graph.conflictBehavior") ?? "replace";
    const { item, created } = this.commitFile(t, blob, size, h.digest(), null, null, conflict);
    return this.sendJson(req, res, created ? 201 : 200, this.json(item));
  }

  private async createSession(req: IncomingMessage, res: ServerResponse, target: { driveId: string; item: FakeItem | null; parent: FakeItem | null; name: string }) {
    const t = this.fileTarget(target);
    const body = await this.readJson(req);
    const item = (body.item ?? {}) as Record<string, unknown>;
    const conflict = String(item["@microsoft.graph.conflictBehavior"] ?? "replace");
    if (conflict === "fail" && this.childNamed(t.parentId, t.name)) throw new GraphError(409, "nameAlreadyExists", "An item with the same name already exists under the parent");
    const fsi = (item.fileSystemInfo ?? {}) as Record<string, unknown>;
    const parseTime = (v: unknown) => {
      if (v === undefined) return null;
      const ms = Date.parse(String(v));
      if (Number.isNaN(ms)) throw new GraphError(400, "invalidRequest", "Invalid fileSystemInfo date.");
      return ms;
    };
    const id = randomBytes(12).toString("hex");
    const s: Session = {
      id,
      ...t,
      fsModified: parseTime(fsi.lastModifiedDateTime),
      fsCreated: parseTime(fsi.createdDateTime),
      conflict,
      blob: join(this.dir, `session-${id}`),
      received: 0,
      total: null,
      expires: Date.now() + 3600_000,
      busy: false,
    };
    await (await open(s.blob, "w")).close();
    this.sessions.set(id, s);
    return this.sendJson(req, res, 200, { uploadUrl: `${ORIGIN}/upload/${id}?sig=${randomBytes(8).toString("hex")}`, expirationDateTime: iso(s.expires), nextExpectedRanges: ["0-"] });
  }

  private sessionStatus(s: Session) {
    return { expirationDateTime: iso(s.expires), nextExpectedRanges: [`${s.received}-${s.total !== null ? s.total - 1 : ""}`] };
  }

  private async uploadUrl(req: IncomingMessage, res: ServerResponse, url: URL, method: string, fault: Fault | null) {
    const s = this.sessions.get(url.pathname.slice("/upload/".length));
    if (!s) throw new GraphError(404, "itemNotFound", "The upload session was not found (it expired or was completed).");
    // The uploadUrl is pre-authenticated: Microsoft's docs warn a bearer token here may be refused.
    if (req.headers.authorization && this.refuseAuthOnUploadUrl) throw new GraphError(401, "unauthenticated", "Do not send an Authorization header to the upload URL.");
    if (method === "GET") return this.sendJson(req, res, 200, this.sessionStatus(s));
    if (method === "DELETE") {
      this.sessions.delete(s.id);
      await rm(s.blob, { force: true });
      return this.sendJson(req, res, 204, null);
    }
    if (method !== "PUT") throw new GraphError(405, "invalidRequest", `${method} is not supported on an upload session.`);
    const cr = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers["content-range"] ?? ""));
    if (!cr) throw new GraphError(400, "invalidRequest", "The Content-Range header is missing or malformed.");
    const [start, end, total] = [Number(cr[1]), Number(cr[2]), Number(cr[3])];
    const length = end - start + 1;
    const rec: FragmentRecord = { session: s.id, start, end, total, outcome: "refused", kept: 0 };
    this.fragments.push(rec);
    if (Number(req.headers["content-length"]) !== length) throw new GraphError(400, "invalidRequest", "Content-Length does not match Content-Range.");
    if (s.total !== null && total !== s.total) throw new GraphError(400, "invalidRequest", "The declared file size changed during the upload.");
    if (start !== s.received) throw new GraphError(416, "invalidRange", `The uploaded fragment does not start at the next expected byte (${s.received}).`);
    if (end >= total) throw new GraphError(416, "invalidRange", "The fragment ends past the declared file size.");
    if (end + 1 < total && length % FRAGMENT_UNIT !== 0) throw new GraphError(400, "invalidRequest", "The fragment size must be a multiple of 320 KiB.");
    if (length > MAX_FRAGMENT) throw new GraphError(413, "requestEntityTooLarge", "The fragment is larger than 60 MiB.");
    if (s.busy) throw new GraphError(409, "uploadSessionIncomplete", "Another fragment of this session is being received.");
    s.busy = true;
    s.total = total;
    const fh = await open(s.blob, "r+");
    let got = 0;
    let reset = false;
    try {
      for await (const c of req) {
        let b = c as Buffer;
        if (fault?.resetAfterBytes !== undefined && got + b.length >= fault.resetAfterBytes) {
          b = b.subarray(0, fault.resetAfterBytes - got);
          reset = true;
        }
        await fh.write(b, 0, b.length, start + got);
        got += b.length;
        if (reset) break;
      }
    } catch {
      // The client went away mid-fragment.
    } finally {
      await fh.close();
      s.busy = false;
    }
    if (reset || got < length) {
      // Keep whole 320 KiB units of what arrived, so the next expected byte is in mid-fragment.
      const kept = Math.floor(got / FRAGMENT_UNIT) * FRAGMENT_UNIT;
      s.received = start + kept;
      await truncate(s.blob, s.received);
      rec.outcome = reset ? "reset" : "aborted";
      rec.kept = kept;
      this.record(req, 0);
      req.socket.destroy();
      return;
    }
    s.received = end + 1;
    rec.outcome = "accepted";
    rec.kept = length;
    if (s.received < total) return this.sendJson(req, res, 202, this.sessionStatus(s));
    const hash = await hashFile(s.blob);
    this.sessions.delete(s.id);
    const size = (await stat(s.blob)).size;
    const { item, created } = this.commitFile(s, s.blob, size, hash, s.fsModified, s.fsCreated, s.conflict);
    return this.sendJson(req, res, created ? 201 : 200, this.json(item));
  }

  private async download(req: IncomingMessage, res: ServerResponse, url: URL) {
    const it = this.items.get(decodeURIComponent(url.pathname.slice("/download/".length)));
    if (!it || it.deleted || it.folder || url.searchParams.get("t") !== it.downloadToken || !it.blob) throw new GraphError(404, "itemNotFound", "The resource could not be found.");
    this.record(req, 200);
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(it.size) });
    if (it.size === 0) return void res.end();
    const rs = createReadStream(it.blob);
    rs.on("error", () => res.destroy());
    rs.pipe(res);
  }

  private async patch(req: IncomingMessage, res: ServerResponse, url: URL, it: FakeItem) {
    const body = await this.readJson(req);
    if (!it.parentId) throw new GraphError(403, "accessDenied", "Cannot change the root.");
    const name = body.name === undefined ? it.name : String(body.name);
    if (body.name !== undefined) this.checkName(name);
    let parentId = it.parentId;
    const pref = body.parentReference as Record<string, unknown> | undefined;
    if (pref?.id !== undefined) {
      const p = this.items.get(String(pref.id));
      if (!p || p.deleted || !p.folder || p.driveId !== it.driveId) throw new GraphError(404, "itemNotFound", "The destination folder could not be found.");
      parentId = p.id;
    }
    const fsi = body.fileSystemInfo as Record<string, unknown> | undefined;
    if (fsi?.lastModifiedDateTime !== undefined) {
      const ms = Date.parse(String(fsi.lastModifiedDateTime));
      if (Number.isNaN(ms)) throw new GraphError(400, "invalidRequest", "Invalid fileSystemInfo date.");
      it.fsModified = ms;
    }
    if (parentId !== it.parentId || name !== it.name) {
      const clash = this.childNamed(parentId, name);
      if (clash && clash.id !== it.id) {
        if ((url.searchParams.get("@microsoft.graph.conflictBehavior") ?? "fail") !== "replace")
          throw new GraphError(409, "nameAlreadyExists", "An item with the same name already exists under the parent");
        this.trash(clash);
      }
      this.unlink(it);
      it.parentId = parentId;
      it.name = name;
      this.link(it);
    }
    it.modified = Date.now();
    return this.sendJson(req, res, 200, this.json(it));
  }
}

async function hashFile(path: string): Promise<string> {
  const h = new QuickXorHash();
  for await (const c of createReadStream(path, { highWaterMark: 1024 * 1024 })) h.update(c as Buffer);
  return h.digest();
}

export async function startGraphFake(opts?: GraphFakeOptions): Promise<GraphFake> {
  return new GraphFake(opts).start();
}
