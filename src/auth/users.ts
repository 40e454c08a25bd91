import { count } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { users } from "../db/schema.ts";

export function countUsers(db: Db): number {
  return db.select({ n: count() }).from(users).get()!.n;
}
