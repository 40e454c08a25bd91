// The `webdav` destination: the seed's fields (url, remote_path), Basic auth with a username and
// password, and sync through the shared remote engine (src/destinations/engine/sync.ts).
// The `webdav` package, the store and the engine load on first use, so listing destination types
// (and starting the server) does not pay for them.
import { DestinationError, type FieldSpec, FULL_COMPARE_FIELD, fieldError, parseFields, type RemoteStore } from "../contract.ts";
import { folderNote, remoteDestination } from "../remote.ts";

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

function checkCredential(data: Record<string, string>): void {
  if (data.username?.includes(":")) throw fieldError("username", "must not contain ':' (Basic auth)");
}

export const webdavDestination = remoteDestination({
  type: "webdav",
  name: "WebDAV",
  description: "Nextcloud, ownCloud, generic WebDAV",
  configFields,
  credentialFields,
  parseConfig,
  checkCredential,
  async openStore(config, credential): Promise<RemoteStore> {
    if (!credential?.username || !credential.password) throw new DestinationError("config", "the WebDAV credential needs a username and a password");
    const { WebdavStore } = await import("./store.ts");
    return new WebdavStore({ url: config.url, root: config.remote_path, username: credential.username, password: credential.password });
  },
  /** PROPFIND (depth 0) on remote_path. */
  describe: (config, details) => `Connected to ${config.url}; ${folderNote(details)}`,
  where: (config) => config.url,
});
