// Renders a form from a destination's FieldSpec list (rclone's "options as data"): the UI knows
// no destination by name. Secret fields are never pre-filled; on edit, leaving one blank keeps
// the stored value (the page route drops empty secrets before calling the service).
import type { FieldSpec } from "../../src/destinations/contract.ts";

export interface SpecFieldsProps {
  fields: FieldSpec[];
  /** Form names are `${prefix}${field.name}`. */
  prefix: string;
  values: Record<string, unknown>;
  /** Name (without prefix) of the field the last error named. */
  invalid?: string | null;
  /** Editing a saved credential: secrets may be left blank to keep them. */
  keepSecrets?: boolean;
  /** Rendered controls that replace a field's default input (folder picker, drive list), by field name. */
  widgets?: Record<string, JSX.Element>;
  /** Errors in words by field name (without prefix), shown beside each field. */
  errors?: Record<string, string> | null;
}

/** The errors whose field names start with `prefix`, keyed by the rest of the name. */
export function errorsUnder(errors: Record<string, string> | null | undefined, prefix: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(errors ?? {})
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );
}

function FieldErrorText(props: { id: string; message?: string }) {
  if (!props.message) return "";
  return (
    <p class="field-error" id={`error-${props.id}`} safe>
      {props.message}
    </p>
  );
}

function textValue(v: unknown): string {
  if (v === null || v === undefined) return "";
  return String(v);
}

export function SpecFields(props: SpecFieldsProps) {
  return (
    <>
      {props.fields.map((f) => {
        const id = `${props.prefix}${f.name}`.replace(/[^a-zA-Z0-9_-]/g, "-");
        const name = `${props.prefix}${f.name}`;
        const message = props.errors?.[f.name];
        const invalid = props.invalid === f.name || message ? "true" : undefined;
        const describedBy = message ? `error-${id}` : undefined;
        const value = props.values[f.name] ?? f.default;
        const secret = f.secret || f.type === "password";
        const required = f.required && !props.keepSecrets;
        const hint = secret && props.keepSecrets ? "Leave blank to keep the saved value." : f.help;
        const widget = props.widgets?.[f.name];
        // A widget (folder picker) shows its own error beside its input.
        if (widget) return widget as "safe";
        if (f.type === "choice") {
          return (
            <div class="field">
              <label for={id} safe>
                {f.label}
              </label>
              <select id={id} name={name} aria-invalid={invalid} aria-describedby={describedBy}>
                {(f.options ?? []).map((o) => (
                  <option value={o} selected={o === textValue(value)} safe>
                    {o}
                  </option>
                ))}
              </select>
              <FieldErrorText id={id} message={message} />
              {hint ? (
                <div class="hint" safe>
                  {hint}
                </div>
              ) : (
                ""
              )}
            </div>
          );
        }
        if (f.type === "boolean") {
          return (
            <div class="field">
              {/* The hidden "false" makes an unchecked box post a value; the checkbox comes later and wins. */}
              <input type="hidden" name={name} value="false" />
              <label class="check">
                <input type="checkbox" id={id} name={name} value="true" checked={value === true || value === "true"} aria-invalid={invalid} />
                <span safe>{f.label}</span>
              </label>
              {f.help ? (
                <div class="hint" safe>
                  {f.help}
                </div>
              ) : (
                ""
              )}
            </div>
          );
        }
        return (
          <div class="field">
            <label for={id} safe>
              {f.required ? f.label : `${f.label} (optional)`}
            </label>
            {f.type === "text" && !secret ? (
              <textarea id={id} name={name} rows="4" required={required} aria-invalid={invalid} aria-describedby={describedBy} safe>
                {textValue(value)}
              </textarea>
            ) : f.type === "text" ? (
              <textarea id={id} name={name} rows="4" required={required} aria-invalid={invalid} aria-describedby={describedBy}></textarea>
            ) : (
              <input
                id={id}
                name={name}
                type={secret ? "password" : f.type === "integer" ? "number" : "text"}
                value={secret ? undefined : textValue(value)}
                required={required}
                aria-invalid={invalid}
                aria-describedby={describedBy}
                autocomplete={secret ? "new-password" : "off"}
              />
            )}
            <FieldErrorText id={id} message={message} />
            {hint ? (
              <div class="hint" safe>
                {hint}
              </div>
            ) : (
              ""
            )}
          </div>
        );
      })}
    </>
  );
}
