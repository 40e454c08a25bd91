// All SQL of saved credentials. The data column only ever holds sealed text (see service.ts).
import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { credentials, jobs } from "../db/schema.ts";

export type CredentialRow = typeof credentials.$inferSelect;

export function listCredentials(db: Db, providerType?: string): CredentialRow[] {
  const q = db.select().from(credentials);
  return (providerType ? q.where(eq(credentials.providerType, providerType)) : q).orderBy(asc(credentials.id)).all();
}

export function findCredential(db: Db, id: number): CredentialRow | undefined {
  return db.select().from(credentials).where(eq(credentials.id, id)).get();
}

/** Inserts, then seals with the new row's id bound as context, in one transaction. */
export function insertCredential(db: Db, name: string, providerType: string, sealFor: (id: number) => string): number {
  return db.transaction((tx) => {
    const id = tx.insert(credentials).values({ name, providerType, data: "" }).returning({ id: credentials.id }).get().id;
    tx.update(credentials)
      .set({ data: sealFor(id) })
      .where(eq(credentials.id, id))
      .run();
    return id;
  });
}

/** New data clears needs_reconnect: whoever saved it (an edit, a reconnect, a refresh) has a working grant. */
export function updateCredential(db: Db, id: number, values: { name?: string; data?: string }) {
  db.update(credentials)
    .set({ ...values, ...(values.data !== undefined ? { needsReconnect: false } : {}), updatedAt: new Date().toISOString() })
    .where(eq(credentials.id, id))
    .run();
}

export function markNeedsReconnect(db: Db, id: number) {
  db.update(credentials).set({ needsReconnect: true, updatedAt: new Date().toISOString() }).where(eq(credentials.id, id)).run();
}

export function deleteCredential(db: Db, id: number) {
  db.delete(credentials).where(eq(credentials.id, id)).run();
}

export function jobsUsing(db: Db, id: number): { id: number; name: string }[] {
  return db.select({ id: jobs.id, name: jobs.name }).from(jobs).where(eq(jobs.credentialId, id)).orderBy(asc(jobs.id)).all();
}

/** Jobs whose sync_options.encryption names this credential (kept in the options JSON). */
export function jobsEncryptingWith(db: Db, id: number): { id: number; name: string }[] {
  return db.select({ id: jobs.id, name: jobs.name }).from(jobs).where(sql`json_extract(${jobs.syncOptions}, '$.encryption.password_credential_id') = ${id}`).orderBy(asc(jobs.id)).all();
}
