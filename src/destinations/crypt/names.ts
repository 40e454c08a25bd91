// rclone crypt names (formats/rclone-crypt.md §4): each "/"-separated segment on its own,
// "standard" = PKCS#7 pad to 16, EME-AES-256 (name key, tweak), base32hex lowercase without "=";
// "off" = the file path plus ".bin". rclone's version tag (-vYYYY-MM-DD-HHMMSS-mmm) stays
// outside the encrypted part, as rclone 1.60 does, so both tools agree on such names.
import { Eme } from "./eme.ts";
import type { CryptKeys } from "./keys.ts";

export type FilenameEncryption = "standard" | "off";

export interface NameOptions {
  filenameEncryption: FilenameEncryption;
  directoryNameEncryption: boolean;
}

const B32 = "0123456789abcdefghijklmnopqrstuv";
const MAX_NAME = 2048;
const OFF_SUFFIX = ".bin";
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function base32hexEncode(b: Uint8Array): string {
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const byte of b) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += B32[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(acc << (5 - bits)) & 31];
  return out;
}

/** Case-insensitive like Go's decoder; null for anything that is not canonical base32hex. */
export function base32hexDecode(s: string): Uint8Array | null {
  const len = s.length;
  // Unpadded base32 lengths are never 1, 3 or 6 mod 8.
  if ([1, 3, 6].includes(len % 8)) return null;
  const out = new Uint8Array(Math.floor((len * 5) / 8));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const v = B32.indexOf(s[i]!.toLowerCase());
    if (v < 0) return null;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
  }
  if (acc !== 0) return null; // non-zero trailing bits: not what an encoder writes
  return out;
}

const VERSION_TAG = /-v(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})-(\d{3})$/;

/** rclone lib/version: the tag at the end of the stem (before the final "."), if it is a real date-time. */
function splitVersion(name: string): { base: string; tag: string } | null {
  const dot = name.lastIndexOf(".");
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : "";
  const m = VERSION_TAG.exec(stem);
  if (!m) return null;
  const [mo, d, h, mi, s] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  return { base: stem.slice(0, m.index) + ext, tag: m[0] };
}

function insertTag(name: string, tag: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(0, dot) + tag + name.slice(dot) : name + tag;
}

/** Folder names repeat on every path below them: their encryption is remembered (bounded). */
const CACHE_MAX = 4096;

export class NameCipher {
  private readonly eme: Eme;
  private readonly cache = new Map<string, string>();
  private readonly plainCache = new Map<string, string | null>();
  constructor(
    keys: CryptKeys,
    readonly opts: NameOptions,
  ) {
    this.eme = new Eme(keys.nameKey, keys.nameTweak);
  }

  encryptSegment(name: string): string {
    if (name === "") return "";
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit;
    const enc = this.encryptUncached(name);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(name, enc);
    return enc;
  }

  private encryptUncached(name: string): string {
    if (name === "") return "";
    const v = splitVersion(name);
    if (v && v.base !== "") return insertTag(this.encryptSegment(v.base), v.tag);
    const raw = Buffer.from(name, "utf8");
    const pad = 16 - (raw.length % 16);
    const padded = new Uint8Array(raw.length + pad);
    padded.set(raw);
    padded.fill(pad, raw.length);
    if (padded.length > MAX_NAME) throw new Error(`the name "${name.slice(0, 40)}…" is too long to encrypt`);
    return base32hexEncode(this.eme.encrypt(padded));
  }

  /** A folder segment, remembered: every file below it repeats it. */
  private decryptDirSegment(enc: string): string | null {
    const hit = this.plainCache.get(enc);
    if (hit !== undefined) return hit;
    const plain = this.decryptSegment(enc);
    if (this.plainCache.size >= CACHE_MAX) this.plainCache.clear();
    this.plainCache.set(enc, plain);
    return plain;
  }

  /** The plain segment, or null when it is not one of ours (another key, not encrypted at all). */
  decryptSegment(enc: string): string | null {
    if (enc === "") return "";
    const v = splitVersion(enc);
    if (v && v.base !== "") {
      const plain = this.decryptSegment(v.base);
      return plain === null ? null : insertTag(plain, v.tag);
    }
    const raw = base32hexDecode(enc);
    if (!raw || raw.length === 0 || raw.length % 16 !== 0 || raw.length > MAX_NAME) return null;
    const p = this.eme.decrypt(raw);
    const pad = p[p.length - 1]!;
    if (pad < 1 || pad > 16 || pad > p.length) return null;
    for (let i = p.length - pad; i < p.length; i++) if (p[i] !== pad) return null;
    try {
      return utf8.decode(p.subarray(0, p.length - pad));
    } catch {
      return null;
    }
  }

  /** A file's path on the store. */
  encryptFile(path: string): string {
    if (this.opts.filenameEncryption === "off") return path + OFF_SUFFIX;
    const segs = path.split("/");
    const last = segs.length - 1;
    if (!this.opts.directoryNameEncryption) {
      segs[last] = this.encryptUncached(segs[last]!);
      return segs.join("/");
    }
    return segs.map((s, i) => (i === last ? this.encryptUncached(s) : this.encryptSegment(s))).join("/");
  }

  /** A folder's path on the store ("" stays ""). */
  encryptDir(path: string): string {
    if (path === "" || this.opts.filenameEncryption === "off" || !this.opts.directoryNameEncryption) return path;
    return path
      .split("/")
      .map((s) => this.encryptSegment(s))
      .join("/");
  }

  /** The plain path of a file on the store, or null when some segment does not decrypt. */
  decryptFile(path: string): string | null {
    if (this.opts.filenameEncryption === "off") return path.endsWith(OFF_SUFFIX) && path.length > OFF_SUFFIX.length ? path.slice(0, -OFF_SUFFIX.length) : null;
    const segs = path.split("/");
    const from = this.opts.directoryNameEncryption ? 0 : segs.length - 1;
    for (let i = from; i < segs.length; i++) {
      const plain = i === segs.length - 1 ? this.decryptSegment(segs[i]!) : this.decryptDirSegment(segs[i]!);
      if (plain === null) return null;
      segs[i] = plain;
    }
    return segs.join("/");
  }
}
