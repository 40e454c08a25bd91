// Response schemas of the credentials API (validation and OpenAPI); the TypeScript type of a
// credential view is derived from its schema.
import { type Static, t } from "elysia";

/** A saved credential as the API shows it: never its data. */
export const CredentialView = t.Object({
  id: t.Integer(),
  name: t.String(),
  provider_type: t.String(),
  created_at: t.String(),
  updated_at: t.String(),
});
export type CredentialView = Static<typeof CredentialView>;
