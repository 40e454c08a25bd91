// The two OAuth providers as data: where their authorization, token and device endpoints are
// (read from the environment at each use, so tests and sovereign clouds can move them: SPEC
// "Google Drive and OneDrive"), which scopes a backup needs, and which destination type a token
// of theirs belongs to. oauth4webapi takes the endpoints as an AuthorizationServer object.
import type { AuthorizationServer } from "oauth4webapi";

export const OAUTH_PROVIDERS = ["google", "microsoft"] as const;
export type OAuthProviderName = (typeof OAUTH_PROVIDERS)[number];

export interface OAuthProvider {
  name: OAuthProviderName;
  /** In words, for messages ("Google", "Microsoft"). */
  label: string;
  /** The destination type whose credentials this provider issues. */
  credentialType: "google_drive" | "onedrive";
  server: AuthorizationServer;
  /** Scopes of the browser flow. */
  scopes: string;
  /** Scopes of the device flow: Google allows only `drive.file` for "TVs and Limited Input devices" clients. */
  deviceScopes: string;
  /** Extra authorization request parameters (Google gives a refresh token only with offline access and consent). */
  authorizeParams: Record<string, string>;
  /** true when the token and device endpoints are on this machine (the tests' fakes): oauth4webapi then allows plain http. */
  local: boolean;
}

const env = (name: string, fallback: string) => (process.env[name]?.trim() || fallback).replace(/\/+$/, "");

export const GOOGLE_SCOPE = "https://www.googleapis.com/auth/drive";
export const GOOGLE_DEVICE_SCOPE = "https://www.googleapis.com/auth/drive.file";
export const MICROSOFT_SCOPES = "Files.ReadWrite.All offline_access";

export function isOAuthProviderName(v: unknown): v is OAuthProviderName {
  return typeof v === "string" && (OAUTH_PROVIDERS as readonly string[]).includes(v);
}

/** The provider for a destination type's credential, or null for types without OAuth. */
export function providerForType(type: string): OAuthProviderName | null {
  return type === "google_drive" ? "google" : type === "onedrive" ? "microsoft" : null;
}

/** `tenant`: Microsoft only (default "common"); a tenant id, a domain, "organizations" or "consumers". */
export function oauthProvider(name: OAuthProviderName, tenant?: string | null): OAuthProvider {
  if (name === "google") {
    const oauth = env("DYNAMIGHT_GOOGLE_OAUTH_URL", "https://oauth2.googleapis.com");
    const accounts = env("DYNAMIGHT_GOOGLE_ACCOUNTS_URL", "https://accounts.google.com");
    const server: AuthorizationServer = {
      issuer: "https://accounts.google.com",
      authorization_endpoint: `${accounts}/o/oauth2/v2/auth`,
      token_endpoint: `${oauth}/token`,
      device_authorization_endpoint: `${oauth}/device/code`,
    };
    return {
      name,
      label: "Google",
      credentialType: "google_drive",
      server,
      scopes: GOOGLE_SCOPE,
      deviceScopes: GOOGLE_DEVICE_SCOPE,
      authorizeParams: { access_type: "offline", prompt: "consent", include_granted_scopes: "true" },
      local: allLocal(server),
    };
  }
  const login = env("DYNAMIGHT_MS_LOGIN_URL", "https://login.microsoftonline.com");
  const t = encodeURIComponent(tenant?.trim() || "common");
  const server: AuthorizationServer = {
    issuer: `${login}/${t}/v2.0`,
    authorization_endpoint: `${login}/${t}/oauth2/v2.0/authorize`,
    token_endpoint: `${login}/${t}/oauth2/v2.0/token`,
    device_authorization_endpoint: `${login}/${t}/oauth2/v2.0/devicecode`,
  };
  return {
    name,
    label: "Microsoft",
    credentialType: "onedrive",
    server,
    scopes: MICROSOFT_SCOPES,
    deviceScopes: MICROSOFT_SCOPES,
    authorizeParams: { response_mode: "query", prompt: "select_account" },
    local: allLocal(server),
  };
}

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** Plain http is allowed only to this machine (the fakes); anywhere else oauth4webapi insists on
 *  https. Only the endpoints oauth4webapi calls count (the browser opens the authorization one). */
function allLocal(server: AuthorizationServer): boolean {
  return [server.token_endpoint, server.device_authorization_endpoint].every((u) => {
    if (!u) return true;
    try {
      return LOCAL_HOSTS.has(new URL(u).hostname);
    } catch {
      return false;
    }
  });
}
