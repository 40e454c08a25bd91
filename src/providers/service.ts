// Connection tests, shared by POST /api/providers/test and the job editor's "Test connection".
import type { AppContext } from "../context.ts";
import { credentialHooks, getCredential, openCredentialData, parseCredentialData } from "../credentials/service.ts";
import { DestinationError, type TestResult } from "../destinations/contract.ts";
import { destinationFor, isDestinationType } from "../destinations/registry.ts";
import { ApiError, badRequest, invalidField, nestedFieldError } from "../http/errors.ts";

export interface TestInput {
  destination_type: string;
  destination_config: unknown;
  credential_id?: number | null;
  credential_data?: unknown;
}

/** A destination's field error, named with the request field it sits in ("destination_config.bucket"). */
function fieldError(prefix: string, err: unknown): never {
  if (err instanceof DestinationError) throw nestedFieldError(prefix, err);
  throw err;
}

/**
 * Checks that a destination is reachable with the given config and credential (saved or inline).
 * Bad input throws ApiError 400 naming the field; a failed connection is a result, not an error.
 */
export async function testDestination(ctx: AppContext, input: TestInput): Promise<TestResult> {
  if (!isDestinationType(input.destination_type)) throw invalidField("destination_type", "must be one of the types listed by GET /api/providers");
  const dest = destinationFor(input.destination_type);
  if (!dest.test) throw badRequest(`Connection tests for ${dest.name} are not available yet: its sync is not built in this version`);
  let config: Record<string, unknown> = {};
  try {
    config = dest.parseConfig(input.destination_config) as Record<string, unknown>;
  } catch (err) {
    fieldError("destination_config", err);
  }
  // The guard rails of a job's destination: a local test writes a probe file into the folder.
  dest.checkHostPaths?.(config, [], ctx.config, badRequest);
  let credential: Record<string, string> | null = null;
  let hooks = {};
  if (input.credential_data !== undefined && input.credential_data !== null) {
    credential = parseCredentialData(input.destination_type, input.credential_data);
  } else if (input.credential_id !== undefined && input.credential_id !== null) {
    let saved: ReturnType<typeof getCredential>;
    try {
      saved = getCredential(ctx.db, input.credential_id);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw invalidField("credential_id", `refers to no credential (${input.credential_id})`);
      throw err;
    }
    if (saved.provider_type !== input.destination_type) throw invalidField("credential_id", `is a ${saved.provider_type} credential, not ${input.destination_type}`);
    try {
      credential = openCredentialData(ctx.db, ctx.secret, input.credential_id);
      // A test refreshes tokens like a run does: a rotated refresh token must not be lost.
      hooks = credentialHooks(ctx.db, ctx.secret, input.credential_id);
    } catch (err) {
      return { success: false, message: (err as Error).message, details: null };
    }
  } else if (dest.capabilities.requires_credentials) {
    throw invalidField("credential_id", `or 'credential_data' is required for ${dest.name}`);
  }
  try {
    return await dest.test(config, credential, new AbortController().signal, { dataDir: ctx.config.dataDir, ...hooks });
  } catch (err) {
    // test() owns the one timeout (TEST_TIMEOUT_MS, destinations/remote.ts) and must not throw;
    // if one does, its words still beat a 500.
    return { success: false, message: err instanceof Error ? err.message : "Connection test failed", details: null };
  }
}
