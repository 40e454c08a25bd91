// Saved credentials: the list and one form (create, or edit a saved one). The form's fields come
// from the provider's credentialFields; secret inputs are never pre-filled, and on edit a blank
// secret keeps the stored one.

import { ErrorSummary, FieldError } from "../components/form-errors.tsx";
import { ErrorAlert, OkAlert, providerLabel, Time } from "../components/format.tsx";
import { OAuthConnect } from "../components/oauth-connect.tsx";
import { errorsUnder, SpecFields } from "../components/spec-fields.tsx";
import type { CredentialProps, ProviderProps } from "../components/types.ts";
import { Layout } from "../layout.tsx";

export interface CredentialFormProps {
  providers: ProviderProps[];
  /** Set when editing a saved credential. */
  credential?: CredentialProps | null;
  providerType: string;
  name: string;
  /** Non-secret values to show again after an error. */
  values: Record<string, unknown>;
  error?: string | null;
  /** The field the error names (ApiError.field), marked invalid. */
  errorField?: string | null;
  /** Every problem of a refused save in words, by API field ("name", "data.<field>"). */
  errors?: Record<string, string> | null;
  /** The OAuth redirect URI to register (Google Drive, OneDrive). */
  redirectUri: string;
}

export interface CredentialsPageProps {
  username: string;
  theme?: "light" | "dark" | "system";
  credentials: CredentialProps[];
  providers: ProviderProps[];
  form: CredentialFormProps;
  message?: string | null;
  error?: string | null;
}

/** OAuth credentials get their tokens from a flow or a pasted rclone token: the raw token fields stay API-only. */
const OAUTH_TYPES = new Set(["google_drive", "onedrive"]);
const API_ONLY = new Set(["access_token", "refresh_token", "expires_at"]);

export function CredentialFields(props: {
  provider: ProviderProps;
  values: Record<string, unknown>;
  invalid?: string | null;
  /** Errors in words by API field ("data.<field>"), shown beside each field. */
  errors?: Record<string, string> | null;
  keepSecrets: boolean;
  redirectUri: string;
  credentialId?: number | null;
}) {
  const oauth = OAUTH_TYPES.has(props.provider.type);
  const fields = oauth ? props.provider.credentialFields.filter((f) => !API_ONLY.has(f.name)) : props.provider.credentialFields;
  return (
    <div id="credential-fields" class="stack">
      {props.keepSecrets ? (
        <p class="hint">
          {oauth
            ? "Saved values are never shown. Blank client fields keep the saved ones; connect again or paste a new token to replace the tokens."
            : "Saved values are never shown. Leave every field blank to keep them, or fill them all in to replace them."}
        </p>
      ) : (
        ""
      )}
      {fields.length === 0 ? (
        <p class="muted small">This destination type needs no credential.</p>
      ) : (
        <SpecFields fields={fields} prefix="data." values={props.values} invalid={props.invalid} keepSecrets={props.keepSecrets} errors={errorsUnder(props.errors, "data.")} />
      )}
      {oauth ? <OAuthConnect providerType={props.provider.type as "google_drive" | "onedrive"} redirectUri={props.redirectUri} credentialId={props.credentialId} /> : ""}
    </div>
  );
}

