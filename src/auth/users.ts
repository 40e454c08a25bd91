// All SQL on the users table.
import { and, count, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { users } from "../db/schema.ts";
import { forgetPrincipals } from "./principal-cache.ts";

export type UserRow = typeof users.$inferSelect;

export function countUsers(db: Db): number {
  return db.select({ n: count() }).from(users).get()!.n;
}

/**
 * Inserts the first user, or returns null when any user exists. bun:sqlite is synchronous,
 * so the check and the insert cannot interleave with another request.
 */
export function createFirstUser(db: Db, username: string, passwordHash: string): UserRow | null {
  return db.transaction((tx) => {
    if (tx.select({ n: count() }).from(users).get()!.n > 0) return null;
    return tx.insert(users).values({ username, passwordHash }).returning().get();
  });
}

export function findUserByName(db: Db, username: string): UserRow | undefined {
  return db.select().from(users).where(sql`lower(${users.username}) = lower(${username})`).get();
}

export function findUserById(db: Db, id: number): UserRow | undefined {
  return db.select().from(users).where(eq(users.id, id)).get();
}

const stamp = () => new Date().toISOString();

export function setPasswordHash(db: Db, userId: number, passwordHash: string) {
  db.update(users).set({ passwordHash, updatedAt: stamp() }).where(eq(users.id, userId)).run();
}

export function setTotp(db: Db, userId: number, sealedSecret: string | null, lastStep: number | null) {
  // The cached principal carries totpEnabled.
  forgetPrincipals(db);
  db.update(users)
    .set({ totpSecret: sealedSecret, totpEnabled: sealedSecret !== null, totpLastStep: lastStep, updatedAt: stamp() })
    .where(eq(users.id, userId))
    .run();
}

/**
 * Records `step` as the last accepted TOTP step unless that step (or a later one) was already
 * used. False means the code is a replay, also when two requests race with the same code.
 */
export function claimTotpStep(db: Db, userId: number, step: number): boolean {
  const changed = db
    .update(users)
    .set({ totpLastStep: step })
    .where(and(eq(users.id, userId), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
    .returning({ id: users.id })
    .all();
  return changed.length === 1;
}
