// rclone crypt keys (formats/rclone-crypt.md §2): scrypt(password, salt, N=16384, r=8, p=1, 80
// bytes) split into the content key (secretbox), the name key (AES-256) and the EME tweak.
import { scrypt } from "node:crypto";

/** rclone's salt when password2 is empty. */
const DEFAULT_SALT = Buffer.from("a80df43a8fbd0308a7cab83e581f86b1", "hex");

export interface CryptKeys {
  dataKey: Uint8Array;
  nameKey: Uint8Array;
  nameTweak: Uint8Array;
}

/** The revealed (plain) password and password2; an empty password is refused (rclone forbids it). */
export async function deriveKeys(password: string, salt = ""): Promise<CryptKeys> {
  if (password === "") throw new Error("the encryption password must not be empty");
  const saltBytes = salt === "" ? DEFAULT_SALT : Buffer.from(salt, "utf8");
  // Async: 16 MiB and ~50 ms of work that must not block the event loop of a running server.
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(Buffer.from(password, "utf8"), saltBytes, 80, { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, k) => (err ? reject(err) : resolve(k))),
  );
  return { dataKey: key.subarray(0, 32), nameKey: key.subarray(32, 64), nameTweak: key.subarray(64, 80) };
}
