// Request and response schemas of the OAuth connection API (validation and OpenAPI).
import { t } from "elysia";

export const ProviderParams = t.Object({
  provider: t.Union([t.Literal("google"), t.Literal("microsoft"), t.Literal("google_drive"), t.Literal("onedrive")], {
    description: "google (Google Drive) or microsoft (OneDrive); the destination type names work too",
    error: "must be google or microsoft",
  }),
});

export const ConnectBody = t.Object(
  {
    name: t.Optional(t.String({ minLength: 1, maxLength: 200, description: "the new credential's name (required unless credential_id)" })),
    client_id: t.Optional(t.String({ minLength: 1, maxLength: 1024, description: "the OAuth client ID (required unless credential_id has one)" })),
    client_secret: t.Optional(t.String({ maxLength: 1024, description: "Google: the client secret; Microsoft: only for confidential clients" })),
    tenant: t.Optional(t.String({ maxLength: 200, description: "Microsoft only: common (default), organizations, consumers or a tenant ID" })),
    credential_id: t.Optional(t.Integer({ minimum: 1, description: "reconnect: replace this credential's tokens (clears needs_reconnect)" })),
  },
  { examples: [{ name: "My Drive", client_id: "1234-abc.apps.googleusercontent.com", client_secret: "GOCSPX-..." }] },
);

export const StartResponse = t.Object({
  authorize_url: t.String({ description: "open this in the browser; the provider redirects to redirect_uri" }),
  redirect_uri: t.String({ description: "register exactly this URI in the OAuth client" }),
});

export const DeviceResponse = t.Object({
  flow_id: t.String({ description: "ask GET /api/oauth/device/{flow_id} how it went" }),
  user_code: t.String({ description: "the code to enter at verification_uri" }),
  verification_uri: t.String(),
  verification_uri_complete: t.Optional(t.String()),
  expires_in: t.Integer({ description: "seconds the code is valid" }),
  interval: t.Integer({ description: "seconds between the server's polls of the token endpoint" }),
});

export const DeviceStatusResponse = t.Object({
  status: t.Union([t.Literal("pending"), t.Literal("done"), t.Literal("expired"), t.Literal("denied")]),
  credential_id: t.Optional(t.Integer({ description: "the saved credential, when done" })),
  message: t.Optional(t.String({ description: "why it was denied or expired, in the provider's words" })),
});

export const CallbackQuery = t.Object({
  code: t.Optional(t.String({ maxLength: 4096 })),
  state: t.Optional(t.String({ maxLength: 512 })),
  error: t.Optional(t.String({ maxLength: 512 })),
  error_description: t.Optional(t.String({ maxLength: 2048 })),
  scope: t.Optional(t.String({ maxLength: 4096 })),
  session_state: t.Optional(t.String({ maxLength: 512 })),
  iss: t.Optional(t.String({ maxLength: 512 })),
  authuser: t.Optional(t.String({ maxLength: 64 })),
  prompt: t.Optional(t.String({ maxLength: 64 })),
  hd: t.Optional(t.String({ maxLength: 256 })),
});
