// Session rows: the JWT in the `token` cookie only names a row here, so deleting the row
// (logout, logout-all, password change) kills the token at once.
import { and, desc, eq, gt, ne, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { preparedOnce } from "../db/prepared.ts";
import { sessions, users } from "../db/schema.ts";
import { forgetPrincipals } from "./principal-cache.ts";

export const SESSION_TTL_SECONDS = 30 * 24 * 3600;

export interface SessionUser {
  id: number;
  username: string;
  totpEnabled: boolean;
}

export function createSession(db: Db, userId: number, meta: { ip?: string | null; userAgent?: string | null } = {}) {
  const id = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url");
  const expiresAt = new Date(Date.now() + SESSION_TTL_SECONDS * 1000).toISOString();
  db.insert(sessions)
    .values({ id, userId, expiresAt, ip: meta.ip ?? null, userAgent: meta.userAgent?.slice(0, 300) ?? null })
    .run();
  return { id, expiresAt };
}

/** The user behind a live session, or null when it was deleted or has expired. Read-only. */
const sessionUserStatement = preparedOnce((db) =>
  db
    .select({ id: users.id, username: users.username, totpEnabled: users.totpEnabled })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sql.placeholder("id")), gt(sessions.expiresAt, sql.placeholder("now"))))
    .prepare(),
);

export function findSessionUser(db: Db, sessionId: string): SessionUser | null {
  return sessionUserStatement(db).get({ id: sessionId, now: new Date().toISOString() }) ?? null;
}

export function deleteSession(db: Db, sessionId: string) {
  forgetPrincipals(db);
  db.delete(sessions).where(eq(sessions.id, sessionId)).run();
}

/** Ends every session of the user, or every one but `keep`. Returns how many ended. */
export function deleteUserSessions(db: Db, userId: number, keep?: string): number {
  forgetPrincipals(db);
  const cond = keep ? and(eq(sessions.userId, userId), ne(sessions.id, keep)) : eq(sessions.userId, userId);
  return db.delete(sessions).where(cond).returning({ id: sessions.id }).all().length;
}

/** Ends one session if it belongs to the user; false otherwise. */
export function deleteUserSession(db: Db, userId: number, sessionId: string): boolean {
  forgetPrincipals(db);
  return (
    db
      .delete(sessions)
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
      .returning({ id: sessions.id })
      .all().length === 1
  );
}

export function listUserSessions(db: Db, userId: number) {
  return db
    .select({ id: sessions.id, createdAt: sessions.createdAt, lastSeenAt: sessions.lastSeenAt, expiresAt: sessions.expiresAt, ip: sessions.ip, userAgent: sessions.userAgent })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, new Date().toISOString())))
    .orderBy(desc(sessions.lastSeenAt))
    .all();
}

export function touchSession(db: Db, sessionId: string) {
  db.update(sessions).set({ lastSeenAt: new Date().toISOString() }).where(eq(sessions.id, sessionId)).run();
}
