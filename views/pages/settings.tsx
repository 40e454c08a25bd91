// Application settings: theme and run retention.
import { BackupConfigCard, type PreviewProps, RestoreConfigCard, RestorePreview } from "../components/config-backup.tsx";
import { ErrorAlert, OkAlert } from "../components/format.tsx";
import type { SettingsProps } from "../components/types.ts";
import { Layout } from "../layout.tsx";

export interface SettingsPageProps {
  username: string;
  settings: SettingsProps;
  message?: string | null;
  error?: string | null;
  /** The field the error names (ApiError.field), marked invalid. */
  errorField?: string | null;
  /** The configuration backup cards' state: their errors, the restore's result, a restore preview. */
  backup?: { backupError?: string | null; restoreError?: string | null; restoreMessage?: string | null; preview?: { preview: PreviewProps; token: string } };
}

const THEMES: { value: SettingsProps["theme"]; label: string }[] = [
  { value: "system", label: "Follow the device" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

export function SettingsForm(props: { settings: SettingsProps; message?: string | null; error?: string | null; errorField?: string | null }) {
  const s = props.settings;
  return (
    <form id="settings-form" class="card stack" method="post" action="/settings" hx-post="/settings" hx-target="this" hx-swap="outerHTML">
      <OkAlert message={props.message} />
      <ErrorAlert message={props.error} />
      <fieldset class="plain">
        <legend>Theme</legend>
        {THEMES.map((t) => (
          <label class="check">
            <input type="radio" name="theme" value={t.value} checked={s.theme === t.value} />
            <span safe>{t.label}</span>
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="max_runs_per_job">Runs kept per job</label>
        <input
          id="max_runs_per_job"
          name="max_runs_per_job"
          type="number"
          min="1"
          max="1000"
          required
          value={String(s.max_runs_per_job)}
          aria-invalid={props.errorField === "max_runs_per_job" ? "true" : undefined}
        />
        <div class="hint">Older runs are deleted with their logs after each run.</div>
      </div>
      <div>
        <button class="btn btn-primary" type="submit">
          Save settings
        </button>
      </div>
    </form>
  );
}

export function SettingsPage(props: SettingsPageProps) {
  return (
    <Layout title="Settings" username={props.username} active="settings" theme={props.settings.theme}>
      <div class="stack">
        <h1>Settings</h1>
        <SettingsForm settings={props.settings} message={props.message} error={props.error} errorField={props.errorField} />
        {props.backup?.preview ? <RestorePreview preview={props.backup.preview.preview} token={props.backup.preview.token} /> : ""}
        <BackupConfigCard error={props.backup?.backupError} />
        <RestoreConfigCard error={props.backup?.restoreError} message={props.backup?.restoreMessage} />
      </div>
    </Layout>
  );
}
