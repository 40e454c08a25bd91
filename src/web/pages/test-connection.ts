// "Test connection" in the job editor: the same steps as POST /api/providers/test (parse the
// config, open the chosen saved credential, call the destination's test within a timeout).
import type { AppContext } from "../../context.ts";
import { getCredential, openCredentialData } from "../../credentials/service.ts";
import { badRequest } from "../../http/errors.ts";
import type { JobInput } from "../../jobs/service.ts";
import { TEST_TIMEOUT_MS } from "../../providers/routes.ts";
import { destinationFor, isDestinationType } from "../../providers/registry.ts";
import { DestinationError } from "../../providers/types.ts";

export async function testConnection(ctx: AppContext, input: JobInput): Promise<{ success: boolean; message: string }> {
  if (!isDestinationType(input.destination_type)) throw badRequest("Field 'destination_type' must be one of the types listed by GET /api/providers");
  const dest = destinationFor(input.destination_type);
  if (!dest.test) return { success: false, message: `Connection tests for ${dest.name} are not available yet: its sync is not built in this version` };
  let config: Record<string, unknown>;
  try {
    config = dest.parseConfig(input.destination_config) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof DestinationError) return { success: false, message: err.message };
    throw err;
  }
  let credential: Record<string, string> | null = null;
  if (input.credential_id) {
    const cred = getCredential(ctx.db, input.credential_id);
    if (cred.provider_type !== input.destination_type) return { success: false, message: `The chosen credential is for ${cred.provider_type}, not ${input.destination_type}` };
    try {
      credential = openCredentialData(ctx.db, ctx.secret, input.credential_id);
    } catch (err) {
      return { success: false, message: (err as Error).message };
    }
  } else if (dest.capabilities.requires_credentials) {
    return { success: false, message: `Choose a saved credential to test ${dest.name}` };
  }
  try {
    const r = await dest.test(config!, credential, AbortSignal.timeout(TEST_TIMEOUT_MS));
    return { success: r.success, message: r.message };
  } catch (err) {
    return { success: false, message: err instanceof Error ? err.message : "Connection test failed" };
  }
}
