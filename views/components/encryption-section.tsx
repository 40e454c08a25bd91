// The job editor's Encryption section: rclone crypt encryption for remote destinations, with the
// password kept as an "encryption" credential. The rclone config (which holds the obscured
// password) is never in the page: a button fetches it, a link downloads it.
import type { CredentialProps, SyncOptionsProps } from "./types.ts";

export function EncryptionSection(props: { jobId?: number; encryption: SyncOptionsProps["encryption"]; credentials: CredentialProps[]; destinationType: string; invalid?: string | null }) {
  const e = props.encryption ?? null;
  const passwords = props.credentials.filter((c) => c.provider_type === "encryption");
  const bad = (f: string) => (props.invalid === `sync_options.encryption${f}` || (f === "" && props.invalid?.startsWith("sync_options.encryption")) ? "true" : undefined);
  return (
    <section class="card" id="encryption-section">
      <h2>Encryption</h2>
      <p class="small">
        Files are encrypted on this server before they leave it, in the format of rclone's "crypt" remote: the storage provider sees neither names nor contents, and you can open the backup with stock
        rclone and the same password.
      </p>
      <p class="small">
        <strong>If you lose the password, the backup is lost.</strong> Nobody, not Dynamight and not the storage provider, can decrypt it without the password. Keep a copy of the password, or of the
        rclone config below, somewhere safe and away from this server.
      </p>
      <p class="muted small">
        Local and USB destinations cannot encrypt: use an encrypted disk there. The settings cannot change once the job has backed up (the destination would hold two forms); clone the job to a new
        destination folder instead.
      </p>
      <div class="row form-row">
        <div class="field">
          <label for="sync.encryption.password_credential_id">Encryption password</label>
          <select id="sync.encryption.password_credential_id" name="sync.encryption.password_credential_id" aria-invalid={bad("") ?? bad(".password_credential_id")}>
            <option value="" selected={!e}>
              Off (files are stored as they are)
            </option>
            {passwords.map((c) => (
              <option value={String(c.id)} selected={e?.password_credential_id === c.id} safe>
                {c.name}
              </option>
            ))}
          </select>
          <div class="hint">
            Passwords are saved on the <a href="/credentials?type=encryption">Credentials</a> page (type "Encryption password").
          </div>
        </div>
        <div class="field">
          <label for="sync.encryption.filename_encryption">File names</label>
          <select id="sync.encryption.filename_encryption" name="sync.encryption.filename_encryption" aria-invalid={bad(".filename_encryption")}>
            <option value="standard" selected={(e?.filename_encryption ?? "standard") === "standard"}>
              encrypted (standard)
            </option>
            <option value="off" selected={e?.filename_encryption === "off"}>
              in plain, with .bin added (off)
            </option>
          </select>
        </div>
      </div>
      <div class="field">
        <input type="hidden" name="sync.encryption.directory_name_encryption" value="false" />
        <label class="check">
          <input type="checkbox" name="sync.encryption.directory_name_encryption" value="true" checked={e ? e.directory_name_encryption : true} />
          <span>Encrypt folder names too</span>
        </label>
      </div>
      {props.jobId && e ? (
        <div class="stack">
          <p class="small">To open this backup with rclone, paste this into your rclone config (or download it), then use the remote ending in "-crypt".</p>
          <div class="row">
            <button type="button" class="btn" hx-get={`/jobs/${props.jobId}/rclone-config`} hx-target="#rclone-config" hx-swap="innerHTML">
              Show rclone config
            </button>
            <a class="btn" href={`/api/jobs/${props.jobId}/rclone-config`} download="">
              Download rclone config
            </a>
          </div>
          <div id="rclone-config" />
        </div>
      ) : (
        ""
      )}
    </section>
  );
}

/** The fetched rclone config: it holds the obscured passwords, so it is shown only on request. */
export function RcloneConfigBox(props: { text: string }) {
  return (
    <div class="stack">
      <p class="muted small">The passwords in it are obscured the way rclone stores them, which anyone can reverse: treat this text like the password.</p>
      <pre class="mono" safe>
        {props.text}
      </pre>
    </div>
  );
}