export function CredentialForm(props: CredentialFormProps) {
  const editing = props.credential ?? null;
  const withCredentials = props.providers.filter((p) => p.requires_credentials);
  const provider = props.providers.find((p) => p.type === props.providerType) ?? withCredentials[0] ?? props.providers[0]!;
  const invalid = props.errorField?.replace(/^data\./, "") ?? null;
  const title: string = editing ? `Edit ${editing.name}` : "New credential";
  const action = editing ? `/credentials/${editing.id}/edit` : "/credentials/new";
  return (
    <form id="credential-form" class="card stack" method="post" action={action} hx-post={action} hx-target="this" hx-swap="outerHTML" autocomplete="off" novalidate>
      <h2 class="m0" safe>
        {title}
      </h2>
      {props.errors && Object.keys(props.errors).length > 0 ? (
        <ErrorSummary errors={props.errors} inputOf={(f) => (f === "name" ? "cred-name" : f.startsWith("data.") ? f.replace(/[^a-zA-Z0-9_-]/g, "-") : null)} />
      ) : (
        <ErrorAlert message={props.error} />
      )}
      <div class="field">
        <label for="cred-name">Name</label>
        <input
          id="cred-name"
          name="name"
          required
          maxlength="200"
          value={props.name}
          aria-invalid={invalid === "name" || props.errors?.name ? "true" : undefined}
          aria-describedby={props.errors?.name ? "error-cred-name" : undefined}
        />
        <FieldError errors={props.errors} field="name" inputId="cred-name" />
      </div>
      {editing ? (
        <>
          <input type="hidden" name="provider_type" value={provider.type} />
          <p class="muted small" safe>{`Type: ${provider.name}`}</p>
        </>
      ) : (
        <div class="field">
          <label for="provider_type">Type</label>
          <select id="provider_type" name="provider_type" hx-get="/credentials/fields" hx-trigger="change" hx-target="#credential-fields" hx-swap="outerHTML" hx-include="this">
            {withCredentials.map((p) => (
              <option value={p.type} selected={p.type === provider.type} safe>
                {providerLabel(p)}
              </option>
            ))}
          </select>
        </div>
      )}
      <CredentialFields provider={provider} values={props.values} invalid={invalid} errors={props.errors} keepSecrets={!!editing} redirectUri={props.redirectUri} credentialId={editing?.id ?? null} />
      <div class="row">
        <button class="btn btn-primary" type="submit">
          {editing ? "Save changes" : "Save credential"}
        </button>
        {editing ? (
          <a class="btn" href="/credentials">
            Cancel
          </a>
        ) : (
          ""
        )}
      </div>
    </form>
  );
}

export function CredentialsPage(props: CredentialsPageProps) {
  return (
    <Layout title="Credentials" username={props.username} active="credentials" theme={props.theme}>
      <div class="stack">
        <h1>Credentials</h1>
        <p class="muted">Secrets are encrypted on this server and never shown again after saving.</p>
        <OkAlert message={props.message} />
        <div id="credential-error">
          <ErrorAlert message={props.error} />
        </div>
        <div class="two-col">
          <section class="card table-wrap">
            {props.credentials.length === 0 ? (
              <p class="empty">No saved credentials.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Type</th>
                    <th class="hide-phone">Updated</th>
                    <th class="actions-col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {props.credentials.map((c) => (
                    <tr id={`credential-${c.id}`}>
                      <td>
                        <span safe>{c.name}</span>
                        {c.needs_reconnect ? (
                          <>
                            {" "}
                            <span class="badge badge-failed">Needs reconnect</span>
                          </>
                        ) : (
                          ""
                        )}
                      </td>
                      <td safe>{props.providers.find((p) => p.type === c.provider_type)?.name ?? c.provider_type}</td>
                      <td class="hide-phone">
                        <Time iso={c.updated_at} />
                      </td>
                      <td>
                        <div class="row actions">
                          {c.needs_reconnect ? (
                            <a class="btn btn-primary small-btn" href={`/credentials/${c.id}/edit`}>
                              Reconnect
                            </a>
                          ) : (
                            ""
                          )}
                          <a class="btn small-btn" href={`/credentials/${c.id}/edit`}>
                            Edit
                          </a>
                          <button type="submit" class="btn btn-danger small-btn" hx-post={`/credentials/${c.id}/delete`} hx-target="#credential-error" hx-confirm="Delete this credential?">
                            Delete
                          </button>
                        </div>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
          <CredentialForm {...props.form} />
        </div>
      </div>
    </Layout>
  );
}
