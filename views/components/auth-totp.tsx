// The account page's two-factor section: off → enrolling (QR + confirm) → codes shown once → on.
import { Alert } from "./auth-common.tsx";

export type TotpCardProps =
  | { state: "off"; error?: string; ok?: string }
  | { state: "enrolling"; secret: string; qrCode: string; otpauthUrl: string; error?: string }
  | { state: "codes"; codes: string[] }
  | { state: "on"; remaining: number; error?: string };

const target = { "hx-target": "#account-totp", "hx-swap": "outerHTML" };

export function TotpCard(props: TotpCardProps) {
  return (
    <section class="card stack" id="account-totp" aria-labelledby="account-totp-h">
      <div class="row">
        <h2 class="m0" id="account-totp-h">
          Two-factor authentication
        </h2>
        <span class={props.state === "on" || props.state === "codes" ? "badge badge-completed" : "badge"}>{props.state === "on" || props.state === "codes" ? "On" : "Off"}</span>
      </div>
      {body(props)}
    </section>
  );
}

function body(props: TotpCardProps): JSX.Element {
  switch (props.state) {
    case "off":
      return (
        <>
          <Alert kind="ok" text={props.ok} />
          <Alert kind="error" text={props.error} />
          <p class="muted m0">Ask for a code from an authenticator app (Aegis, Google Authenticator, 1Password, ...) at every sign-in.</p>
          <form method="post" action="/account/totp/setup" hx-post="/account/totp/setup" {...target}>
            <button class="btn btn-primary" type="submit">
              Enable 2FA
            </button>
          </form>
        </>
      );
    case "enrolling":
      return (
        <>
          <Alert kind="error" text={props.error} />
          <p class="m0">Scan this code with your authenticator app, then enter the 6-digit code it shows.</p>
          <div class="row totp-enrol">
            <img class="qr" src={props.qrCode} width="240" height="240" alt="QR code for your authenticator app" />
            <div class="stack">
              <div>
                <div class="small muted">Or type this key</div>
                <code class="secret" id="totp-secret" safe>
                  {props.secret.replace(/(.{4})/g, "$1 ").trim()}
                </code>
              </div>
              <form method="post" action="/account/totp/enable" hx-post="/account/totp/enable" {...target}>
                <input type="hidden" name="secret" value={props.secret} />
                <div class="field">
                  <label for="totp-code">Code</label>
                  <input id="totp-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required autofocus />
                </div>
                <div class="row">
                  <button class="btn btn-primary" type="submit">
                    Confirm and enable
                  </button>
                  <a class="btn" href="/account">
                    Cancel
                  </a>
                </div>
              </form>
            </div>
          </div>
        </>
      );
    case "codes": {
      const text = `Dynamight recovery codes\nEach code works once, in place of a 2FA code.\n\n${props.codes.join("\n")}\n`;
      return (
        <>
          <Alert kind="ok" text="Two-factor authentication is on." />
          <p class="m0">
            <strong>Save these recovery codes now.</strong> Each one signs you in once if you lose your device. They are not shown again.
          </p>
          <pre class="logs codes" id="recovery-codes" safe>
            {props.codes.join("\n")}
          </pre>
          <div class="row">
            <a class="btn btn-primary" id="download-codes" download="dynamight-recovery-codes.txt" href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}>
              Download codes
            </a>
            <a class="btn" href="/account">
              I saved them
            </a>
          </div>
        </>
      );
    }
    case "on":
      return (
        <>
          <Alert kind="error" text={props.error} />
          <p class="m0">
            Sign-in asks for a code from your authenticator app. <span class={props.remaining <= 3 ? "warn-text" : "muted"} safe>{`${props.remaining} of 10 recovery codes left.`}</span>
          </p>
          <form method="post" action="/account/totp/disable" hx-post="/account/totp/disable" {...target}>
            <div class="field">
              <label for="disable-code">Current code, or a recovery code</label>
              <input id="disable-code" name="code" autocomplete="one-time-code" maxlength="20" required />
            </div>
            <button class="btn btn-danger" type="submit">
              Disable 2FA
            </button>
          </form>
        </>
      );
  }
}
