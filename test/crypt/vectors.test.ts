// The byte-level facts of formats/rclone-crypt.md §5 (all confirmed there against rclone 1.60.1).
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { blockNonce, DecryptStream, decryptedSize, EncryptStream, encryptBuffer, encryptedSize, encryptRange } from "../../src/destinations/crypt/content.ts";
import { Eme } from "../../src/destinations/crypt/eme.ts";
import { deriveKeys } from "../../src/destinations/crypt/keys.ts";
import { base32hexDecode, base32hexEncode, NameCipher } from "../../src/destinations/crypt/names.ts";
import { obscure, reveal } from "../../src/destinations/crypt/obscure.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const PASSWORD = "dynamight-test";

describe("rclone crypt vectors", async () => {
  const keys = await deriveKeys(PASSWORD);
  const std = new NameCipher(keys, { filenameEncryption: "standard", directoryNameEncryption: true });

  test("keys from scrypt with the default salt", () => {
    expect(hex(keys.dataKey)).toBe("3ab2f339f718483b590e46ba329a05299eacba90007bf80d885cc984616448af");
    expect(hex(keys.nameKey)).toBe("29c3dbcc5276b92be14f0d3e4ce43be0304a247c2d550bd50da65a073db5fa74");
    expect(hex(keys.nameTweak)).toBe("ef0abbf48c5761fc2074321fea6e1966");
  });

  test("an empty password is refused", async () => {
    await expect(deriveKeys("")).rejects.toThrow("must not be empty");
  });

  test("obscure with a zero iv, and reveal", () => {
    expect(obscure(PASSWORD, new Uint8Array(16))).toBe("AAAAAAAAAAAAAAAAAAAAACCixwM4ls-pVRxgToDx");
    expect(obscure("dynamight-salt", new Uint8Array(16))).toBe("AAAAAAAAAAAAAAAAAAAAACCixwM4ls-pVRxnSp_x");
    expect(reveal("AAAAAAAAAAAAAAAAAAAAACCixwM4ls-pVRxgToDx")).toBe(PASSWORD);
    const random = obscure("pässword");
    expect(random).not.toBe(obscure("pässword"));
    expect(reveal(random)).toBe("pässword");
    expect(() => reveal("AAAA")).toThrow("too short");
  });

  test("EME of one padded block", () => {
    const eme = new Eme(keys.nameKey, keys.nameTweak);
    const p = Buffer.concat([Buffer.from("hello.txt"), Buffer.alloc(7, 7)]);
    const c = eme.encrypt(p);
    expect(hex(c)).toBe("b5d87f7cba3888516272bc3f277f7ec0");
    expect(Buffer.from(eme.decrypt(c)).equals(p)).toBe(true);
    const long = Buffer.from("x".repeat(16 * 9));
    expect(Buffer.from(eme.decrypt(eme.encrypt(long))).equals(long)).toBe(true);
    expect(() => eme.encrypt(new Uint8Array(15))).toThrow();
  });

  test("base32hex", () => {
    for (const n of [0, 1, 2, 3, 4, 5, 16, 31]) {
      const b = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff));
      const s = base32hexEncode(b);
      expect(s).toMatch(/^[0-9a-v]*$/);
      expect(Buffer.from(base32hexDecode(s)!).equals(b)).toBe(true);
      expect(Buffer.from(base32hexDecode(s.toUpperCase())!).equals(b)).toBe(true);
    }
    expect(base32hexDecode("w")).toBeNull();
  });

  test("standard names", () => {
    expect(std.encryptFile("hello.txt")).toBe("mnc7uv5q72452ojingvievruo0");
    expect(std.encryptDir("dir/sub")).toBe("62h6f269vsujm677voknnd5348/7td631n88q9f7nce88067ebkm8");
    expect(std.encryptFile("dir/sub/hello")).toBe("62h6f269vsujm677voknnd5348/7td631n88q9f7nce88067ebkm8/u7uor6mkrpeku2r2a7e8hp3sog");
    expect(std.encryptFile("hello-v2001-02-03-040506-123.txt")).toBe("mnc7uv5q72452ojingvievruo0-v2001-02-03-040506-123");
    expect(std.decryptFile("mnc7uv5q72452ojingvievruo0-v2001-02-03-040506-123")).toBe("hello-v2001-02-03-040506-123.txt");
    expect(std.decryptFile("62h6f269vsujm677voknnd5348/7td631n88q9f7nce88067ebkm8/u7uor6mkrpeku2r2a7e8hp3sog")).toBe("dir/sub/hello");
    expect(std.decryptFile("MNC7UV5Q72452OJINGVIEVRUO0")).toBe("hello.txt");
    for (const name of ["é", "日本語/ファイル.txt", "a".repeat(16), "x".repeat(143), "🎉 party/💾.bin"]) expect(std.decryptFile(std.encryptFile(name))).toBe(name);
    // A name that is not ours does not decrypt.
    expect(std.decryptFile("hello.txt")).toBeNull();
    expect(std.decryptFile("00000000000000000000000000")).toBeNull();
  });

  test("directory name encryption off, filename encryption off, password2", async () => {
    const flat = new NameCipher(keys, { filenameEncryption: "standard", directoryNameEncryption: false });
    expect(flat.encryptFile("dir/sub/hello.txt")).toBe("dir/sub/mnc7uv5q72452ojingvievruo0");
    expect(flat.encryptDir("dir/sub")).toBe("dir/sub");
    expect(flat.decryptFile("dir/sub/mnc7uv5q72452ojingvievruo0")).toBe("dir/sub/hello.txt");
    const off = new NameCipher(keys, { filenameEncryption: "off", directoryNameEncryption: true });
    expect(off.encryptFile("dir/sub")).toBe("dir/sub.bin");
    expect(off.encryptDir("dir/sub")).toBe("dir/sub");
    expect(off.decryptFile("dir/sub.bin")).toBe("dir/sub");
    expect(off.decryptFile("dir/sub")).toBeNull();
    const salted = new NameCipher(await deriveKeys(PASSWORD, "dynamight-salt"), { filenameEncryption: "standard", directoryNameEncryption: true });
    expect(salted.encryptFile("hello.txt")).toBe("60e49ajqdc293q69hju3adt9fk");
    expect(salted.encryptDir("dir/sub")).toBe("iavsa3962rnnc7helb4fjqsd94/engenchf846e9jaq15m3ke0ueg");
  });

  test("sizes", () => {
    const pairs: [number, number][] = [
      [0, 32],
      [1, 49],
      [5, 53],
      [65536, 65584],
      [65537, 65601],
      [1 << 20, 1048864],
    ];
    for (const [n, e] of pairs) {
      expect(encryptedSize(n)).toBe(e);
      expect(decryptedSize(e)).toBe(n);
    }
    expect(decryptedSize(31)).toBeNull();
    expect(decryptedSize(32 + 16)).toBeNull();
  });

  test("content with a fixed nonce", async () => {
    const nonce = Uint8Array.from({ length: 24 }, (_, i) => i);
    const enc = encryptBuffer(keys.dataKey, nonce, Buffer.from("hello"));
    expect(enc.toString("hex")).toBe(`52434c4f4e450000${hex(nonce)}32ebebbbdac25289d782fad0d4bf58197e3c1080e1`);
    expect(encryptBuffer(keys.dataKey, nonce, Buffer.alloc(0)).length).toBe(32);
    const back = await buffer(Readable.from([enc]).pipe(new DecryptStream(keys.dataKey, "hello")));
    expect(back.toString()).toBe("hello");
  });

  test("nonce carry over 200000 bytes, streamed and in ranges", async () => {
    const plain = Buffer.from(Array.from({ length: 200000 }, (_, i) => (7 * i + 3) % 256));
    const nonce = new Uint8Array(24);
    nonce.set([0xff, 0xff, 0x05]);
    expect(hex(blockNonce(nonce, 1)).slice(0, 6)).toBe("000006");
    expect(hex(blockNonce(nonce, 3)).slice(0, 6)).toBe("020006");
    const whole = encryptBuffer(keys.dataKey, nonce, plain);
    expect(whole.length).toBe(200096);
    expect(createHash("sha256").update(whole).digest("hex")).toBe("c96a6a9df156215c7fb4cec89922bbf1f6318b7e3953ea22e98c563c84f7297d");
    // Streamed in odd-sized chunks.
    const chunks = Array.from({ length: Math.ceil(plain.length / 7777) }, (_, i) => plain.subarray(i * 7777, (i + 1) * 7777));
    const streamed = await buffer(Readable.from(chunks).pipe(new EncryptStream(keys.dataKey, nonce)));
    expect(streamed.equals(whole)).toBe(true);
    // Any range of the output, from the matching plaintext range.
    const openPlain = (s: number, e: number) => Readable.from([plain.subarray(s, e + 1)]);
    for (const [s, e] of [
      [0, 10],
      [0, 31],
      [5, 40],
      [32, 65583],
      [65584, 200095],
      [100000, 150000],
      [0, 200095],
    ] as [number, number][]) {
      const part = await buffer(encryptRange(keys.dataKey, nonce, plain.length, s, e, openPlain));
      expect(part.equals(whole.subarray(s, e + 1))).toBe(true);
    }
    const back = await buffer(Readable.from([whole.subarray(0, 1000), whole.subarray(1000)]).pipe(new DecryptStream(keys.dataKey, "carry")));
    expect(back.equals(plain)).toBe(true);
  });

  test("wrong key, tampered block, truncation, not encrypted", async () => {
    const plain = Buffer.alloc(150000, 1);
    const enc = encryptBuffer(keys.dataKey, new Uint8Array(24), plain);
    const read = (b: Buffer, key = keys.dataKey) => buffer(Readable.from([b]).pipe(new DecryptStream(key, "f")));
    const other = await deriveKeys("another password");
    await expect(read(enc, other.dataKey)).rejects.toThrow("wrong encryption password");
    const tampered = Buffer.from(enc);
    tampered[32 + 65552 + 100]! ^= 1;
    await expect(read(tampered)).rejects.toThrow("file is corrupt (block 1");
    await expect(read(enc.subarray(0, enc.length - 10))).rejects.toThrow("does not authenticate");
    await expect(read(Buffer.from("plain text file"))).rejects.toThrow("not an encrypted file");
    await expect(read(Buffer.from("x".repeat(64)))).rejects.toThrow("no rclone crypt header");
  });
});
