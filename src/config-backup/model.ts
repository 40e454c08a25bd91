// Schemas of the configuration backup routes (request bodies, answers), shared with OpenAPI.
import { t } from "elysia";

/** The only paths that take multipart/form-data (everything else in the API is JSON only): API and pages. */
export const UPLOAD_PATHS: ReadonlySet<string> = new Set([
  "/api/config/import/preview",
  "/api/config/import",
  "/api/auth/setup-from-backup",
  "/settings/restore/preview",
  "/settings/restore",
  "/setup/restore",
]);

export const ExportBody = t.Object(
  { password: t.String({ maxLength: 1024, description: "At least 8 characters; needed again to import the file" }) },
  { examples: [{ password: "correct horse battery staple" }] },
);

export const Strategy = t.Union([t.Literal("merge"), t.Literal("replace")], {
  description: "merge: add what is not here yet (same-named items are skipped); replace: this install becomes the exported one",
});

/** multipart/form-data fields of preview and import. */
export const ImportForm = t.Object({
  file: t.File({ description: "The .dmbackup file" }),
  password: t.String({ maxLength: 1024 }),
  strategy: t.Optional(Strategy),
});

export const SetupForm = t.Object({
  file: t.File({ description: "The .dmbackup file" }),
  password: t.String({ maxLength: 1024 }),
});

const PlanItem = t.Object({
  kind: t.Union([t.Literal("setting"), t.Literal("credential"), t.Literal("job"), t.Literal("schedule"), t.Literal("notification_channel"), t.Literal("api_key"), t.Literal("user")]),
  name: t.String(),
  action: t.Union([t.Literal("add"), t.Literal("replace"), t.Literal("skip")]),
});

export const PreviewView = t.Object({
  valid: t.Boolean(),
  version: t.Integer(),
  strategy: Strategy,
  settings_count: t.Integer(),
  credentials_count: t.Integer(),
  jobs_count: t.Integer(),
  schedules_count: t.Integer(),
  notification_channels_count: t.Integer(),
  api_keys_count: t.Integer(),
  conflicts: t.Array(t.String(), { description: "Skipped items (merge) and references the file cannot satisfy" }),
  warnings: t.Array(t.String()),
  has_oauth_credentials: t.Boolean(),
  items: t.Array(PlanItem, { description: "What the import would add, replace or skip" }),
});

export const ImportView = t.Object({
  success: t.Boolean(),
  settings_imported: t.Integer(),
  credentials_imported: t.Integer(),
  jobs_imported: t.Integer(),
  schedules_imported: t.Integer(),
  notification_channels_imported: t.Integer(),
  api_keys_imported: t.Integer(),
  warnings: t.Array(t.String()),
});

export const SetupFromBackupView = t.Object({ success: t.Boolean(), username: t.String() });
