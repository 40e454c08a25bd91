// A job's destination store for reading the backup back (restore, browse, download, verify,
// versions): the destination's config and credential, and, when the job encrypts, its password,
// so whoever reads through this sees plain names and contents without knowing about encryption.
import { credentialHooks, openCredentialData, openEncryption } from "../credentials/service.ts";
import type { Db } from "../db/client.ts";
import type { jobs } from "../db/schema.ts";
import { DestinationError, normalizeSyncOptions, type RemoteStore, type StoreEnv } from "../destinations/contract.ts";
import { destinationFor, isDestinationType } from "../destinations/registry.ts";

type JobRow = Pick<typeof jobs.$inferSelect, "destinationType" | "destinationConfig" | "credentialId" | "syncOptions">;

export async function openJobStore(deps: { db: Db; secret: Uint8Array; dataDir: string | null }, job: JobRow, env: Partial<StoreEnv> = {}): Promise<RemoteStore> {
  if (!isDestinationType(job.destinationType)) throw new DestinationError("config", `Destination type '${job.destinationType}' is not known to this version`);
  const dest = destinationFor(job.destinationType);
  if (!dest.openStore) throw new DestinationError("not_implemented", `${dest.name} destinations cannot be read back in this version`);
  let config: unknown;
  try {
    config = dest.parseConfig(job.destinationConfig);
  } catch (err) {
    throw new DestinationError("config", `The job's destination settings are no longer valid: ${(err as Error).message}`);
  }
  const credential = job.credentialId === null ? null : openCredentialData(deps.db, deps.secret, job.credentialId);
  const encryption = openEncryption(deps.db, deps.secret, normalizeSyncOptions(job.syncOptions));
  const hooks = job.credentialId === null ? {} : credentialHooks(deps.db, deps.secret, job.credentialId);
  return dest.openStore(config as never, credential, { dataDir: deps.dataDir, purpose: "sync", ...hooks, ...env, encryption });
}
