// A refused form's errors: each beside its field (FieldError) and a short list at the top that
// links to them (ErrorSummary). Keys are the API's field names; the page maps them to inputs.
// public/js/forms.js focuses the first invalid field and scrolls it into view.

/** The id of the error text of an input, for aria-describedby. */
export const errorId = (inputId: string) => `error-${inputId.replace(/[^A-Za-z0-9_-]/g, "-")}`;

export function FieldError(props: { errors?: Record<string, string> | null; field: string; inputId?: string }) {
  const message = props.errors?.[props.field];
  if (!message) return "";
  return (
    <p class="field-error" id={errorId(props.inputId ?? props.field)} safe>
      {message}
    </p>
  );
}

/**
 * "2 things to fix" with a link to each field. `inputOf` maps an API field to its input's id
 * (null: no input, the message is shown here only).
 */
export function ErrorSummary(props: { errors?: Record<string, string> | null; inputOf: (field: string) => string | null }) {
  const entries = Object.entries(props.errors ?? {});
  if (entries.length === 0) return "";
  const heading: string = entries.length === 1 ? "One thing to fix:" : `${entries.length} things to fix:`;
  return (
    <div class="alert alert-error error-summary" role="alert" data-form-errors>
      <strong safe>{heading}</strong>
      <ul>
        {entries.map(([field, message]) => {
          const id = props.inputOf(field);
          return (
            <li>
              {id ? (
                <a href={`#${id}`} safe>
                  {message}
                </a>
              ) : (
                <span safe>{message}</span>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
