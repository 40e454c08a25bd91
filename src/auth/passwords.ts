// Password hashing (argon2id via Bun.password) and the rules a new password must meet.
import { invalidField } from "../http/errors.ts";

export const MIN_PASSWORD_LENGTH = 8;
// Long enough for any passphrase, short enough that hashing cannot be used to burn CPU.
export const MAX_PASSWORD_LENGTH = 1024;

// OWASP's first argon2id setting (19 MiB, 2 passes, 1 lane) instead of Bun's default 64 MiB:
// every sign-in allocates this much at once, which on a Pi was the start-up memory peak (issue
// 17), and five logins at a time would have taken 320 MB. Hashes carry their parameters, so
// hashes made with the old setting still verify.
export const ARGON2_MEMORY_KIB = 19_456;
export const ARGON2_TIME_COST = 2;

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: "argon2id", memoryCost: ARGON2_MEMORY_KIB, timeCost: ARGON2_TIME_COST });
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
