// What many page routes need: the providers as the views see them, and turning a service's
// ApiError into words on the page. (The signed-in user and the theme come from `{ page: true }`,
// src/web/session.ts.)
import { ApiError } from "../../http/errors.ts";
import { parseId } from "../../http/params.ts";
import { listDestinations } from "../../providers/registry.ts";
import type { ProviderProps } from "../../../views/components/types.ts";
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

export function providerNames(): Record<string, string> {
  return Object.fromEntries(listDestinations().map((d) => [d.type, d.name]));
}

/** The contract's message of an ApiError (what a user should read); anything else is rethrown. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) {
    const jobs = (err.extra as { jobs?: unknown }).jobs;
    // A 409 "in use" names the jobs: show them, as the API reference's body does.
    if (Array.isArray(jobs) && jobs.length) return `${err.message}: ${jobs.map(String).join(", ")}`;
    return err.message;
  }
  throw err;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

/** A path parameter as a positive id, or null (then the page answers 404): the API's own rule. */
export const idParam = parseId;

/** Form bodies arrive as an object of strings (the app's parser); anything else reads as empty. */
export function formOf(body: unknown): Record<string, string> {
  if (!body || typeof body !== "object" || Array.isArray(body)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}

/** Tells the scheduler a job's schedules changed (the services may run without one in tests). */
export function rearm(services: Services, jobId?: number) {
  services.scheduler.rearm(jobId);
}
