// The `webdav` destination: the seed's fields (url, remote_path), Basic auth with a username and
// password, and sync through the shared remote engine (src/sync/engine.ts).
// The `webdav` package, the store and the engine load on first use, so listing destination types
// (and starting the server) does not pay for them.
import type { WebdavStore } from "./store.ts";
import { asStrings, fieldError, FULL_COMPARE_FIELD, parseFields, REMOTE_CAPABILITIES } from "../contract.ts";
import { DestinationError, TEST_TIMEOUT_MS, type Capabilities, type Destination, type FieldSpec, type SyncRequest, type TestResult } from "../contract.ts";

export interface WebdavConfig {
  url: string;
  remote_path: string;
  /** Compare with the full remote listing on every run instead of trusting the local record. */
  full_compare?: boolean;
}


const configFields: FieldSpec[] = [
  { name: "url", label: "Server URL", type: "string", required: true, help: "e.g. https://cloud.example.com/remote.php/dav/files/me/" },
  { name: "remote_path", label: "Remote path", type: "string", required: true, default: "/", help: "An existing folder below the URL" },
  FULL_COMPARE_FIELD,
];

const credentialFields: FieldSpec[] = [
  { name: "username", label: "Username", type: "string", required: true },
  { name: "password", label: "Password", type: "password", required: true, secret: true },
];

const capabilities: Capabilities = REMOTE_CAPABILITIES;


function parseConfig(raw: unknown): WebdavConfig {
  const v = parseFields(configFields, raw, "WebDAV");
  let url: URL;
  try {
    url = new URL(String(v.url));
  } catch {
    throw fieldError("url", "must be a URL such as https://cloud.example.com/dav/");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw fieldError("url", "must start with http:// or https://");
  if (url.username || url.password) throw fieldError("url", "must not contain a user name or password (use a credential)");
  if (url.search || url.hash) throw fieldError("url", "must not contain ? or #");
  const remote_path = String(v.remote_path ?? "/");
  if (remote_path.split("/").includes("..")) throw fieldError("remote_path", "must not contain '..'");
  return { url: url.toString(), remote_path, full_compare: v.full_compare === true };
}

function parseCredential(raw: unknown): Record<string, string> {
  const data = asStrings(parseFields(credentialFields, raw, "WebDAV"));
  if (data.username?.includes(":")) throw fieldError("username", "must not contain ':' (Basic auth)");
  return data;
}

async function storeFor(config: WebdavConfig, credential: Record<string, string> | null): Promise<WebdavStore> {
  if (!credential?.username || !credential.password) throw new DestinationError("config", "the WebDAV credential needs a username and a password");
  const { WebdavStore } = await import("./store.ts");
  return new WebdavStore({ url: config.url, root: config.remote_path, username: credential.username, password: credential.password });
}

/** PROPFIND (depth 0) on remote_path, within TEST_TIMEOUT_MS. */
async function test(config: WebdavConfig, credential: Record<string, string> | null, signal: AbortSignal): Promise<TestResult> {
  let store: WebdavStore | null = null;
  const s = AbortSignal.any([signal, AbortSignal.timeout(TEST_TIMEOUT_MS)]);
  try {
    store = await storeFor(config, credential);
    const details = await store.check(s);
    const folder = details.exists ? `'${details.remote_path}' is a folder.` : `'${details.remote_path}' does not exist yet; the first run will create it.`;
    return { success: true, message: `Connected to ${config.url}; ${folder}`, details };
  } catch (err) {
    let e = err instanceof DestinationError ? err : new DestinationError("failed", String((err as Error)?.message ?? err));
    if (s.aborted && !signal.aborted) e = new DestinationError("unavailable", `No answer from ${config.url} within ${TEST_TIMEOUT_MS / 1000} s`);
    return { success: false, message: e.message, details: { kind: e.kind } };
  } finally {
    await store?.close();
  }
}

async function sync(req: SyncRequest<WebdavConfig>) {
  const store = await storeFor(req.config, req.credential);
  const { runSync } = await import("../engine/sync.ts");
  try {
    return await runSync(req, store, { fullCompare: req.config.full_compare === true });
  } finally {
    await store.close();
  }
}

export const webdavDestination: Destination<WebdavConfig> = {
  type: "webdav",
  name: "WebDAV",
  description: "Nextcloud, ownCloud, generic WebDAV",
  configFields,
  credentialFields,
  capabilities,
  parseConfig,
  parseCredential,
  test,
  sync,
};
