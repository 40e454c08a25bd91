import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const SECRET_FILE = "secret.key";

/**
 * The data folder's 32-byte key, created on first start (mode 0600). It signs session
 * tokens and seals credentials; losing it logs everyone out and makes saved credentials
 * unreadable, so it is never regenerated over an existing file.
 */
export function loadOrCreateSecret(dataDir: string): Uint8Array {
  const file = join(dataDir, SECRET_FILE);
  if (existsSync(file)) {
    const hex = readFileSync(file, "utf8").trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) {
      throw new Error(`${file} is not a Dynamight secret key (expected 64 hex characters); restore it from a backup or remove it to start over`);
    }
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return Uint8Array.from(Buffer.from(hex, "hex"));
  }
  const key = crypto.getRandomValues(new Uint8Array(32));
  writeFileSync(file, Buffer.from(key).toString("hex") + "\n", { mode: 0o600, flag: "wx" });
  return key;
}
