// What several page routes need: the providers as the views see them, ids from the path, a
// not-found test and re-arming the scheduler. (The signed-in user and the theme come from
// `{ page: true }`, src/web/session.ts; form helpers are in src/web/forms.ts.)

import type { ProviderProps } from "../../../views/components/types.ts";
import { ENCRYPTION_CREDENTIAL_FIELDS, ENCRYPTION_CREDENTIAL_TYPE } from "../../destinations/crypt/credential.ts";
import { listDestinations } from "../../destinations/registry.ts";
import { ApiError } from "../../http/errors.ts";
import { parseId } from "../../http/params.ts";
import type { Services } from "../../services.ts";

export function providers(): ProviderProps[] {
  return listDestinations().map((d) => ({
    type: d.type,
    name: d.name,
    description: d.description,
    requires_credentials: d.capabilities.requires_credentials,
    configFields: d.configFields,
    credentialFields: d.credentialFields,
    sync_implemented: d.capabilities.sync_implemented,
  }));
}

/** The credential types the Credentials page offers: the destinations', and the encryption password. */
export function credentialTypes(): ProviderProps[] {
  return [
    ...providers(),
    {
      type: ENCRYPTION_CREDENTIAL_TYPE,
      name: "Encryption password",
      description: "The password of a job's client-side encryption (rclone crypt)",
      requires_credentials: true,
      configFields: [],
      credentialFields: ENCRYPTION_CREDENTIAL_FIELDS,
      sync_implemented: true,
    },
  ];
}

export function providerNames(): Record<string, string> {
  return Object.fromEntries(listDestinations().map((d) => [d.type, d.name]));
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

/** A path parameter as a positive id, or null (then the page answers 404): the API's own rule. */
export const idParam = parseId;

/** Tells the scheduler a job's schedules changed (the services may run without one in tests). */
export function rearm(services: Services, jobId?: number) {
  services.scheduler.rearm(jobId);
}
