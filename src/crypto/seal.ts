// Sealing small secrets at rest (TOTP secrets, saved credentials) with AES-256-GCM.
// The AES key is derived from the data folder's key with HKDF, so the same 32 bytes that sign
// session tokens are never used directly as a cipher key. Format: `v1.<base64url(iv|ct|tag)>`.
// `context` is bound as associated data: a value sealed for one row/purpose cannot be moved to
// another (e.g. "totp:user:1" or "credential:7") and still open.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SealError extends Error {}

const derived = new WeakMap<Uint8Array, Buffer>();

function aesKey(key: Uint8Array): Buffer {
  let k = derived.get(key);
  if (!k) {
    if (key.byteLength < 32) throw new SealError("sealing key must be at least 32 bytes");
    k = Buffer.from(hkdfSync("sha256", key, new Uint8Array(0), "dynamight seal v1", 32));
    derived.set(key, k);
  }
  return k;
}

export function seal(key: Uint8Array, plaintext: string, context = ""): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", aesKey(key), iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url")}`;
}

/** The plaintext, or SealError when the value was tampered with, sealed with another key or for another context. */
export function open(key: Uint8Array, sealed: string, context = ""): string {
  const [version, data] = sealed.split(".", 2);
  if (version !== VERSION || !data) throw new SealError("not a sealed value");
  const raw = Buffer.from(data, "base64url");
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SealError("sealed value is truncated");
  const iv = raw.subarray(0, IV_BYTES);
  const tag = raw.subarray(raw.length - TAG_BYTES);
  const body = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv("aes-256-gcm", aesKey(key), iv);
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch {
    throw new SealError("sealed value cannot be opened (wrong key, wrong context or tampered)");
  }
}
