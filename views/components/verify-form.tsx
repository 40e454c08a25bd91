// "Verify now" on a job's page: starts a verify run (optionally deep) and goes to its live page.
// A refusal (the job is running: 409) comes back as this form with the message.
import { ErrorAlert } from "./format.tsx";

export interface VerifyFormProps {
  jobId: number;
  /** Local/USB jobs always compare by checksum: the deep box would change nothing there. */
  local: boolean;
  error?: string | null;
  /** The button (and the deep box) only, for a page's row of actions (the Files tab). */
  compact?: boolean;
}

export function VerifyForm(props: VerifyFormProps) {
  const id = `verify-${props.jobId}`;
  if (props.compact) {
    return (
      <form class="row verify-form compact" id={id} method="post" action={`/jobs/${props.jobId}/verify`} hx-post={`/jobs/${props.jobId}/verify`} hx-target="this" hx-swap="outerHTML">
        <input type="hidden" name="compact" value="true" />
        {props.local ? (
          ""
        ) : (
          <label class="check small">
            <input type="checkbox" id={`${id}-deep`} name="deep" value="true" />
            deep (read everything back)
          </label>
        )}
        <button type="submit" class="btn small-btn" title="Compare the destination with the sources; nothing is changed">
          Verify now
        </button>
        <ErrorAlert message={props.error} />
      </form>
    );
  }
  return (
    <form class="card stack verify-form" id={id} method="post" action={`/jobs/${props.jobId}/verify`} hx-post={`/jobs/${props.jobId}/verify`} hx-target="this" hx-swap="outerHTML">
      <div class="row">
        <h2 class="m0">Verify the copy</h2>
        <span class="spacer"></span>
        <button type="submit" class="btn small-btn">
          Verify now
        </button>
      </div>
      <p class="muted small m0">
        {props.local
          ? "Compares every source file with the destination by checksum (rsync dry run). Nothing is changed on either side; each difference is a warning in the run's log."
          : "Compares every source file with the destination: missing, size, modification time, and the store's own hash where it has one. Nothing is changed on either side; each difference is a warning in the run's log."}
      </p>
      {props.local ? (
        ""
      ) : (
        <label class="check">
          <input type="checkbox" id={`${id}-deep`} name="deep" value="true" />
          deep (read everything back)
        </label>
      )}
      <ErrorAlert message={props.error} />
    </form>
  );
}
