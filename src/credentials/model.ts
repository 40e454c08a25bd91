// Response schemas of the credentials API (validation and OpenAPI); the TypeScript type of a
// credential view is derived from its schema.
import { type Static, t } from "elysia";

/** A saved credential as the API shows it: never its data. */
export const CredentialView = t.Object({
  id: t.Integer(),
  name: t.String(),
  provider_type: t.String(),
  needs_reconnect: t.Boolean({ description: "true when the provider revoked or expired the OAuth grant (invalid_grant): connect again; cleared by any reconnect or data edit" }),
  created_at: t.String(),
  updated_at: t.String(),
});
export type CredentialView = Static<typeof CredentialView>;
