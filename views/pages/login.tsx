import { Layout, Logo } from "../layout.tsx";

export interface LoginPageProps {
  error?: string;
  username?: string;
}

export function LoginPage(props: LoginPageProps) {
  return (
    <Layout title="Sign in">
      <div class="card stack" id="login">
        <div class="row">
          <Logo />
          <h1 class="m0">Sign in to Dynamight</h1>
        </div>
        <LoginForm {...props} />
      </div>
    </Layout>
  );
}

export function LoginForm(props: LoginPageProps) {
  return (
    <form method="post" action="/login" hx-post="/login" hx-target="this" hx-swap="outerHTML" id="login-form">
      {props.error ? (
        <div class="alert alert-error" role="alert" safe>
          {props.error}
        </div>
      ) : (
        ""
      )}
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
