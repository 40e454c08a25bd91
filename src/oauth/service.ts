// Glue between the OAuth flows and the rest of the app: who is connecting (a new credential or
// one to reconnect, its stored client settings), where the provider must redirect to, and
// saving the tokens as a sealed credential (which clears needs_reconnect on a reconnect).
import type { AppContext } from "../context.ts";
import { createCredential, getCredential, openCredentialData, updateCredential } from "../credentials/service.ts";
import { type OAuthProviderName, providerForType } from "../destinations/oauth/providers.ts";
import { ApiError, badRequest, invalidField, notFound } from "../http/errors.ts";
import { getSettings } from "../settings/service.ts";
import { type ConnectInput, FlowError, OAuthFlows, type Tokens } from "./flows.ts";

export const CALLBACK_PATH = "/api/oauth/callback";

export function providerName(param: string): OAuthProviderName {
  return param === "google" || param === "google_drive" ? "google" : "microsoft";
}

const typeOf = (p: OAuthProviderName) => (p === "google" ? "google_drive" : "onedrive");

export interface ConnectBody {
  name?: string;
  client_id?: string;
  client_secret?: string;
  tenant?: string;
  credential_id?: number;
}

/** The flow's input: the body, completed from the credential being reconnected. 400 naming the field. */
export function connectInput(ctx: AppContext, provider: OAuthProviderName, body: ConnectBody): ConnectInput {
  let stored: Record<string, string> = {};
  let name = body.name?.trim() ?? "";
  if (body.credential_id !== undefined) {
    let view: ReturnType<typeof getCredential>;
    try {
      view = getCredential(ctx.db, body.credential_id);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) throw invalidField("credential_id", `refers to no credential (${body.credential_id})`);
      throw err;
    }
    if (providerForType(view.provider_type) !== provider) throw invalidField("credential_id", `is a ${view.provider_type} credential, not ${typeOf(provider)}`);
    try {
      stored = openCredentialData(ctx.db, ctx.secret, body.credential_id);
    } catch {
      stored = {};
    }
    name ||= view.name;
  }
  if (!name) throw invalidField("name", "is required");
  const client_id = body.client_id?.trim() || stored.client_id;
  if (!client_id) throw invalidField("client_id", "is required");
  const client_secret = body.client_secret || (body.client_id ? undefined : stored.client_secret);
  const tenant = provider === "microsoft" ? body.tenant?.trim() || stored.tenant || undefined : undefined;
  return { provider, name, client_id, client_secret, tenant, credential_id: body.credential_id };
}

/** public_url (Settings) when set, else the origin the request came to, + /api/oauth/callback. */
export function redirectUri(ctx: AppContext, request: Request): string {
  const base = getSettings(ctx.db).public_url?.replace(/\/+$/, "") || new URL(request.url).origin;
  return `${base}${CALLBACK_PATH}`;
}

/** Saves the tokens with the client settings: a new credential, or new data on the reconnected one. */
export function saveTokens(ctx: AppContext, input: ConnectInput, tokens: Tokens): number {
  const data: Record<string, string> = { client_id: input.client_id, access_token: tokens.access_token, refresh_token: tokens.refresh_token };
  if (tokens.expires_at !== null) data.expires_at = String(tokens.expires_at);
  if (input.client_secret) data.client_secret = input.client_secret;
  if (input.tenant) data.tenant = input.tenant;
  if (input.credential_id !== undefined) return updateCredential(ctx.db, ctx.secret, input.credential_id, { data }).id;
  return createCredential(ctx.db, ctx.secret, { name: input.name, provider_type: typeOf(input.provider), data }).id;
}

export function createFlows(ctx: AppContext): OAuthFlows {
  return new OAuthFlows((input, tokens) => saveTokens(ctx, input, tokens));
}

/** A flow's failure as the API's error. */
export function flowError(err: unknown): never {
  if (err instanceof FlowError) throw err.kind === "not_found" ? notFound(err.message) : badRequest(err.message);
  throw err;
}
