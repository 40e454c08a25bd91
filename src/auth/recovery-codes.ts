// Ten single-use recovery codes like ABCD-EF23-GHJK, shown once and stored as HMAC-SHA256 under
// a key derived from the data folder's key: a copy of the database alone does not let anyone
// test guesses offline.
import { createHmac, hkdfSync, randomInt } from "node:crypto";
import { and, count, eq, isNull, like } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { recoveryCodes } from "../db/schema.ts";

export const RECOVERY_CODE_COUNT = 10;
// No 0/O or 1/I: codes are read off paper. 32 symbols, 12 of them: 60 bits per code.
const ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const SHAPE = /^[A-Z0-9]{12}$/;

function newCode(): string {
  let s = "";
  for (let i = 0; i < 12; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`;
}

/** Upper-cases and drops spaces and dashes; null when the input cannot be a recovery code. */
export function normaliseRecoveryCode(input: string): string | null {
  const bare = input.toUpperCase().replace(/[\s-]/g, "");
  return SHAPE.test(bare) ? `${bare.slice(0, 4)}-${bare.slice(4, 8)}-${bare.slice(8)}` : null;
}

const keys = new WeakMap<Uint8Array, Buffer>();

function hashCode(secret: Uint8Array, code: string): string {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, new Uint8Array(0), "dynamight recovery codes v1", 32));
    keys.set(secret, key);
  }
  return createHmac("sha256", key).update(code).digest("hex");
}

/** Replaces the user's codes with ten new ones and returns them (the only time they exist in clear). */
export function replaceRecoveryCodes(db: Db, secret: Uint8Array, userId: number): string[] {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  db.transaction((tx) => {
    tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
    tx.insert(recoveryCodes)
      .values(codes.map((c) => ({ userId, codeHash: hashCode(secret, c) })))
      .run();
  });
  return codes;
}

export function deleteRecoveryCodes(db: Db, userId: number) {
  db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)).run();
}

/** Marks the code used; false when it is unknown or was used before. */
export function useRecoveryCode(db: Db, secret: Uint8Array, userId: number, input: string): boolean {
  const code = normaliseRecoveryCode(input);
  if (!code) return false;
  const used = db
    .update(recoveryCodes)
    .set({ usedAt: new Date().toISOString() })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, hashCode(secret, code)), isNull(recoveryCodes.usedAt)))
    .returning({ id: recoveryCodes.id })
    .all();
  if (used.length === 1) return true;
  return useImportedRecoveryCode(db, userId, code);
}

/**
 * Codes restored from the original Dynamight's config backup are its Argon2id hashes of the code
 * upper-cased without dashes (formats/dmbackup.md, user.recovery_codes): checked one by one, only
 * when the HMAC did not match, so they cost nothing to users with codes made here.
 */
function useImportedRecoveryCode(db: Db, userId: number, code: string): boolean {
  const bare = code.replace(/-/g, "");
  const rows = db
    .select({ id: recoveryCodes.id, hash: recoveryCodes.codeHash })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt), like(recoveryCodes.codeHash, "$argon2%")))
    .all();
  for (const r of rows) {
    let ok = false;
    try {
      ok = Bun.password.verifySync(bare, r.hash);
    } catch {}
    if (!ok) continue;
    return (
      db
        .update(recoveryCodes)
        .set({ usedAt: new Date().toISOString() })
        .where(and(eq(recoveryCodes.id, r.id), isNull(recoveryCodes.usedAt)))
        .returning({ id: recoveryCodes.id })
        .all().length === 1
    );
  }
  return false;
}

export function remainingRecoveryCodes(db: Db, userId: number): number {
  return db
    .select({ n: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
    .get()!.n;
}
