// What a Google Drive or OneDrive credential holds, and the one parser for every way it arrives:
// the seed's `{access_token, refresh_token, expires_at}` (plus client_id, client_secret, tenant),
// the JSON `rclone authorize` prints (`access_token, token_type, refresh_token, expiry`), given
// as its fields or pasted whole into `token`, and what our own flows and refreshes save.
// Stored form: strings only (the Destination contract), expires_at in Unix seconds.
import { DestinationError, type FieldSpec, fieldError } from "../contract.ts";

export interface OAuthCredential {
  access_token?: string;
  refresh_token: string;
  /** Unix seconds; absent: unknown (the token is used until a 401 says otherwise). */
  expires_at?: number;
  client_id?: string;
  client_secret?: string;
  tenant?: string;
}

/** Tokens are opaque and Microsoft's run to a few KiB; this only keeps junk out. */
const MAX_TOKEN = 16 * 1024;

export function oauthCredentialFields(provider: "google" | "microsoft"): FieldSpec[] {
  const fields: FieldSpec[] = [
    {
      name: "client_id",
      label: "Client ID",
      type: "string",
      required: false,
      help:
        provider === "google" ? "The OAuth client of your Google Cloud project (needed to refresh tokens)" : "The Application (client) ID of your Azure app registration (needed to refresh tokens)",
    },
    {
      name: "client_secret",
      label: "Client secret",
      type: "password",
      required: false,
      secret: true,
      help: provider === "google" ? "Google requires it for Desktop and TV clients too" : "Leave empty for a public client (mobile and desktop platform)",
    },
  ];
  if (provider === "microsoft") fields.push({ name: "tenant", label: "Tenant", type: "string", required: false, default: null, help: "common (default), organizations, consumers, or your tenant ID" });
  fields.push(
    { name: "access_token", label: "Access token", type: "password", required: false, secret: true },
    { name: "refresh_token", label: "Refresh token", type: "password", required: false, secret: true, help: "Required, unless pasted in the token JSON" },
    { name: "expires_at", label: "Expires at (Unix seconds)", type: "integer", required: false },
    {
      name: "token",
      label: "Token JSON (rclone authorize)",
      type: "text",
      required: false,
      secret: true,
      help: `Paste what \`rclone authorize "${provider === "google" ? "drive" : "onedrive"}"\` prints`,
    },
  );
  return fields;
}

/** rclone's token fields, accepted at the top level as well as inside `token`. */
const RCLONE_KEYS = ["token_type", "expiry"];

/** Parses credential data from any of the accepted shapes; errors name the field (DestinationError "config"). */
export function parseOAuthCredential(raw: unknown, provider: "google" | "microsoft", typeName: string): Record<string, string> {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new DestinationError("config", "must be an object");
  const input = raw as Record<string, unknown>;
  const known = new Set([...oauthCredentialFields(provider).map((f) => f.name), ...RCLONE_KEYS]);
  for (const key of Object.keys(input)) if (!known.has(key)) throw fieldError(key, `is not a setting of ${typeName}`);

  let fields: Record<string, unknown> = { ...input };
  let from = "";
  if (input.token !== undefined && input.token !== null && input.token !== "") {
    const pasted = pastedToken(input.token);
    delete fields.token;
    // The pasted token's values replace the fields'; the client settings stay as given.
    fields = { ...fields, ...pasted };
    from = "token.";
  }
  const out: Record<string, string> = {};
  for (const key of ["client_id", "client_secret", "tenant", "access_token", "refresh_token"]) {
    const v = fields[key];
    if (v === undefined || v === null || v === "") continue;
    if (typeof v !== "string") throw fieldError(`${key in input ? "" : from}${key}`, "must be a string");
    if (v.length > MAX_TOKEN) throw fieldError(key, `must be at most ${MAX_TOKEN} characters`);
    out[key] = key === "client_id" || key === "tenant" ? v.trim() : v;
  }
  if (provider === "google") delete out.tenant;
  if (!out.refresh_token) {
    throw fieldError(
      `${from}refresh_token`,
      from ? "is missing from the pasted token: paste the whole JSON rclone authorize prints" : "is required (connect in the browser, use a device code, or paste the token rclone authorize prints)",
    );
  }
  const tokenType = fields.token_type;
  if (tokenType !== undefined && tokenType !== null && tokenType !== "" && String(tokenType).toLowerCase() !== "bearer") throw fieldError(`${from}token_type`, "must be Bearer");
  const expiresAt = expirySeconds(fields.expires_at, fields.expiry, from);
  if (expiresAt !== null) out.expires_at = String(expiresAt);
  return out;
}

function pastedToken(v: unknown): Record<string, unknown> {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  if (typeof v !== "string") throw fieldError("token", "must be the JSON text that rclone authorize prints");
  // rclone prints the token between arrows; accept a paste that kept them or the whole line.
  const start = v.indexOf("{");
  const end = v.lastIndexOf("}");
  let parsed: unknown;
  try {
    parsed = JSON.parse(start >= 0 && end > start ? v.slice(start, end + 1) : v);
  } catch {
    throw fieldError("token", "is not JSON: paste the {...} that rclone authorize prints");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw fieldError("token", "is not a JSON object: paste the {...} that rclone authorize prints");
  return parsed as Record<string, unknown>;
}

/** expires_at (Unix seconds, number or digits) or rclone's expiry (RFC 3339) → Unix seconds, or null when neither. */
function expirySeconds(expiresAt: unknown, expiry: unknown, from: string): number | null {
  if (expiresAt !== undefined && expiresAt !== null && expiresAt !== "") {
    const n = typeof expiresAt === "string" && /^\d+$/.test(expiresAt.trim()) ? Number(expiresAt) : expiresAt;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) throw fieldError("expires_at", "must be a whole number of seconds since 1970");
    return n;
  }
  if (expiry !== undefined && expiry !== null && expiry !== "") {
    const t = typeof expiry === "string" ? Date.parse(expiry) : Number.NaN;
    if (Number.isNaN(t)) throw fieldError(`${from}expiry`, "must be a date and time such as 2026-12-01T12:00:00Z");
    // rclone writes the zero time for "unknown".
    return t <= 0 ? null : Math.floor(t / 1000);
  }
  return null;
}

/** The stored strings as typed values. */
export function readOAuthCredential(data: Record<string, string>): OAuthCredential {
  const n = data.expires_at ? Number(data.expires_at) : Number.NaN;
  return {
    access_token: data.access_token || undefined,
    refresh_token: data.refresh_token ?? "",
    expires_at: Number.isFinite(n) ? n : undefined,
    client_id: data.client_id || undefined,
    client_secret: data.client_secret || undefined,
    tenant: data.tenant || undefined,
  };
}

export function writeOAuthCredential(c: OAuthCredential): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) if (v !== undefined && v !== null && v !== "") out[k] = String(v);
  return out;
}
