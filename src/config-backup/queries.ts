// All SQL of the configuration backup: reading everything an export holds, and applying an
// import inside the caller's transaction (`Tx`), so an import is all or nothing.
import { asc, count, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { apiKeys, credentials, jobs, notificationAlerts, notificationChannels, recoveryCodes, remoteIndex, remoteIndexState, runs, schedules, sessions, settings, users } from "../db/schema.ts";

export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type UserRow = typeof users.$inferSelect;
export type CredentialRow = typeof credentials.$inferSelect;
export type JobRow = typeof jobs.$inferSelect;
export type ScheduleRow = typeof schedules.$inferSelect;
export type ChannelRow = typeof notificationChannels.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type JobInsert = Omit<typeof jobs.$inferInsert, "id" | "createdAt" | "updatedAt">;
export type ScheduleInsert = Omit<typeof schedules.$inferInsert, "id" | "jobId" | "createdAt" | "updatedAt">;

/** The user an export holds: the first one (this is a single-admin appliance). */
export const firstUser = (db: Db | Tx): UserRow | undefined => db.select().from(users).orderBy(asc(users.id)).limit(1).get();
export const allCredentials = (db: Db | Tx): CredentialRow[] => db.select().from(credentials).orderBy(asc(credentials.id)).all();
export const allJobs = (db: Db | Tx): JobRow[] => db.select().from(jobs).orderBy(asc(jobs.id)).all();
export const allSchedules = (db: Db | Tx): ScheduleRow[] => db.select().from(schedules).orderBy(asc(schedules.id)).all();
export const allChannels = (db: Db | Tx): ChannelRow[] => db.select().from(notificationChannels).orderBy(asc(notificationChannels.id)).all();
export const apiKeysOf = (db: Db | Tx, userId: number): ApiKeyRow[] => db.select().from(apiKeys).where(eq(apiKeys.userId, userId)).orderBy(asc(apiKeys.id)).all();
export const allSettings = (db: Db | Tx) => db.select().from(settings).all();
export const unusedRecoveryCodeHashes = (db: Db | Tx, userId: number): string[] =>
  db
    .select({ h: recoveryCodes.codeHash })
    .from(recoveryCodes)
    .where(sql`${recoveryCodes.userId} = ${userId} and ${recoveryCodes.usedAt} is null`)
    .all()
    .map((r) => r.h);

/** Runs that are not over: an import must not pull jobs out from under them. */
export const activeRunCount = (db: Db | Tx): number =>
  db
    .select({ n: count() })
    .from(runs)
    .where(inArray(runs.status, ["pending", "running"]))
    .get()!.n;

export const countUsers = (db: Db | Tx): number => db.select({ n: count() }).from(users).get()!.n;

/** Replace: everything an import brings is removed first (runs go with their jobs: their history is of another install). */
export function clearForReplace(tx: Tx) {
  tx.delete(runs).run();
  tx.delete(schedules).run();
  tx.delete(notificationAlerts).run();
  tx.delete(jobs).run();
  tx.delete(credentials).run();
  tx.delete(notificationChannels).run();
  tx.delete(remoteIndex).run();
  tx.delete(remoteIndexState).run();
  tx.delete(settings).run();
  tx.delete(recoveryCodes).run();
  tx.delete(apiKeys).run();
  tx.delete(sessions).run();
}

export function insertUser(tx: Tx, username: string, passwordHash: string): number {
  return tx.insert(users).values({ username, passwordHash }).returning({ id: users.id }).get().id;
}

export function overwriteUser(tx: Tx, id: number, values: { username: string; passwordHash: string; totpSecret: string | null }) {
  tx.update(users)
    .set({ ...values, totpEnabled: values.totpSecret !== null, totpLastStep: null, updatedAt: new Date().toISOString() })
    .where(eq(users.id, id))
    .run();
}

export function insertRecoveryCodes(tx: Tx, userId: number, hashes: string[]) {
  if (hashes.length)
    tx.insert(recoveryCodes)
      .values(hashes.map((codeHash) => ({ userId, codeHash })))
      .run();
}

export function setSetting(tx: Tx, key: string, value: unknown) {
  tx.insert(settings)
    .values({ key, value, updatedAt: new Date().toISOString() })
    .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: new Date().toISOString() } })
    .run();
}

export const settingKeys = (tx: Db | Tx): Set<string> =>
  new Set(
    tx
      .select({ k: settings.key })
      .from(settings)
      .all()
      .map((r) => r.k),
  );

/** Inserts a credential whose sealed data depends on its new id. */
export function insertCredential(tx: Tx, name: string, providerType: string, sealed: (id: number) => string): number {
  const id = tx.insert(credentials).values({ name, providerType, data: "" }).returning({ id: credentials.id }).get().id;
  tx.update(credentials)
    .set({ data: sealed(id) })
    .where(eq(credentials.id, id))
    .run();
  return id;
}

export const insertJob = (tx: Tx, values: JobInsert): number => tx.insert(jobs).values(values).returning({ id: jobs.id }).get().id;
export const insertSchedule = (tx: Tx, jobId: number, values: ScheduleInsert) =>
  tx
    .insert(schedules)
    .values({ ...values, jobId })
    .run();

export const apiKeyHashes = (tx: Db | Tx): Set<string> =>
  new Set(
    tx
      .select({ h: apiKeys.keyHash })
      .from(apiKeys)
      .all()
      .map((r) => r.h),
  );
export const insertApiKey = (tx: Tx, values: { userId: number; name: string; prefix: string; keyHash: string; scope: "read" | "write" }) => tx.insert(apiKeys).values(values).run();
