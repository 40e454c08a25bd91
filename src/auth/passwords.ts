// Password hashing (argon2id via Bun.password) and the rules a new password must meet.
import { invalidField } from "../http/errors.ts";

export const MIN_PASSWORD_LENGTH = 8;
// Long enough for any passphrase, short enough that hashing cannot be used to burn CPU.
export const MAX_PASSWORD_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id" });
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return Bun.password.verify(password, hash).catch(() => false);
}

let dummyHash: Promise<string> | undefined;

/** Spends the same time as a real check, so an unknown username is not told apart by timing. */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword("dynamight-timing-equaliser");
  await verifyPassword(password, await dummyHash);
  return false;
}

/** Throws a 400 naming the field when `password` is not acceptable as a new password. */
export function checkNewPassword(password: string, field = "password") {
  if (password.length < MIN_PASSWORD_LENGTH) throw invalidField(field, `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > MAX_PASSWORD_LENGTH) throw invalidField(field, `must be at most ${MAX_PASSWORD_LENGTH} characters`);
  if (password.trim() === "") throw invalidField(field, "must not be only spaces");
}

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function checkUsername(username: string) {
  if (!USERNAME_PATTERN.test(username)) {
    throw invalidField("username", "must be 1 to 64 characters: letters, digits and . _ @ - (starting with a letter or digit)");
  }
}
