// What every oauth4webapi call here shares: the client and its authentication, the request
// options (plain http only to this machine, the abort signal, Google's device response spelled
// the RFC's way), and the provider's errors in the destination vocabulary.
import * as oauth from "oauth4webapi";
import { DestinationError, transientError } from "../contract.ts";
import { parseRetryAfter } from "../engine/retry.ts";
import type { OAuthProvider } from "./providers.ts";

export function oauthClient(clientId: string): oauth.Client {
  return { client_id: clientId };
}

/** Google web and desktop clients have a secret (sent in the body, as Google documents); Microsoft public clients have none. */
export function clientAuth(secret: string | undefined | null): oauth.ClientAuth {
  return secret ? oauth.ClientSecretPost(secret) : oauth.None();
}

export function requestOptions(provider: OAuthProvider, signal?: AbortSignal): oauth.TokenEndpointRequestOptions & oauth.DeviceAuthorizationRequestOptions {
  return {
    signal,
    [oauth.allowInsecureRequests]: provider.local,
    [oauth.customFetch]: provider.name === "google" ? googleFetch : fetch,
  };
}

/** Google's device endpoint answers `verification_url` where RFC 8628 (and oauth4webapi) say `verification_uri`. */
const googleFetch: typeof fetch = Object.assign(
  async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const res = await fetch(input, init);
    if (!String(input instanceof Request ? input.url : input).endsWith("/device/code") || !res.ok) return res;
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (body && body.verification_uri === undefined && typeof body.verification_url === "string") body.verification_uri = body.verification_url;
    return new Response(JSON.stringify(body), { status: res.status, headers: { "content-type": "application/json" } });
  },
  { preconnect: fetch.preconnect },
);

export const RECONNECT_MESSAGE = "authorization expired or was revoked: reconnect the credential";

/** The OAuth error code of a token endpoint answer (invalid_grant, authorization_pending, ...), or null. */
export function oauthErrorCode(err: unknown): string | null {
  return err instanceof oauth.ResponseBodyError ? err.error : null;
}

/** A token endpoint failure in words, with the provider's own description; invalid_grant is handled by the caller. */
export function tokenError(err: unknown, provider: OAuthProvider, what: string): DestinationError {
  if (err instanceof DestinationError) return err;
  if (err instanceof oauth.ResponseBodyError) {
    const words = `${provider.label} refused ${what}: ${err.error}${err.error_description ? ` (${err.error_description})` : ""}`;
    if (err.status === 429 || err.status >= 500) return transientError(words, null, err);
    if (err.error === "invalid_client" || err.error === "unauthorized_client") return new DestinationError("auth", `${words}: check the client ID and secret`, { cause: err });
    return new DestinationError("auth", words, { cause: err });
  }
  if (err instanceof oauth.OperationProcessingError && err.cause instanceof Response) {
    const status = err.cause.status;
    if (status === 429 || status >= 500) return transientError(`${provider.label}'s token endpoint answered ${status}`, parseRetryAfter(err.cause.headers.get("retry-after")), err);
    return new DestinationError("failed", `${provider.label} answered ${what} with HTTP ${status}`, { cause: err });
  }
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "AbortError" || e?.name === "TimeoutError") return new DestinationError("cancelled", "Cancelled", { cause: err });
  const msg = `${e?.message ?? err} ${e?.code ?? ""} ${e?.cause?.code ?? ""} ${e?.cause?.message ?? ""}`;
  if (/ECONNREFUSED|ConnectionRefused|ENOTFOUND|EAI_AGAIN|Unable to connect/i.test(msg)) {
    return new DestinationError("unavailable", `Cannot reach ${provider.label}'s token endpoint ${hostOf(provider.server.token_endpoint)}`, { cause: err });
  }
  if (/ECONNRESET|socket|timed? ?out|closed/i.test(msg)) return transientError(`${provider.label}'s token endpoint did not answer (${e?.message ?? err})`, null, err);
  if (err instanceof oauth.OperationProcessingError) return new DestinationError("failed", `${provider.label} answered ${what} unexpectedly: ${err.message}`, { cause: err });
  return new DestinationError("failed", `${what} failed: ${e?.message ?? String(err)}`, { cause: err });
}

function hostOf(url: string | undefined): string {
  try {
    return new URL(url ?? "").host;
  } catch {
    return String(url);
  }
}
