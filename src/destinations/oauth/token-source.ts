// The access token a Drive or OneDrive store sends, kept alive for as long as the run lasts.
// The bugs this exists to avoid: a refresh token stored but never used (runs die after an hour),
// a rotated refresh token used but not saved (Microsoft rotates: the next run is locked out), and
// `invalid_grant` reported as a bare 400. So: refresh 60 s before expiry and once on a 401, one
// refresh at a time however many uploads ask, every new token saved (sealed, by the caller's
// `save`) BEFORE it is handed out, and invalid_grant turned into "reconnect" plus a flag.
import * as oauth from "oauth4webapi";
import { DestinationError } from "../contract.ts";
import { clientAuth, oauthClient, oauthErrorCode, RECONNECT_MESSAGE, requestOptions, tokenError } from "./client.ts";
import { type OAuthCredential, readOAuthCredential, writeOAuthCredential } from "./credential.ts";
import { type OAuthProvider, type OAuthProviderName, oauthProvider } from "./providers.ts";

/** What a store uses to authenticate its requests. */
export interface TokenSource {
  /** A token valid for at least REFRESH_MARGIN_MS more (refreshed and saved first when needed). */
  accessToken(signal: AbortSignal): Promise<string>;
  /**
   * The provider answered 401 to `token`: the next accessToken() refreshes (once, however many
   * requests saw the same 401). The store retries its request once with the new token.
   */
  invalidate(token?: string): void;
}

/** Where refreshed tokens go and who hears that the grant is gone (StoreEnv's hooks). */
export interface TokenSink {
  /** Seals and saves the credential's new data; resolves once it is stored. */
  save?(data: Record<string, string>): Promise<void>;
  /** invalid_grant: mark the credential needs_reconnect and tell a person. */
  reconnectNeeded?(message: string): void;
}

export const REFRESH_MARGIN_MS = 60_000;

export class OAuthTokenSource implements TokenSource {
  private cred: OAuthCredential;
  private refreshing: Promise<string> | null = null;
  private stale: string | null = null;
  private readonly provider: OAuthProvider;
  /** Set once invalid_grant was seen: every later call fails the same way without asking again. */
  private revoked: DestinationError | null = null;

  constructor(
    providerName: OAuthProviderName,
    data: Record<string, string>,
    private readonly sink: TokenSink = {},
    private readonly now: () => number = Date.now,
  ) {
    this.cred = readOAuthCredential(data);
    this.provider = oauthProvider(providerName, this.cred.tenant);
  }

  async accessToken(signal: AbortSignal): Promise<string> {
    if (this.revoked) throw this.revoked;
    const token = this.cred.access_token;
    const fresh = token && token !== this.stale && (this.cred.expires_at === undefined || this.cred.expires_at * 1000 - REFRESH_MARGIN_MS > this.now());
    if (fresh) return token;
    this.refreshing ??= this.refresh(signal).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  invalidate(token?: string): void {
    const current = this.cred.access_token ?? null;
    // A 401 for a token already replaced says nothing about the new one.
    if (token === undefined || token === current) this.stale = current;
  }

  private async refresh(signal: AbortSignal): Promise<string> {
    const { client_id, client_secret, refresh_token } = this.cred;
    if (!client_id) {
      throw new DestinationError(
        "config",
        `The access token has expired and the credential has no client_id to refresh it with: edit the credential and add the ${this.provider.label} client ID (and secret)`,
        {
          field: "client_id",
          problem: "is required to refresh the access token",
        },
      );
    }
    let res: oauth.TokenEndpointResponse;
    const client = oauthClient(client_id);
    try {
      const response = await oauth.refreshTokenGrantRequest(this.provider.server, client, clientAuth(client_secret), refresh_token, requestOptions(this.provider, signal));
      res = await oauth.processRefreshTokenResponse(this.provider.server, client, response);
    } catch (err) {
      if (oauthErrorCode(err) === "invalid_grant") {
        this.revoked = new DestinationError("auth", RECONNECT_MESSAGE, { cause: err });
        this.sink.reconnectNeeded?.(RECONNECT_MESSAGE);
        throw this.revoked;
      }
      if (signal.aborted) throw new DestinationError("cancelled", "Cancelled", { cause: err });
      throw tokenError(err, this.provider, "to refresh the access token");
    }
    const next: OAuthCredential = {
      ...this.cred,
      access_token: res.access_token,
      // A provider that does not rotate sends none back: the old one stays valid.
      refresh_token: res.refresh_token || refresh_token,
      expires_at: typeof res.expires_in === "number" ? Math.floor(this.now() / 1000) + res.expires_in : undefined,
    };
    // Saved before use: if the process dies right after, the next run has the rotated token.
    if (this.sink.save) await this.sink.save(writeOAuthCredential(next));
    this.cred = next;
    this.stale = null;
    return res.access_token;
  }
}
