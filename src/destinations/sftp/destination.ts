// The `sftp` destination: the seed's fields, a password or a private key (with passphrase), host
// key pinning in the data folder, and sync through the shared remote engine (src/destinations/engine/sync.ts).
// ssh2, the store and the engine load on first use, so listing destination types (and starting
// the server) does not pay for them.

import { DestinationError, type FieldSpec, FULL_COMPARE_FIELD, fieldError, parseFields, type RemoteStore, TEST_TIMEOUT_MS } from "../contract.ts";
import { folderNote, remoteDestination, type StoreEnv } from "../remote.ts";
import type { SftpAuth } from "./connection.ts";

export interface SftpConfig {
  host: string;
  port: number;
  username: string;
  remote_path: string;
  key_based_auth: boolean;
  /** Compare with the full remote listing on every run instead of trusting the local record. */
  full_compare?: boolean;
}

const configFields: FieldSpec[] = [
  { name: "host", label: "Host", type: "string", required: true },
  { name: "port", label: "Port", type: "integer", required: true, default: 22 },
  { name: "username", label: "Username", type: "string", required: true },
  { name: "remote_path", label: "Remote path", type: "string", required: true, help: "An existing folder on the server, e.g. /backups (relative paths start in the user's home)" },
  { name: "key_based_auth", label: "Key-based authentication", type: "boolean", required: true, default: false, help: "Use the credential's private key instead of its password" },
  FULL_COMPARE_FIELD,
];

const credentialFields: FieldSpec[] = [
  { name: "password", label: "Password", type: "password", required: false, secret: true },
  { name: "private_key", label: "Private key", type: "text", required: false, secret: true, help: "OpenSSH or PEM format" },
  { name: "passphrase", label: "Key passphrase", type: "password", required: false, secret: true },
];

const CONNECT_TIMEOUT_MS = 20_000;

function parseConfig(raw: unknown): SftpConfig {
  const v = parseFields(configFields, raw, "SFTP");
  const host = String(v.host);
  if (/[\s/@]/.test(host)) throw fieldError("host", "must be a host name or an IP address (no spaces, slashes or user@)");
  const port = Number(v.port);
  if (port < 1 || port > 65535) throw fieldError("port", "must be between 1 and 65535");
  const remote_path = String(v.remote_path);
  if (remote_path.includes("\0")) throw fieldError("remote_path", "must not contain NUL");
  return { host: host.replace(/^\[(.*)\]$/, "$1"), port, username: String(v.username), remote_path, key_based_auth: v.key_based_auth === true, full_compare: v.full_compare === true };
}

function checkCredential(data: Record<string, string>): void {
  if (!data.password && !data.private_key) throw fieldError("password", "or 'private_key' is required");
  if (data.private_key) {
    const { utils } = require("ssh2") as typeof import("ssh2");
    const parsed = utils.parseKey(data.private_key, data.passphrase);
    if (parsed instanceof Error) {
      if (/passphrase/i.test(parsed.message)) throw fieldError("passphrase", data.passphrase ? "does not unlock the private key" : "is required: the private key is encrypted");
      throw fieldError("private_key", "is not a private key in OpenSSH or PEM format");
    }
  }
}

/** The credential's secret that matches key_based_auth, or a clear config error. */
function authFor(config: SftpConfig, credential: Record<string, string> | null): SftpAuth {
  if (config.key_based_auth) {
    if (!credential?.private_key) throw new DestinationError("config", "key_based_auth is on but the credential has no private_key");
    return { privateKey: credential.private_key, passphrase: credential.passphrase || undefined };
  }
  if (!credential?.password) throw new DestinationError("config", "key_based_auth is off but the credential has no password");
  return { password: credential.password };
}

async function openStore(config: SftpConfig, credential: Record<string, string> | null, env: StoreEnv): Promise<RemoteStore> {
  const auth = authFor(config, credential);
  const { SftpStore } = await import("./store.ts");
  return new SftpStore({
    host: config.host,
    port: config.port,
    username: config.username,
    root: config.remote_path,
    auth,
    dataDir: env.dataDir,
    timeoutMs: env.purpose === "test" ? TEST_TIMEOUT_MS - 5_000 : CONNECT_TIMEOUT_MS,
  });
}

/** With a data folder the host key is pinned (recorded if new, refused if changed), as a run would; without one it is only reported. */
function describe(config: SftpConfig, details: Record<string, unknown>): string {
  const pin = details.host_key === "new" ? "recorded now" : details.host_key === "known" ? "matches the recorded key" : "not pinned by a test";
  return `Connected to ${config.host}:${config.port} as ${config.username}; ${folderNote(details)} Host key ${details.host_key_type} ${details.host_key_fingerprint} (${pin}).`;
}

export const sftpDestination = remoteDestination({
  type: "sftp",
  name: "SFTP",
  description: "SSH/SFTP servers",
  configFields,
  credentialFields,
  parseConfig,
  checkCredential,
  openStore,
  describe,
  where: (config) => `${config.host}:${config.port}`,
});

/** Connects and checks remote_path, within TEST_TIMEOUT_MS (kept for test/remote/sftp.test.ts). */
export const testSftp: NonNullable<typeof sftpDestination.test> = (config, credential, signal, env) => sftpDestination.test!(config, credential, signal, env);
