// "Download rclone config": the rclone.conf that opens an encrypted job's backup with rclone.

import { eq } from "drizzle-orm";
import { openCredentialData, openEncryption } from "../credentials/service.ts";
import type { Db } from "../db/client.ts";
import { jobs } from "../db/schema.ts";
import { normalizeSyncOptions } from "../destinations/contract.ts";
import { rcloneConfig, rcloneName } from "../destinations/crypt/rclone-config.ts";
import { badRequest, notFound } from "../http/errors.ts";

export function jobRcloneConfig(db: Db, secret: Uint8Array, id: number): { filename: string; text: string } {
  const job = db.select().from(jobs).where(eq(jobs.id, id)).get();
  if (!job) throw notFound("Job not found");
  const encryption = openEncryption(db, secret, normalizeSyncOptions(job.syncOptions));
  if (!encryption) throw badRequest("This job does not encrypt: rclone reads its files as they are, with a plain remote");
  const credential = job.credentialId === null ? null : openCredentialData(db, secret, job.credentialId);
  const name = rcloneName(job.name);
  const text = rcloneConfig({ name, type: job.destinationType, config: job.destinationConfig as Record<string, unknown>, credential, encryption });
  return { filename: `${name}-rclone.conf`, text };
}
