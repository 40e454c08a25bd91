// API keys for scripts and monitoring: `dm_` + 32 random bytes (base64url), shown once, stored as
// SHA-256 (guard.ts hashApiKey). The guard looks them up; this module creates, lists and revokes.
import { and, desc, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { apiKeys } from "../db/schema.ts";
import { API_KEY_PREFIX, hashApiKey } from "./guard.ts";
import { forgetPrincipals } from "./principal-cache.ts";

export type ApiKeyScope = "read" | "write";
export type ApiKeyRow = Omit<typeof apiKeys.$inferSelect, "keyHash">;

// "dm_" and 8 characters: enough to tell keys apart in a list, far too few to guess the rest.
const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

const listed = {
  id: apiKeys.id,
  userId: apiKeys.userId,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scope: apiKeys.scope,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
};

export async function createApiKey(db: Db, userId: number, name: string, scope: ApiKeyScope): Promise<{ row: ApiKeyRow; key: string }> {
  const key = API_KEY_PREFIX + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
  const row = db
    .insert(apiKeys)
    .values({ userId, name, scope, prefix: key.slice(0, SHOWN_PREFIX_LENGTH), keyHash: await hashApiKey(key) })
    .returning(listed)
    .get();
  return { row, key };
}

export function listApiKeys(db: Db, userId: number): ApiKeyRow[] {
  return db.select(listed).from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(desc(apiKeys.id)).all();
}

/** Deletes the user's key; false when there is no such key of this user. */
export function deleteApiKey(db: Db, userId: number, id: number): boolean {
  forgetPrincipals(db);
  return (
    db
      .delete(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userId)))
      .returning({ id: apiKeys.id })
      .all().length === 1
  );
}
