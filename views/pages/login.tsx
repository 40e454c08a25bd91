import { Layout, Logo } from "../layout.tsx";

export interface LoginPageProps {
  error?: string;
  username?: string;
  /** Set after the password was accepted for a user with 2FA: the page shows the code step. */
  totp?: TotpStepProps;
}

export function LoginPage(props: LoginPageProps) {
  return (
    <Layout title="Sign in">
      <div class="card stack" id="login">
        <div class="row">
          {/* .brand sizes the logo (an unsized inline SVG fills the card) */}
          <span class="brand">
            <Logo />
          </span>
          <h1 class="m0">Sign in to Dynamight</h1>
        </div>
        {props.totp ? <TotpStepForm {...props.totp} /> : <LoginForm {...props} />}
      </div>
    </Layout>
  );
}

function ErrorAlert(props: { error?: string }) {
  return props.error ? (
    <div class="alert alert-error" role="alert" safe>
      {props.error}
    </div>
  ) : (
    ""
  );
}

export function LoginForm(props: LoginPageProps) {
  return (
    <form method="post" action="/login" hx-post="/login" hx-target="this" hx-swap="outerHTML" id="login-form">
      <ErrorAlert error={props.error} />
      <div class="field">
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" required maxlength="64" value={props.username ?? ""} />
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
      </div>
      <button class="btn btn-primary btn-block" type="submit">
        Sign in
      </button>
    </form>
  );
}

export interface TotpStepProps {
  totpToken: string;
  error?: string;
  /** Which form was used last, so an error shows beside it. */
  mode?: "code" | "recovery";
}

/** The second step: a code from the authenticator app, or (folded away) a recovery code. */
export function TotpStepForm(props: TotpStepProps) {
  const recovery = props.mode === "recovery";
  return (
    <div id="login-form" class="stack">
      <p class="muted m0">Two-factor authentication is on for this account.</p>
      <form method="post" action="/login/totp" hx-post="/login/totp" hx-target="#login-form" hx-swap="outerHTML" id="totp-form">
        {recovery ? "" : <ErrorAlert error={props.error} />}
        <input type="hidden" name="totp_token" value={props.totpToken} />
        <div class="field">
          <label for="code">Code from your authenticator app</label>
          <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required autofocus={!recovery} />
        </div>
        <button class="btn btn-primary btn-block" type="submit">
          Verify
        </button>
      </form>
      <details open={recovery}>
        <summary class="muted small">Lost your device? Use a recovery code</summary>
        <form method="post" action="/login/recovery" hx-post="/login/recovery" hx-target="#login-form" hx-swap="outerHTML" id="recovery-form" class="stack">
          {recovery ? <ErrorAlert error={props.error} /> : ""}
          <input type="hidden" name="totp_token" value={props.totpToken} />
          <div class="field">
            <label for="recovery_code">Recovery code</label>
            <input id="recovery_code" name="recovery_code" autocomplete="off" placeholder="ABCD-EF23-GHJK" maxlength="20" required autofocus={recovery} />
          </div>
          <button class="btn btn-block" type="submit">
            Use recovery code
          </button>
        </form>
      </details>
      <a class="small" href="/login">
        Start over
      </a>
    </div>
  );
}
