// Settings → "Back up configuration" and "Restore configuration" (upload, preview table, confirm),
// and the setup wizard's "restore from a backup". Plain forms: a download and a file upload
// need no script.
import type { Static } from "@sinclair/typebox";
import type { PreviewView } from "../../src/config-backup/model.ts";
import { ErrorAlert, OkAlert } from "./format.tsx";

export type PreviewProps = Static<typeof PreviewView>;

export function BackupConfigCard(props: { error?: string | null }) {
  return (
    <form id="backup-config" class="card stack" method="post" action="/settings/backup" hx-boost="false">
      <h2 class="m0">Back up configuration</h2>
      <p class="muted">
        Downloads a .dmbackup file with settings, credentials, jobs with their schedules, notification channels and your account. It is encrypted with the password you choose here (the original
        Dynamight reads it too); keep both safe, the file holds every saved secret.
      </p>
      <ErrorAlert message={props.error} />
      <div class="field">
        <label for="backup-password">Backup password</label>
        <input id="backup-password" name="password" type="password" autocomplete="new-password" required minlength="8" />
        <div class="hint">At least 8 characters. Needed to restore the file.</div>
      </div>
      <div class="field">
        <label for="backup-confirm">Repeat the password</label>
        <input id="backup-confirm" name="confirm" type="password" autocomplete="new-password" required minlength="8" />
      </div>
      <div>
        <button class="btn btn-primary" type="submit">
          Download backup
        </button>
      </div>
    </form>
  );
}

export function RestoreConfigCard(props: { error?: string | null; message?: string | null }) {
  return (
    <form id="restore-config" class="card stack" method="post" action="/settings/restore/preview" enctype="multipart/form-data" hx-boost="false">
      <h2 class="m0">Restore configuration</h2>
      <p class="muted">Reads a .dmbackup file (from this server or the original Dynamight) and shows what it would change before anything is changed.</p>
      <OkAlert message={props.message} />
      <ErrorAlert message={props.error} />
      <div class="field">
        <label for="restore-file">Backup file</label>
        <input id="restore-file" name="file" type="file" accept=".dmbackup" required />
      </div>
      <div class="field">
        <label for="restore-password">Backup password</label>
        <input id="restore-password" name="password" type="password" autocomplete="off" required minlength="8" />
      </div>
      <fieldset class="plain">
        <legend>How</legend>
        <label class="check">
          <input type="radio" name="strategy" value="merge" checked />
          <span>Merge: add what is not here yet (items with a name already here are skipped)</span>
        </label>
        <label class="check">
          <input type="radio" name="strategy" value="replace" />
          <span>Replace: this server becomes the backed-up one (jobs, credentials, settings, account; run history is dropped; you sign in again)</span>
        </label>
      </fieldset>
      <div>
        <button class="btn" type="submit">
          Preview restore
        </button>
      </div>
    </form>
  );
}

const ACTION_LABEL: Record<PreviewProps["items"][number]["action"], string> = { add: "Add", replace: "Replace", skip: "Skip" };
const KIND_LABEL: Record<PreviewProps["items"][number]["kind"], string> = {
  setting: "Setting",
  credential: "Credential",
  job: "Job",
  schedule: "Schedule",
  notification_channel: "Notification channel",
  api_key: "API key",
  user: "Account",
};

export function RestorePreview(props: { preview: PreviewProps; token: string }) {
  const p = props.preview;
  return (
    <div id="restore-preview" class="card stack">
      <h2 class="m0">Restore preview ({p.strategy === "replace" ? "replace" : "merge"})</h2>
      <p class="muted" safe>
        {`${p.jobs_count} job(s), ${p.schedules_count} schedule(s), ${p.credentials_count} credential(s), ${p.settings_count} setting(s) would be written. Nothing has changed yet.`}
      </p>
      {p.conflicts.length > 0 ? (
        <ul class="alert alert-warn" id="restore-conflicts">
          {p.conflicts.map((c) => (
            <li safe>{c}</li>
          ))}
        </ul>
      ) : (
        ""
      )}
      {p.warnings.length > 0 ? (
        <ul class="alert alert-warn" id="restore-warnings">
          {p.warnings.map((c) => (
            <li safe>{c}</li>
          ))}
        </ul>
      ) : (
        ""
      )}
      <div class="table-wrap">
        <table id="restore-items">
          <thead>
            <tr>
              <th>What</th>
              <th>Name</th>
              <th>Action</th>
            </tr>
          </thead>
          <tbody>
            {p.items.map((i) => (
              <tr>
                <td safe>{KIND_LABEL[i.kind]}</td>
                <td safe>{i.name}</td>
                <td safe>{ACTION_LABEL[i.action]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form method="post" action="/settings/restore" class="row" hx-boost="false">
        <input type="hidden" name="token" value={props.token} />
        <button class="btn btn-primary" type="submit" id="restore-confirm">
          {p.strategy === "replace" ? "Replace this configuration" : "Merge into this configuration"}
        </button>
        <a class="btn" href="/settings">
          Cancel
        </a>
      </form>
    </div>
  );
}

export function SetupFromBackupForm(props: { error?: string | null }) {
  return (
    <form id="setup-restore" class="stack" method="post" action="/setup/restore" enctype="multipart/form-data" hx-boost="false">
      <h2 class="m0">Or move in from a backup</h2>
      <p class="muted">A .dmbackup file from Settings → Back up configuration (here or in the original Dynamight): its account, jobs, credentials and settings become this server's.</p>
      <ErrorAlert message={props.error} />
      <div class="field">
        <label for="setup-file">Backup file</label>
        <input id="setup-file" name="file" type="file" accept=".dmbackup" required />
      </div>
      <div class="field">
        <label for="setup-backup-password">Backup password</label>
        <input id="setup-backup-password" name="password" type="password" autocomplete="off" required minlength="8" />
      </div>
      <button class="btn btn-block" type="submit">
        Restore from backup
      </button>
    </form>
  );
}
