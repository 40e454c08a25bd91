// The three ways to connect a Google Drive or OneDrive credential (docs/oauth.md), inside the
// credential form: its buttons post the form's fields (name, client ID and secret, tenant) to
// the page routes, which start the flow. The device code updates by itself (htmx polling).
import { ErrorAlert } from "./format.tsx";

export interface OAuthConnectProps {
  providerType: "google_drive" | "onedrive";
  /** What to register in the OAuth client. */
  redirectUri: string;
  /** Reconnecting this credential (clears needs_reconnect). */
  credentialId?: number | null;
}

export function OAuthConnect(props: OAuthConnectProps) {
  const google = props.providerType === "google_drive";
  return (
    <fieldset id="oauth-connect" class="stack">
      <legend>{props.credentialId ? "Reconnect the account" : "Connect the account"}</legend>
      {props.credentialId ? <input type="hidden" name="credential_id" value={String(props.credentialId)} /> : ""}
      <p class="muted small">Fill in the name and the client ID (and secret) above, then choose one of the three ways.</p>
      <div class="stack">
        <h3 class="m0">1. Connect in the browser</h3>
        <p class="small">
          Register this redirect URI in the OAuth client:{" "}
          <code id="oauth-redirect-uri" safe>
            {props.redirectUri}
          </code>
        </p>
        {google ? (
          <p class="hint">
            Google accepts only http://localhost or HTTPS redirect URIs. If you reach Dynamight at a LAN address over plain http (a Raspberry Pi, for example), use the device code or paste a token
            instead.
          </p>
        ) : (
          <p class="hint">In the Azure app registration, add it under Authentication as a Web platform redirect URI.</p>
        )}
        <div class="row">
          <button class="btn" type="button" hx-post="/credentials/oauth/start" hx-target="#oauth-browser-result" hx-swap="innerHTML">
            Connect in browser
          </button>
        </div>
        <div id="oauth-browser-result" aria-live="polite"></div>
      </div>
      <div class="stack">
        <h3 class="m0">2. Device code</h3>
        <p class="small">
          For a server without a browser: you approve on any phone or computer, and this page updates by itself.
          {google ? " Google allows only the drive.file scope here: Dynamight then sees only the files and folders it created." : ""}
        </p>
        <div class="row">
          <button class="btn" type="button" hx-post="/credentials/oauth/device" hx-target="#oauth-device" hx-swap="innerHTML">
            Get a device code
          </button>
        </div>
        <div id="oauth-device" aria-live="polite"></div>
      </div>
      <div class="stack">
        <h3 class="m0">3. Paste a token</h3>
        <p class="small">
          On a computer with a browser run <code>{google ? 'rclone authorize "drive"' : 'rclone authorize "onedrive"'}</code>, paste what it prints into "Token JSON" above (with the client ID and
          secret rclone used), and save.
        </p>
      </div>
    </fieldset>
  );
}

export interface DeviceCodeProps {
  flowId: string;
  userCode: string;
  verificationUri: string;
  expiresIn: number;
}

/** The code to enter and where; polls the flow every 2 s until it ends (204 while pending). */
export function DeviceCode(props: DeviceCodeProps) {
  return (
    <div id="oauth-device-status" class="stack" hx-get={`/credentials/oauth/device/${props.flowId}`} hx-trigger="every 2s" hx-swap="outerHTML">
      <p class="m0">
        Open{" "}
        <a href={props.verificationUri} target="_blank" rel="noopener noreferrer" safe>
          {props.verificationUri}
        </a>{" "}
        and enter the code:
      </p>
      <p class="m0">
        <code id="oauth-user-code" class="mono" safe>
          {props.userCode}
        </code>
      </p>
      <p class="muted small m0" safe>{`Waiting for approval. The code is valid for ${Math.round(props.expiresIn / 60)} minutes.`}</p>
    </div>
  );
}

/** How a device flow ended when it did not succeed; no trigger, so the polling stops. */
export function DeviceEnded(props: { status: string; message?: string | null }) {
  return (
    <div id="oauth-device-status">
      <ErrorAlert message={props.status === "expired" ? (props.message ?? "The code expired: get a new one") : `Not connected: ${props.message ?? props.status}`} />
    </div>
  );
}
