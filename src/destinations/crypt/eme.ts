// EME (ECB-Mix-ECB, Halevi–Rogaway) over AES-256, a port of rfjakob/eme's Transform, which rclone
// uses for names (formats/rclone-crypt.md §4). No npm package implements it; the sheet's vectors
// check this one (test/crypt/vectors.test.ts). The AES block is OpenSSL's (Node's aes-256-ecb):
// hardware AES, and a name costs a few microseconds where the JS AES took ~100 µs on a busy host
// (scripts/bench-crypt: 2,000 files are ~6,000 names).
import { createCipheriv, createDecipheriv } from "node:crypto";

const BLOCK = 16;

/** ×2 in GF(2^128), little-endian bytes (EME's convention, not GCM's). */
function dbl(x: Uint8Array): Uint8Array {
  const out = new Uint8Array(BLOCK);
  for (let j = BLOCK - 1; j >= 1; j--) out[j] = ((x[j]! << 1) | (x[j - 1]! >> 7)) & 0xff;
  out[0] = (x[0]! << 1) & 0xff;
  if (x[BLOCK - 1]! >= 0x80) out[0] ^= 0x87;
  return out;
}

function xorInto(dst: Uint8Array, a: Uint8Array, b: Uint8Array): void {
  for (let i = 0; i < BLOCK; i++) dst[i] = a[i]! ^ b[i]!;
}

export class Eme {
  constructor(
    private readonly key: Uint8Array,
    private readonly tweak: Uint8Array,
  ) {
    if (tweak.length !== BLOCK) throw new Error("EME tweak must be 16 bytes");
  }

  private ecb(enc: boolean, data: Uint8Array): Uint8Array {
    const c = enc ? createCipheriv("aes-256-ecb", this.key, null) : createDecipheriv("aes-256-ecb", this.key, null);
    c.setAutoPadding(false);
    return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
  }

  encrypt(data: Uint8Array): Uint8Array {
    return this.transform(data, true);
  }

  decrypt(data: Uint8Array): Uint8Array {
    return this.transform(data, false);
  }

  private transform(p: Uint8Array, enc: boolean): Uint8Array {
    const m = p.length / BLOCK;
    if (!Number.isInteger(m) || m < 1 || m > BLOCK * 8) throw new Error("EME input must be 16..2048 bytes, a multiple of 16");
    const X = (b: Uint8Array) => this.ecb(enc, b);
    // L_j = dbl^(j+1)(E(0)): always the forward cipher.
    const L: Uint8Array[] = [];
    let li = dbl(this.ecb(true, new Uint8Array(BLOCK)));
    for (let j = 0; j < m; j++) {
      L.push(li);
      li = dbl(li);
    }
    const masked = new Uint8Array(p.length);
    for (let j = 0; j < m; j++) xorInto(masked.subarray(j * BLOCK, (j + 1) * BLOCK), p.subarray(j * BLOCK, (j + 1) * BLOCK), L[j]!);
    const ppp = X(masked); // one ECB call over all blocks: each is done on its own
    const mp = new Uint8Array(this.tweak);
    for (let j = 0; j < m; j++) for (let i = 0; i < BLOCK; i++) mp[i] ^= ppp[j * BLOCK + i]!;
    const mc = X(mp);
    let M: Uint8Array = new Uint8Array(BLOCK);
    xorInto(M, mp, mc);
    const ccc = new Uint8Array(p.length);
    for (let j = 1; j < m; j++) {
      M = dbl(M);
      xorInto(ccc.subarray(j * BLOCK, (j + 1) * BLOCK), ppp.subarray(j * BLOCK, (j + 1) * BLOCK), M);
    }
    const c0 = ccc.subarray(0, BLOCK);
    xorInto(c0, mc, this.tweak);
    for (let j = 1; j < m; j++) for (let i = 0; i < BLOCK; i++) c0[i] ^= ccc[j * BLOCK + i]!;
    const out = X(ccc);
    for (let j = 0; j < m; j++) for (let i = 0; i < BLOCK; i++) out[j * BLOCK + i] ^= L[j]![i]!;
    return out;
  }
}
