// Host key pinning for SFTP (trust on first use, like OpenSSH's StrictHostKeyChecking=accept-new).
// The keys live in `<data folder>/known_hosts`, in OpenSSH's own format, so an administrator can
// read it with `ssh-keygen -lf`, pre-seed it with `ssh-keyscan`, and forget a changed key with
// `ssh-keygen -R "[host]:port" -f <data>/known_hosts`. Each line we write ends with a
// `first-seen=<ISO time>` comment, which OpenSSH ignores.
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const KNOWN_HOSTS_FILE = "known_hosts";

export interface HostKey {
  /** e.g. "ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa" */
  type: string;
  /** OpenSSH style: "SHA256:" + unpadded base64 of the SHA-256 of the key blob. */
  fingerprint: string;
  /** base64 of the key blob, as in a known_hosts line. */
  blob: string;
}

export interface KnownHost extends HostKey {
  firstSeen: string | null;
}

export function knownHostsPath(dataDir: string): string {
  return join(dataDir, KNOWN_HOSTS_FILE);
}

/** OpenSSH writes `host` for port 22 and `[host]:port` otherwise; we follow it so ssh-keygen -R works. */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function fingerprint(blob: Buffer): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/** The raw key the server sent (SSH wire format: a string with the type name, then its fields). */
export function describeKey(blob: Buffer): HostKey {
  let type = "unknown";
  if (blob.length >= 4) {
    const len = blob.readUInt32BE(0);
    if (len > 0 && len < 64 && blob.length >= 4 + len) type = blob.subarray(4, 4 + len).toString("latin1");
  }
  return { type, fingerprint: fingerprint(blob), blob: blob.toString("base64") };
}

/** The keys recorded for host:port (OpenSSH may hold one per key type; hashed host names are skipped). */
export function lookup(dataDir: string, host: string, port: number): KnownHost[] {
  const file = knownHostsPath(dataDir);
  if (!existsSync(file)) return [];
  const want = hostPattern(host, port).toLowerCase();
  const out: KnownHost[] = [];
  for (const raw of readFileSync(file, "utf8").split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith("@")) continue;
    const [hosts, type, blob, ...rest] = line.split(/\s+/);
    if (!hosts || !type || !blob) continue;
    if (!hosts.toLowerCase().split(",").includes(want)) continue;
    let fp: string;
    try {
      fp = fingerprint(Buffer.from(blob, "base64"));
    } catch {
      continue;
    }
    const seen = rest.find((r) => r.startsWith("first-seen="));
    out.push({ type, blob, fingerprint: fp, firstSeen: seen ? seen.slice("first-seen=".length) : null });
  }
  return out;
}

export function record(dataDir: string, host: string, port: number, key: HostKey, now = new Date()): void {
  const file = knownHostsPath(dataDir);
  mkdirSync(dirname(file), { recursive: true });
  const line = `${hostPattern(host, port)} ${key.type} ${key.blob} first-seen=${now.toISOString()}\n`;
  appendFileSync(file, line, { mode: 0o600 });
}

export type Verdict = { status: "known"; key: HostKey; firstSeen: string | null } | { status: "new"; key: HostKey } | { status: "changed"; key: HostKey; expected: KnownHost[] };

/**
 * Compares the key a server presented with the record. A host is "changed" only when it has a
 * recorded key of the same type that differs, or recorded keys of other types only: a server that
 * gains a key type it never showed us must not be trusted silently either.
 */
export function check(dataDir: string, host: string, port: number, blob: Buffer): Verdict {
  const key = describeKey(blob);
  const known = lookup(dataDir, host, port);
  if (known.length === 0) return { status: "new", key };
  const match = known.find((k) => k.blob === key.blob);
  if (match) return { status: "known", key, firstSeen: match.firstSeen };
  return { status: "changed", key, expected: known };
}

/** The run's error text when a pinned key changed: both fingerprints and how to accept the new one. */
export function changedKeyMessage(dataDir: string, host: string, port: number, v: Extract<Verdict, { status: "changed" }>): string {
  const expected = v.expected.map((k) => `${k.type} ${k.fingerprint}`).join(", ");
  return (
    `The host key of ${host}:${port} has changed: the server now presents ${v.key.type} ${v.key.fingerprint}, ` +
    `but ${expected} was recorded. This can mean the server was reinstalled, or that someone is intercepting ` +
    `the connection. If the change is expected, forget the old key with ` +
    `ssh-keygen -R "${hostPattern(host, port)}" -f ${knownHostsPath(dataDir)} and run again.`
  );
}
