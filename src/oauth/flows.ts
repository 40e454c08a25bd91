// The two interactive ways to get tokens (SPEC "Google Drive and OneDrive"): the authorization
// code flow with PKCE and state, and the device authorization grant, whose polling runs here on
// the server (honouring interval and slow_down) so a page only asks how it went. Pending states
// and device flows live in memory: they last minutes, and a restart simply means "start again".
// Domain only: what to do with the tokens is the caller's `save` (credentials, sealed).
import { randomBytes } from "node:crypto";
import * as oauth from "oauth4webapi";
import { clientAuth, oauthClient, oauthErrorCode, requestOptions, tokenError } from "../destinations/oauth/client.ts";
import { type OAuthProvider, type OAuthProviderName, oauthProvider } from "../destinations/oauth/providers.ts";

/** Who is connecting: the new credential's name or the one being reconnected, and the client. */
export interface ConnectInput {
  provider: OAuthProviderName;
  name: string;
  client_id: string;
  client_secret?: string;
  tenant?: string;
  /** Reconnect: replace this credential's tokens (clears needs_reconnect) instead of creating one. */
  credential_id?: number;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  /** Unix seconds */
  expires_at: number | null;
}

/** Saves the tokens (a new credential or the one reconnected) and answers its id. */
export type SaveTokens = (input: ConnectInput, tokens: Tokens) => Promise<number> | number;

export class FlowError extends Error {
  constructor(
    readonly kind: "bad_state" | "provider" | "not_found",
    message: string,
  ) {
    super(message);
  }
}

export const STATE_TTL_MS = 10 * 60_000;
/** How long a finished device flow can still be asked about. */
const DONE_TTL_MS = 15 * 60_000;

interface PendingAuthorization {
  input: ConnectInput;
  verifier: string;
  redirectUri: string;
  expiresAt: number;
}

/** SPEC's four; any other failure (a refused client, no refresh token) is "denied" with the provider's words in `message`. */
export type DeviceStatus = "pending" | "done" | "expired" | "denied";

interface DeviceFlow {
  input: ConnectInput;
  status: DeviceStatus;
  credentialId?: number;
  message?: string;
  expiresAt: number;
  timer: ReturnType<typeof setTimeout> | null;
  abort: AbortController;
}

export interface DeviceStart {
  flow_id: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval: number;
}

export class OAuthFlows {
  private pending = new Map<string, PendingAuthorization>();
  private devices = new Map<string, DeviceFlow>();
  private stopped = false;

  constructor(
    private readonly save: SaveTokens,
    private readonly now: () => number = Date.now,
  ) {}

