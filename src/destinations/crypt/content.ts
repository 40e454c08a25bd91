// rclone crypt content (formats/rclone-crypt.md §3): "RCLONE\0\0" + a random 24-byte nonce, then
// the plaintext in 64 KiB blocks, each sealed with XSalsa20-Poly1305 (tag first) under
// nonce + block index (little-endian). Both directions stream: a transform holds at most one
// block of input and one of output, so memory stays a few blocks per transfer whatever the size.
import { randomBytes } from "node:crypto";
import { Readable, Transform, type TransformCallback } from "node:stream";
import { xsalsa20poly1305 } from "@noble/ciphers/salsa.js";

export const MAGIC = Buffer.from("RCLONE\0\0", "latin1");
export const NONCE_SIZE = 24;
export const HEADER_SIZE = MAGIC.length + NONCE_SIZE;
export const BLOCK_DATA = 64 * 1024;
const TAG = 16;
export const BLOCK_SIZE = BLOCK_DATA + TAG;

/** The stored size of `n` plaintext bytes. */
export function encryptedSize(n: number): number {
  const rest = n % BLOCK_DATA;
  return HEADER_SIZE + Math.floor(n / BLOCK_DATA) * BLOCK_SIZE + (rest ? rest + TAG : 0);
}

/** The plaintext size of a stored object of `n` bytes, or null when no encrypted file has that size. */
export function decryptedSize(n: number): number | null {
  const r = n - HEADER_SIZE;
  if (r < 0) return null;
  const q = Math.floor(r / BLOCK_SIZE);
  let res = r % BLOCK_SIZE;
  if (res !== 0) {
    res -= TAG;
    if (res <= 0) return null;
  }
  return q * BLOCK_DATA + res;
}

export function newNonce(): Uint8Array {
  return randomBytes(NONCE_SIZE);
}

