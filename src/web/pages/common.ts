// What every page route needs: the signed-in user (or a trip to /login), the theme, the
// providers as the views see them, and turning a service's ApiError into words on the page.
import type { AppContext } from "../../context.ts";
import { ApiError } from "../../http/errors.ts";
import { parseId } from "../../http/params.ts";
import { listDestinations } from "../../providers/registry.ts";
import { getSettings } from "../../settings/service.ts";
import type { ProviderProps } from "../../../views/components/types.ts";
import { touchSession } from "../../auth/sessions.ts";
import { pageSessionDetails } from "../session.ts";
import { redirect } from "../html.ts";
import type { Services } from "../../services.ts";

export interface PageUser {
  id: number;
  username: string;
}

export interface PageCtx {
  user: PageUser;
  theme: "light" | "dark" | "system";
}

/** The signed-in user and theme, or the response that sends the browser to the login page. */
export async function requirePage(ctx: AppContext, request: Request): Promise<PageCtx | Response> {
  const s = await pageSessionDetails(ctx, request);
  if (!s) return redirect("/login", request);
  touchSession(ctx.db, s.sessionId);
  return { user: { id: s.user.id, username: s.user.username }, theme: getSettings(ctx.db).theme };
}

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

/** The field an ApiError names (for the form to mark), or null. */
export function fieldOf(err: unknown): string | null {
  return err instanceof ApiError ? (err.field ?? null) : null;
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

export function isHtmx(request: Request): boolean {
  return request.headers.get("hx-request") === "true";
}

/** Tells the scheduler a job's schedules changed (the services may run without one in tests). */
export function rearm(services: Services, jobId?: number) {
  services.scheduler.rearm(jobId);
}
