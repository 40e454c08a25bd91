// Saved credentials: validated per provider type by its destination, sealed with AES-256-GCM
// (the data folder's key, the row id as context) and never returned: views carry no data.

import { open, seal } from "../crypto/seal.ts";
import type { Db } from "../db/client.ts";
import { DestinationError, type EncryptionSecret, type FieldSpec, type SyncOptions } from "../destinations/contract.ts";
import { ENCRYPTION_CREDENTIAL_FIELDS, ENCRYPTION_CREDENTIAL_TYPE, parseEncryptionCredential } from "../destinations/crypt/credential.ts";
import { destinationFor, isDestinationType } from "../destinations/registry.ts";
import { badRequest, conflict, invalidField, named, nestedFieldError, notFound } from "../http/errors.ts";
import type { CredentialView } from "./model.ts";
import * as q from "./queries.ts";

export type { CredentialView };

const context = (id: number) => `credential:${id}`;

function toView(r: q.CredentialRow): CredentialView {
  return { id: r.id, name: r.name, provider_type: r.providerType, needs_reconnect: r.needsReconnect, created_at: r.createdAt, updated_at: r.updatedAt };
}

/** The credential types: every destination type with credential fields, and "encryption". */
export function credentialFieldsFor(providerType: string): FieldSpec[] | null {
  if (providerType === ENCRYPTION_CREDENTIAL_TYPE) return ENCRYPTION_CREDENTIAL_FIELDS;
  return isDestinationType(providerType) ? destinationFor(providerType).credentialFields : null;
}

/** Validates data with the type's credential fields; errors name the field as `data.x`. */
export function parseCredentialData(providerType: string, data: unknown): Record<string, string> {
  if (providerType === ENCRYPTION_CREDENTIAL_TYPE) {
    try {
      return parseEncryptionCredential(data);
    } catch (err) {
      if (err instanceof DestinationError) throw nestedFieldError("data", err);
      throw err;
    }
  }
  if (!isDestinationType(providerType)) throw invalidField("provider_type", "must be one of the types listed by GET /api/providers");
  const dest = destinationFor(providerType);
  if (dest.credentialFields.length === 0) throw named(badRequest(`Field 'provider_type': ${dest.name} destinations take no credentials`), "provider_type");
  try {
    return dest.parseCredential(data);
  } catch (err) {
    if (err instanceof DestinationError) throw nestedFieldError("data", err);
    throw err;
  }
}

export function listCredentials(db: Db, providerType?: string): CredentialView[] {
  if (providerType !== undefined && !isDestinationType(providerType) && providerType !== ENCRYPTION_CREDENTIAL_TYPE)
    throw badRequest(`Query parameter 'provider' must be one of the types listed by GET /api/providers`);
  return q.listCredentials(db, providerType).map(toView);
}

export function getCredential(db: Db, id: number): CredentialView {
  const row = q.findCredential(db, id);
  if (!row) throw notFound("Credential not found");
  return toView(row);
}

export function createCredential(db: Db, key: Uint8Array, input: { name: string; provider_type: string; data: unknown }): CredentialView {
  const name = input.name.trim();
  if (!name) throw invalidField("name", "must not be blank");
  const data = parseCredentialData(input.provider_type, input.data);
  const json = JSON.stringify(data);
  const id = q.insertCredential(db, name, input.provider_type, (id) => seal(key, json, context(id)));
  return getCredential(db, id);
}