/** nonce + i as a little-endian 192-bit integer. */
export function blockNonce(nonce: Uint8Array, i: number): Uint8Array {
  const out = new Uint8Array(nonce);
  let carry = i;
  for (let b = 0; b < NONCE_SIZE && carry > 0; b++) {
    const sum = out[b]! + (carry % 256);
    out[b] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
  return out;
}

export function header(nonce: Uint8Array): Buffer {
  return Buffer.concat([MAGIC, nonce]);
}

export function sealBlock(key: Uint8Array, nonce: Uint8Array, i: number, plain: Uint8Array): Uint8Array {
  return xsalsa20poly1305(key, blockNonce(nonce, i)).encrypt(plain);
}

/** A whole small file at once (readAll). */
export function encryptBuffer(key: Uint8Array, nonce: Uint8Array, plain: Uint8Array): Buffer {
  const parts: Uint8Array[] = [header(nonce)];
  for (let i = 0, off = 0; off < plain.length; i++, off += BLOCK_DATA) parts.push(sealBlock(key, nonce, i, plain.subarray(off, off + BLOCK_DATA)));
  return Buffer.concat(parts);
}

/** Plaintext in, rclone's format out. */
export class EncryptStream extends Transform {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private index: number;

  /** `firstBlock` set: the blocks from that one on, without the header (a range, see encryptRange). */
  constructor(
    private readonly key: Uint8Array,
    private readonly nonce: Uint8Array,
    firstBlock?: number,
  ) {
    super({ highWaterMark: BLOCK_SIZE, writableHighWaterMark: BLOCK_DATA });
    this.index = firstBlock ?? 0;
    if (firstBlock === undefined) this.push(header(nonce));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    try {
      while (this.pendingLen >= BLOCK_DATA) this.emit64(BLOCK_DATA);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (this.pendingLen > 0) this.emit64(this.pendingLen);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  private emit64(n: number) {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
    const block = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingLen = rest.length;
    this.push(sealBlock(this.key, this.nonce, this.index++, block));
  }
}

/**
 * Bytes start..end (inclusive) of the encrypted file, from a range of the plaintext: the blocks
 * that overlap the range are encrypted again (same key and nonce give the same bytes) and cut.
 * S3 multipart uploads parts in parallel this way, each part re-readable after a failure.
 */
export function encryptRange(key: Uint8Array, nonce: Uint8Array, plainSize: number, start: number, end: number, openPlain: (start: number, end: number) => Readable): Readable {
  const out: Readable[] = [];
  let from = start;
  const hdr = header(nonce);
  if (from < HEADER_SIZE) {
    out.push(Readable.from([hdr.subarray(from, Math.min(end + 1, HEADER_SIZE))]));
    from = HEADER_SIZE;
  }
  if (end < HEADER_SIZE || plainSize === 0) return concat(out);
  const first = Math.floor((from - HEADER_SIZE) / BLOCK_SIZE);
  const last = Math.floor((end - HEADER_SIZE) / BLOCK_SIZE);
  const plainStart = first * BLOCK_DATA;
  const plainEnd = Math.min(plainSize, (last + 1) * BLOCK_DATA) - 1;
  const skip = from - (HEADER_SIZE + first * BLOCK_SIZE);
  const length = end + 1 - from;
  out.push(chain(chain(openPlain(plainStart, plainEnd), new EncryptStream(key, nonce, first)), new Slice(skip, length)));
  return concat(out);
}

/**
 * `src` piped into `t`, with what pipe() leaves out: an error of `src` errors `t` (the same error
 * object, so a caller still sees ENOENT), and destroying `t` releases `src`.
 */
export function chain<T extends Transform>(src: Readable, t: T): T {
  src.on("error", (err) => t.destroy(err));
  t.on("close", () => {
    if (!src.destroyed) src.destroy();
  });
  return src.pipe(t);
}

/** Drops `skip` bytes, then passes `length` bytes. */
class Slice extends Transform {
  constructor(
    private skip: number,
    private left: number,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback) {
    let c = chunk;
    if (this.skip > 0) {
      const n = Math.min(this.skip, c.length);
      this.skip -= n;
      c = c.subarray(n);
    }
    if (c.length && this.left > 0) {
      const piece = c.subarray(0, this.left);
      this.left -= piece.length;
      this.push(piece);
    }
    cb();
  }
}

function concat(parts: Readable[]): Readable {
  if (parts.length === 1) return parts[0]!;
  return Readable.from(
    (async function* () {
      for (const p of parts) for await (const chunk of p) yield chunk as Buffer;
    })(),
  );
}

export class CryptError extends Error {
  constructor(
    message: string,
    readonly reason: "wrong_password" | "corrupt",
  ) {
    super(message);
  }
}

/** rclone's format in, plaintext out; a block that does not authenticate errors the stream. */
export class DecryptStream extends Transform {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private nonce: Uint8Array | null = null;
  private index = 0;

  constructor(
    private readonly key: Uint8Array,
    private readonly what: string,
  ) {
    super({ highWaterMark: BLOCK_DATA, writableHighWaterMark: BLOCK_SIZE });
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    try {
      this.drain(false);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.drain(true);
      if (this.nonce === null) throw new CryptError(`${this.what} is not an encrypted file (it is shorter than the ${HEADER_SIZE}-byte header)`, "corrupt");
      if (this.pendingLen > 0) throw new CryptError(`${this.what}: file is corrupt (a block of ${this.pendingLen} bytes at the end is too short)`, "corrupt");
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  private takeBytes(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingLen = rest.length;
    return all.subarray(0, n);
  }

  private drain(final: boolean) {
    if (this.nonce === null) {
      if (this.pendingLen < HEADER_SIZE) return;
      const h = this.takeBytes(HEADER_SIZE);
      if (!h.subarray(0, MAGIC.length).equals(MAGIC)) throw new CryptError(`${this.what} is not an encrypted file (no rclone crypt header)`, "corrupt");
      this.nonce = new Uint8Array(h.subarray(MAGIC.length));
    }
    // Keep a full block back until more arrives or the input ends: only then is its size final.
    while (this.pendingLen >= BLOCK_SIZE || (final && this.pendingLen > TAG)) {
      const block = this.takeBytes(Math.min(BLOCK_SIZE, this.pendingLen));
      let plain: Uint8Array;
      try {
        plain = xsalsa20poly1305(this.key, blockNonce(this.nonce, this.index)).decrypt(block);
      } catch {
        throw this.index === 0
          ? new CryptError(`wrong encryption password: ${this.what} cannot be decrypted with this job's password (or its first block is corrupt)`, "wrong_password")
          : new CryptError(`${this.what}: file is corrupt (block ${this.index} does not authenticate)`, "corrupt");
      }
      this.index++;
      this.push(plain);
    }
  }
}