  /** The provider's authorization URL for the browser; the state is single-use and expires in 10 min. */
  async start(input: ConnectInput, redirectUri: string): Promise<string> {
    this.sweep();
    const provider = oauthProvider(input.provider, input.tenant);
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    this.pending.set(state, { input, verifier, redirectUri, expiresAt: this.now() + STATE_TTL_MS });
    const url = new URL(provider.server.authorization_endpoint!);
    const params: Record<string, string> = {
      response_type: "code",
      client_id: input.client_id,
      redirect_uri: redirectUri,
      scope: provider.scopes,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      ...provider.authorizeParams,
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.toString();
  }

  /**
   * The provider's redirect back: the state is taken (so a replay finds nothing), the code
   * exchanged with the PKCE verifier, the tokens saved. Answers the credential id.
   */
  async callback(params: URLSearchParams): Promise<number> {
    this.sweep();
    const state = params.get("state") ?? "";
    const entry = state ? this.pending.get(state) : undefined;
    if (!entry) throw new FlowError("bad_state", "Unknown, used or expired state: start the connection again from the credentials page");
    this.pending.delete(state);
    if (entry.expiresAt <= this.now()) throw new FlowError("bad_state", "The connection attempt expired (10 minutes): start it again from the credentials page");
    const provider = oauthProvider(entry.input.provider, entry.input.tenant);
    const client = oauthClient(entry.input.client_id);
    let checked: URLSearchParams;
    try {
      checked = oauth.validateAuthResponse(provider.server, client, params, state);
    } catch (err) {
      const e = err as { error?: string; error_description?: string; message?: string };
      throw new FlowError("provider", `${provider.label} did not authorize: ${e.error ?? e.message}${e.error_description ? ` (${e.error_description})` : ""}`);
    }
    let res: oauth.TokenEndpointResponse;
    try {
      const response = await oauth.authorizationCodeGrantRequest(
        provider.server,
        client,
        clientAuth(entry.input.client_secret),
        checked,
        entry.redirectUri,
        entry.verifier,
        requestOptions(provider, AbortSignal.timeout(30_000)),
      );
      res = await oauth.processAuthorizationCodeResponse(provider.server, client, response);
    } catch (err) {
      throw new FlowError("provider", tokenError(err, provider, "the authorization code").message);
    }
    return this.save(entry.input, tokensOf(res, provider, this.now()));
  }

  /** Asks the provider for a device code and polls its token endpoint in the background. */
  async startDevice(input: ConnectInput): Promise<DeviceStart> {
    this.sweep();
    const provider = oauthProvider(input.provider, input.tenant);
    const client = oauthClient(input.client_id);
    let res: oauth.DeviceAuthorizationResponse;
    try {
      const response = await oauth.deviceAuthorizationRequest(
        provider.server,
        client,
        clientAuth(input.client_secret),
        { scope: provider.deviceScopes },
        requestOptions(provider, AbortSignal.timeout(30_000)),
      );
      res = await oauth.processDeviceAuthorizationResponse(provider.server, client, response);
    } catch (err) {
      throw new FlowError("provider", tokenError(err, provider, "a device code").message);
    }
    const id = randomBytes(16).toString("hex");
    // RFC 8628 3.2: 5 s when the provider does not say.
    const interval = Math.max(1, res.interval ?? 5);
    const flow: DeviceFlow = { input, status: "pending", expiresAt: this.now() + res.expires_in * 1000, timer: null, abort: new AbortController() };
    this.devices.set(id, flow);
    this.poll(flow, provider, res.device_code, interval);
    return {
      flow_id: id,
      user_code: res.user_code,
      verification_uri: res.verification_uri,
      verification_uri_complete: res.verification_uri_complete,
      expires_in: res.expires_in,
      interval,
    };
  }

  device(id: string): { status: DeviceStatus; credential_id?: number; message?: string } {
    const flow = this.devices.get(id);
    if (!flow) throw new FlowError("not_found", "No such device flow (they are kept 15 minutes after they end)");
    return { status: flow.status, ...(flow.credentialId !== undefined ? { credential_id: flow.credentialId } : {}), ...(flow.message ? { message: flow.message } : {}) };
  }

  private poll(flow: DeviceFlow, provider: OAuthProvider, deviceCode: string, intervalS: number) {
    if (this.stopped) return;
    flow.timer = setTimeout(async () => {
      flow.timer = null;
      if (this.stopped) return;
      if (this.now() >= flow.expiresAt) return this.finish(flow, "expired", "The code expired before it was approved: start again");
      const client = oauthClient(flow.input.client_id);
      try {
        const response = await oauth.deviceCodeGrantRequest(provider.server, client, clientAuth(flow.input.client_secret), deviceCode, requestOptions(provider, flow.abort.signal));
        const res = await oauth.processDeviceCodeResponse(provider.server, client, response);
        const id = await this.save(flow.input, tokensOf(res, provider, this.now()));
        flow.credentialId = id;
        this.finish(flow, "done");
      } catch (err) {
        if (this.stopped) return;
        const code = oauthErrorCode(err);
        if (code === "authorization_pending") return this.poll(flow, provider, deviceCode, intervalS);
        // RFC 8628 3.5: slow_down adds 5 s to the interval, for this and every later request.
        if (code === "slow_down") return this.poll(flow, provider, deviceCode, intervalS + 5);
        if (code === "access_denied" || code === "authorization_declined") return this.finish(flow, "denied", "The request was denied at the provider");
        if (code === "expired_token" || code === "code_expired") return this.finish(flow, "expired", "The code expired before it was approved: start again");
        const e = tokenError(err, provider, "the device code");
        // A network hiccup is worth another try while the code lives.
        if (e.kind === "transient" || e.kind === "unavailable") return this.poll(flow, provider, deviceCode, intervalS);
        this.finish(flow, "denied", err instanceof FlowError ? err.message : e.message);
      }
    }, intervalS * 1000);
    flow.timer.unref?.();
  }

  private finish(flow: DeviceFlow, status: DeviceStatus, message?: string) {
    flow.status = status;
    flow.message = message;
    flow.expiresAt = this.now() + DONE_TTL_MS;
  }

  /** Forgets expired states and old device flows. */
  private sweep() {
    const now = this.now();
    for (const [k, v] of this.pending) if (v.expiresAt <= now) this.pending.delete(k);
    for (const [k, v] of this.devices) {
      // A pending flow ends itself (expired) when its code does; a finished one is kept a while.
      if (v.status === "pending" || now < v.expiresAt) continue;
      this.devices.delete(k);
    }
  }

  stop() {
    this.stopped = true;
    for (const f of this.devices.values()) {
      if (f.timer) clearTimeout(f.timer);
      f.abort.abort();
    }
  }
}

function tokensOf(res: oauth.TokenEndpointResponse, provider: OAuthProvider, now: number): Tokens {
  if (!res.refresh_token) {
    throw new FlowError(
      "provider",
      provider.name === "google"
        ? "Google sent no refresh token (it sends one only at the first consent): remove the app's access at myaccount.google.com/permissions and connect again"
        : "Microsoft sent no refresh token: the app registration must allow the offline_access scope",
    );
  }
  return { access_token: res.access_token, refresh_token: res.refresh_token, expires_at: typeof res.expires_in === "number" ? Math.floor(now / 1000) + res.expires_in : null };
}
