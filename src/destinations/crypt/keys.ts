// rclone crypt keys (formats/rclone-crypt.md §2): scrypt(password, salt, N=16384, r=8, p=1, 80
// bytes) split into the content key (secretbox), the name key (AES-256) and the EME tweak.
import { createHash, scrypt } from "node:crypto";

/** rclone's salt when password2 is empty. */
const DEFAULT_SALT = Buffer.from("a80df43a8fbd0308a7cab83e581f86b1", "hex");

export interface CryptKeys {
  dataKey: Uint8Array;
  nameKey: Uint8Array;
  nameTweak: Uint8Array;
}

/**
 * Derived keys of the last few passwords, by a hash of password and salt: scrypt costs 16 MiB and
 * ~50-100 ms, and browsing an encrypted job opens its store on every folder click. The keys are
 * in memory while a store is open anyway; the cache only keeps them a little longer.
 */
const cache = new Map<string, Promise<CryptKeys>>();
const CACHE_MAX = 8;

/** The revealed (plain) password and password2; an empty password is refused (rclone forbids it). */
export function deriveKeys(password: string, salt = ""): Promise<CryptKeys> {
  if (password === "") return Promise.reject(new Error("the encryption password must not be empty"));
  const id = createHash("sha256").update(password).update("\0").update(salt).digest("hex");
  let keys = cache.get(id);
  if (!keys) {
    keys = scryptKeys(password, salt);
    keys.catch(() => cache.delete(id));
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(id, keys);
  }
  return keys;
}

async function scryptKeys(password: string, salt: string): Promise<CryptKeys> {
  const saltBytes = salt === "" ? DEFAULT_SALT : Buffer.from(salt, "utf8");
  // Async: 16 MiB and ~50 ms of work that must not block the event loop of a running server.
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(Buffer.from(password, "utf8"), saltBytes, 80, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, k) => (err ? reject(err) : resolve(k))),
  );
  return { dataKey: key.subarray(0, 32), nameKey: key.subarray(32, 64), nameTweak: key.subarray(64, 80) };
}
