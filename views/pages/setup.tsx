import { SetupFromBackupForm } from "../components/config-backup.tsx";
import { Layout, Logo } from "../layout.tsx";

export interface SetupPageProps {
  error?: string;
  username?: string;
  /** The restore-from-backup form's error. */
  restoreError?: string;
}

/** First start: no user exists yet. */
export function SetupPage(props: SetupPageProps) {
  return (
    <Layout title="Create the admin account">
      <div class="card stack" id="setup">
        <div class="row">
          {/* .brand sizes the logo (an unsized inline SVG fills the card) */}
          <span class="brand">
            <Logo />
          </span>
          <h1 class="m0">Welcome to Dynamight</h1>
        </div>
        <p class="muted">Create the admin account. You will use it to sign in to this backup appliance.</p>
        <SetupForm {...props} />
        <hr />
        <SetupFromBackupForm error={props.restoreError} />
      </div>
    </Layout>
  );
}

export function SetupForm(props: SetupPageProps) {
  return (
    <form method="post" action="/setup" hx-post="/setup" hx-target="this" hx-swap="outerHTML" id="setup-form">
      {props.error ? (
        <div class="alert alert-error" role="alert" safe>
          {props.error}
        </div>
      ) : (
        ""
      )}
      <div class="field">
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" required maxlength="64" value={props.username ?? "admin"} />
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" />
        <div class="hint">At least 8 characters.</div>
      </div>
      <div class="field">
        <label for="confirm">Confirm password</label>
        <input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="8" />
      </div>
      <button class="btn btn-primary btn-block" type="submit">
        Create admin account
      </button>
    </form>
  );
}