export function updateCredential(db: Db, key: Uint8Array, id: number, input: { name?: string; data?: unknown; provider_type?: string }): CredentialView {
  const row = q.findCredential(db, id);
  if (!row) throw notFound("Credential not found");
  if (input.provider_type !== undefined && input.provider_type !== row.providerType) {
    throw invalidField("provider_type", "cannot change: create a new credential for another type");
  }
  const values: { name?: string; data?: string } = {};
  if (input.name !== undefined) {
    values.name = input.name.trim();
    if (!values.name) throw invalidField("name", "must not be blank");
  }
  if (input.data !== undefined && input.data !== null) {
    // A new password would not open what the jobs already stored under the old one.
    const users = row.providerType === ENCRYPTION_CREDENTIAL_TYPE ? q.jobsEncryptingWith(db, id) : [];
    if (users.length) throw conflict(`The password of an encryption credential in use cannot change: ${users.length} job(s) stored files with it`, { jobs: users.map((j) => j.name) });
    values.data = seal(key, JSON.stringify(parseCredentialData(row.providerType, input.data)), context(id));
  }
  if (values.name === undefined && values.data === undefined) throw invalidField("name", "or 'data' is required");
  q.updateCredential(db, id, values);
  return getCredential(db, id);
}

export function credentialUsage(db: Db, id: number) {
  if (!q.findCredential(db, id)) throw notFound("Credential not found");
  return { credential_id: id, jobs: usersOf(db, id) };
}

function usersOf(db: Db, id: number) {
  const row = q.findCredential(db, id);
  return row?.providerType === ENCRYPTION_CREDENTIAL_TYPE ? q.jobsEncryptingWith(db, id) : q.jobsUsing(db, id);
}

export function deleteCredential(db: Db, id: number) {
  if (!q.findCredential(db, id)) throw notFound("Credential not found");
  const users = usersOf(db, id);
  if (users.length) throw conflict(`Credential is in use by ${users.length} job(s)`, { jobs: users.map((j) => j.name) });
  q.deleteCredential(db, id);
}

/**
 * A run's refreshed credential data (e.g. OAuth tokens), checked by its type and sealed like any
 * save, so the next run and test read it. Throws DestinationError (the run's vocabulary).
 */
export function saveCredentialData(db: Db, key: Uint8Array, id: number, data: Record<string, string>): void {
  const row = q.findCredential(db, id);
  if (!row || !isDestinationType(row.providerType)) throw new DestinationError("config", `The job's credential (${id}) no longer exists`);
  const parsed = destinationFor(row.providerType).parseCredential(data);
  q.updateCredential(db, id, { data: seal(key, JSON.stringify(parsed), context(id)) });
}

/** The provider revoked or expired the credential's grant: the UI shows "Reconnect" until new data is saved. */
export function markNeedsReconnect(db: Db, id: number): void {
  q.markNeedsReconnect(db, id);
}

/** The store hooks of a saved credential (StoreEnv): refreshed tokens sealed onto it, invalid_grant flagged. */
export function credentialHooks(db: Db, key: Uint8Array, id: number) {
  return {
    updateCredential: async (data: Record<string, string>) => saveCredentialData(db, key, id, data),
    reconnectNeeded: (_message: string) => markNeedsReconnect(db, id),
  };
}

/** The decrypted data for a run or a connection test. Never log or return it. */
export function openCredentialData(db: Db, key: Uint8Array, id: number): Record<string, string> {
  const row = q.findCredential(db, id);
  if (!row) throw new DestinationError("config", `The job's credential (${id}) no longer exists`);
  try {
    return JSON.parse(open(key, row.data, context(id))) as Record<string, string>;
  } catch {
    throw new DestinationError("config", `Credential "${row.name}" cannot be decrypted with this data folder's key (was the database moved without its secret key?)`);
  }
}

/**
 * The job's encryption with its password opened, for a run or for reading the backup back
 * (restore, browse, verify, versions); null when the job does not encrypt. Never log or return it.
 */
export function openEncryption(db: Db, key: Uint8Array, options: Pick<SyncOptions, "encryption">): EncryptionSecret | null {
  const enc = options.encryption;
  if (!enc) return null;
  const row = q.findCredential(db, enc.password_credential_id);
  if (!row || row.providerType !== ENCRYPTION_CREDENTIAL_TYPE) throw new DestinationError("config", `The job's encryption credential (${enc.password_credential_id}) no longer exists`);
  const data = openCredentialData(db, key, row.id);
  return { password: data.password ?? "", salt: data.salt ?? "", filename_encryption: enc.filename_encryption, directory_name_encryption: enc.directory_name_encryption };
}
