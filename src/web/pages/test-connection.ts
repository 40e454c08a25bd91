// "Test connection" in the job editor: the same check as POST /api/providers/test, with input
// errors shown as a failed test instead of a 400 page.
import type { AppContext } from "../../context.ts";
import { ApiError } from "../../http/errors.ts";
import type { JobInput } from "../../jobs/service.ts";
import { destinationFor, isDestinationType } from "../../providers/registry.ts";
import { testDestination } from "../../providers/service.ts";

export async function testConnection(ctx: AppContext, input: JobInput): Promise<{ success: boolean; message: string }> {
  // The editor offers only saved credentials: say what to do rather than name API fields.
  if (!input.credential_id && isDestinationType(input.destination_type)) {
    const dest = destinationFor(input.destination_type);
    if (dest.capabilities.requires_credentials) return { success: false, message: `Choose a saved credential to test ${dest.name}` };
  }
  try {
    const r = await testDestination(ctx, { ...input, credential_data: undefined });
    return { success: r.success, message: r.message };
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) return { success: false, message: err.message };
    throw err;
  }
}
