// The destination part of the job editor, generated from the chosen type's FieldSpec list.
// Swapped as a whole (GET /jobs/editor/destination) when the type changes.
import { FieldError } from "./form-errors.tsx";
import { errorsUnder, SpecFields } from "./spec-fields.tsx";
import type { CredentialProps, ProviderProps, TestResultProps } from "./types.ts";

export interface DestinationFormProps {
  provider: ProviderProps;
  config: Record<string, unknown>;
  credentials: CredentialProps[];
  credentialId: number | null;
  invalid?: string | null;
  testResult?: TestResultProps | null;
  /** Pre-rendered pickers for path and drive fields (see SpecFields). */
  widgets?: Record<string, JSX.Element>;
  /** Errors in words by API field (destination_config.<name>, credential_id), beside their fields. */
  errors?: Record<string, string> | null;
}

export function TestResult(props: { result?: TestResultProps | null }) {
  if (!props.result) return <div id="test-result" class="test-result" aria-live="polite"></div>;
  return (
    <div id="test-result" class="test-result" aria-live="polite">
      <div class={props.result.success ? "alert alert-ok" : "alert alert-error"} role="status" safe>
        {props.result.message}
      </div>
    </div>
  );
}

/** The credential select's options (also the answer of GET /jobs/editor/credentials). */
export function CredentialOptions(props: { credentials: CredentialProps[]; credentialId: number | null }) {
  return (
    <>
      <option value="">— choose a saved credential —</option>
      {props.credentials.map((c) => (
        <option value={String(c.id)} selected={c.id === props.credentialId} safe>
          {c.name}
        </option>
      ))}
    </>
  );
}

export function DestinationForm(props: DestinationFormProps) {
  const p = props.provider;
  const usable = props.credentials.filter((c) => c.provider_type === p.type);
  return (
    <div id="destination-form" class="stack">
      {p.sync_implemented ? (
        ""
      ) : (
        <div class="alert alert-info" role="status" safe>
          {`${p.name} is coming soon: you can save the job now, but it cannot run until a later version.`}
        </div>
      )}
      <SpecFields fields={p.configFields} prefix="dest." values={props.config} invalid={props.invalid} widgets={props.widgets} errors={errorsUnder(props.errors, "destination_config.")} />
      {p.requires_credentials ? (
        <div class="field">
          <label for="credential_id">Credential</label>
          {/* Re-read on focus (and when the window gets focus back): a credential added in another tab shows up without a reload. */}
          <select
            id="credential_id"
            name="credential_id"
            aria-invalid={props.invalid === "credential_id" || props.errors?.credential_id ? "true" : undefined}
            aria-describedby={props.errors?.credential_id ? "error-credential_id" : undefined}
            hx-get={`/jobs/editor/credentials?provider_type=${encodeURIComponent(p.type)}`}
            hx-trigger="focus, focus from:window"
            hx-target="this"
            hx-swap="innerHTML"
            hx-sync="this:replace"
          >
            <CredentialOptions credentials={usable} credentialId={props.credentialId} />
          </select>
          <FieldError errors={props.errors} field="credential_id" />
          <div class="hint">
            {usable.length === 0 ? "No saved credential for this type yet. " : ""}
            <a href={`/credentials?type=${encodeURIComponent(p.type)}`} hx-boost="false" target="_blank" rel="noopener">
              Add a credential
            </a>
          </div>
        </div>
      ) : (
        <input type="hidden" name="credential_id" value="" />
      )}
      <div class="row">
        <button type="button" class="btn" hx-post="/jobs/editor/test" hx-target="#test-result" hx-swap="outerHTML" hx-include="closest form" hx-indicator="#test-indicator">
          Test connection
        </button>
        <span class="htmx-indicator muted small" id="test-indicator">
          Testing…
        </span>
        {/* Beside its button; public/js/forms.js scrolls it clear of the sticky Save bar. */}
        <TestResult result={props.testResult} />
      </div>
    </div>
  );
}
