// The .dmbackup envelope: exactly what `openssl enc -aes-256-cbc -pbkdf2 -iter 600000 -md sha256`
// writes ("Salted__", 8 salt bytes, AES-256-CBC with PKCS#7 padding; key and IV are the 48 bytes
// of PBKDF2-HMAC-SHA256), so the original Dynamight and OpenSSL open our files and we open theirs.
// See ../../docs/config-backup.md and formats/dmbackup.md §1.
import { createCipheriv, createDecipheriv, pbkdf2, randomBytes } from "node:crypto";
import { promisify } from "node:util";

export const MAGIC = Buffer.from("Salted__", "ascii");
export const PBKDF2_ITERATIONS = 600_000;
export const PLAINTEXT_MAGIC = "#dynamight-backup-v1";
export const MIN_BACKUP_PASSWORD_BYTES = 8;

const pbkdf2Async = promisify(pbkdf2);

/** Why a file could not be opened, in the original's vocabulary (formats/dmbackup.md §1). */
export type EnvelopeFailure = "BACKUP_INVALID_FORMAT" | "BACKUP_INVALID_PASSWORD";

export class EnvelopeError extends Error {
  constructor(
    readonly code: EnvelopeFailure,
    message: string,
  ) {
    super(message);
  }
}

// 600 000 rounds take a few hundred ms: off the event loop (libuv's pool), not inline.
async function keyAndIv(password: string, salt: Buffer): Promise<{ key: Buffer; iv: Buffer }> {
  const out = await pbkdf2Async(Buffer.from(password, "utf8"), salt, PBKDF2_ITERATIONS, 48, "sha256");
  return { key: out.subarray(0, 32), iv: out.subarray(32, 48) };
}

export async function seal(plaintext: string, password: string): Promise<Uint8Array> {
  const salt = randomBytes(8);
  const { key, iv } = await keyAndIv(password, salt);
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  return Buffer.concat([MAGIC, salt, cipher.update(plaintext, "utf8"), cipher.final()]);
}

/**
 * The plaintext of a file, checked as the original checks it: a wrong password shows as bad
 * padding, text that is not UTF-8, or text without the leading magic line (CBC has no MAC, so
 * that line is what tells a wrong password from a right one).
 */
export async function open(file: Uint8Array, password: string): Promise<string> {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 32 || !buf.subarray(0, 8).equals(MAGIC)) throw new EnvelopeError("BACKUP_INVALID_FORMAT", "The file is not a Dynamight configuration backup (.dmbackup)");
  if ((buf.length - 16) % 16 !== 0) throw new EnvelopeError("BACKUP_INVALID_FORMAT", "The backup file is truncated or damaged");
  const { key, iv } = await keyAndIv(password, buf.subarray(8, 16));
  const wrong = () => new EnvelopeError("BACKUP_INVALID_PASSWORD", "Wrong password for this backup file (or the file was altered)");
  let plain: Buffer;
  try {
    const decipher = createDecipheriv("aes-256-cbc", key, iv);
    plain = Buffer.concat([decipher.update(buf.subarray(16)), decipher.final()]);
  } catch {
    throw wrong();
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(plain);
  } catch {
    throw wrong();
  }
  if (!text.startsWith(PLAINTEXT_MAGIC)) throw wrong();
  return text;
}
