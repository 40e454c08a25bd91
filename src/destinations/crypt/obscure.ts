// rclone's "obscure" for passwords in rclone.conf (formats/rclone-crypt.md §1, fs/config/obscure):
// AES-256-CTR under a key published in rclone's source, so it hides nothing from anyone who has
// the file. The result is as good as the password itself: never log it or show it unasked.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const KEY = Buffer.from("9c935b48730a554d6bfd7c63c886a92bd390198eb8128afbf4de162b8b95f638", "hex");

export function obscure(plain: string, iv: Uint8Array = randomBytes(16)): string {
  const c = createCipheriv("aes-256-ctr", KEY, iv);
  const ct = Buffer.concat([c.update(Buffer.from(plain, "utf8")), c.final()]);
  return Buffer.concat([Buffer.from(iv), ct]).toString("base64url");
}

export function reveal(obscured: string): string {
  const raw = Buffer.from(obscured, "base64url");
  if (raw.length < 16) throw new Error("the obscured value is too short");
  const d = createDecipheriv("aes-256-ctr", KEY, raw.subarray(0, 16));
  return Buffer.concat([d.update(raw.subarray(16)), d.final()]).toString("utf8");
}
