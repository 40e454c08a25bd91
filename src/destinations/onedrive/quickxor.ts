// QuickXorHash, the content hash OneDrive keeps for every file (`file.hashes.quickXorHash`), as
// Microsoft documents it: a 160-bit register; byte n of the input is XORed in at bit (n·11) mod 160
// (wrapping round the register); at the end the little-endian 64-bit length is XORed into the last
// 8 bytes, and the 20 bytes are given in base64.
//
// Byte n's place depends only on n mod 160 (11·160 ≡ 0), so the streaming part is just 160 byte
// lanes (lane k = XOR of every byte at n ≡ k); the bit shifting happens once, in digest().

const WIDTH_BITS = 160;
const WIDTH_BYTES = 20;
const SHIFT = 11;

export class QuickXorHash {
  private lanes = new Uint8Array(WIDTH_BITS);
  /** Lane of the next byte (= length mod 160). */
  private lane = 0;
  private length = 0n;

  update(data: Uint8Array): this {
    const lanes = this.lanes;
    let k = this.lane;
    const n = data.length;
    let i = 0;
    // Up to the first lane-0 boundary, then whole rounds of 160 without the wrap test.
    while (i < n && k !== 0) {
      lanes[k] = (lanes[k] as number) ^ (data[i++] as number);
      if (++k === WIDTH_BITS) k = 0;
    }
    const whole = i + Math.floor((n - i) / WIDTH_BITS) * WIDTH_BITS;
    for (; i < whole; i += WIDTH_BITS) {
      for (let j = 0; j < WIDTH_BITS; j++) lanes[j] = (lanes[j] as number) ^ (data[i + j] as number);
    }
    while (i < n) {
      lanes[k] = (lanes[k] as number) ^ (data[i++] as number);
      k++;
    }
    this.lane = k % WIDTH_BITS;
    this.length += BigInt(n);
    return this;
  }

  /** The 20-byte digest. */
  digestBytes(): Buffer {
    const out = Buffer.alloc(WIDTH_BYTES);
    for (let k = 0; k < WIDTH_BITS; k++) {
      const v = this.lanes[k] as number;
      if (v === 0) continue;
      const at = (k * SHIFT) % WIDTH_BITS;
      for (let b = 0; b < 8; b++) {
        if (!(v & (1 << b))) continue;
        const bit = (at + b) % WIDTH_BITS;
        out[bit >> 3] = (out[bit >> 3] as number) ^ (1 << (bit & 7));
      }
    }
    let len = this.length;
    for (let i = WIDTH_BYTES - 8; i < WIDTH_BYTES; i++) {
      out[i] = (out[i] as number) ^ Number(len & 0xffn);
      len >>= 8n;
    }
    return out;
  }

  /** The digest as OneDrive gives it (base64). */
  digest(): string {
    return this.digestBytes().toString("base64");
  }
}

export function quickXorHash(data: Uint8Array): string {
  return new QuickXorHash().update(data).digest();
}
