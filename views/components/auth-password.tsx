import { Alert } from "./auth-common.tsx";

export interface PasswordCardProps {
  error?: string;
  ok?: string;
}

export function PasswordCard(props: PasswordCardProps) {
  return (
    <section class="card" id="account-password" aria-labelledby="account-password-h">
      <h2 id="account-password-h">Password</h2>
      <form method="post" action="/account/password" hx-post="/account/password" hx-target="#account-password" hx-swap="outerHTML">
        <Alert kind="error" text={props.error} />
        <Alert kind="ok" text={props.ok} />
        <div class="field">
          <label for="current_password">Current password</label>
          <input id="current_password" name="current_password" type="password" autocomplete="current-password" required />
        </div>
        <div class="field">
          <label for="new_password">New password</label>
          <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="8" required />
          <div class="hint">At least 8 characters. Every other session is signed out.</div>
        </div>
        <div class="field">
          <label for="confirm_password">Confirm new password</label>
          <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" minlength="8" required />
        </div>
        <button class="btn btn-primary" type="submit">
          Change password
        </button>
      </form>
    </section>
  );
}
