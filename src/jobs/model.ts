// Request and response schemas of the jobs API (validation and OpenAPI). The per-type checks of
// destination_config and sync_options live in service.ts, which words them the same way.
import { type Static, t } from "elysia";
import { DESTINATION_TYPES, type SyncOptions, SyncOptionsSchema } from "../destinations/contract.ts";
import * as E from "../docs/examples.ts";
import { RunKind, RunStatus } from "../runs/model.ts";
import { ScheduleView } from "../schedules/model.ts";

export const DestinationTypeSchema = t.Union(DESTINATION_TYPES.map((d) => t.Literal(d)));

export { type SyncOptions, SyncOptionsSchema };

export const JobBody = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 200 }),
    description: t.Optional(t.Union([t.String({ maxLength: 2000 }), t.Null()])),
    enabled: t.Optional(t.Boolean()),
    source_dirs: t.Array(t.String({ minLength: 1, maxLength: 4096 }), {
      minItems: 1,
      maxItems: 100,
      description:
        "absolute folders; each is synced into <destination>/<basename>/. Each must resolve (symlinks, ..) inside ALLOWED_BROWSE_PATHS and be neither Dynamight's data folder, inside it, nor a folder containing it (400 naming the field; checked again before every run)",
    }),
    destination_type: DestinationTypeSchema,
    destination_config: t.Record(t.String(), t.Unknown(), {
      description: "fields per type: see GET /api/providers. Local: mount_point and backup_subdir must resolve inside ALLOWED_BROWSE_PATHS and stay out of the data folder",
    }),
    // Checked field by field in service.ts so the error names e.g. 'sync_options.verbosity'.
    sync_options: t.Optional(
      t.Union([t.Record(t.String(), t.Unknown()), t.Null()], {
        description:
          "delete_extraneous, exclude_patterns, bandwidth_limit_kbps (KiB/s), dry_run, verbosity (quiet|normal|verbose), keep_versions_days (1-3650 or null; a new job without it keeps versions 30 days, an update without it keeps the job's value); other missing fields take their defaults",
      }),
    ),
    credential_id: t.Optional(t.Union([t.Integer({ minimum: 1 }), t.Null()])),
    alert_after_hours: t.Optional(
      t.Union([t.Integer({ minimum: 1, maximum: 8760 }), t.Null()], {
        description: "hours without a successful run before a no_success notification; null = off; left out on an update: unchanged",
      }),
    ),
  },
  { examples: E.JOB },
);

export const LastRun = t.Union([
  t.Object({
    id: t.Integer(),
    kind: RunKind,
    status: RunStatus,
    started_at: t.Union([t.String(), t.Null()]),
    completed_at: t.Union([t.String(), t.Null()]),
    files_transferred: t.Integer({ description: "while the run is active: so far (live)" }),
    bytes_transferred: t.Integer(),
    files_deleted: t.Integer(),
    error_message: t.Union([t.String(), t.Null()], { description: "why the run failed (or was cancelled); null otherwise" }),
  }),
  t.Null(),
]);

export const JobView = t.Object({
  id: t.Integer(),
  name: t.String(),
  description: t.String(),
  enabled: t.Boolean(),
  source_dirs: t.Array(t.String()),
  destination_type: t.String(),
  destination_config: t.Record(t.String(), t.Unknown()),
  sync_options: SyncOptionsSchema,
  credential_id: t.Union([t.Integer(), t.Null()]),
  alert_after_hours: t.Union([t.Integer(), t.Null()], { description: "no_success notification threshold in hours; null = off" }),
  created_at: t.String(),
  updated_at: t.String(),
  last_run: LastRun,
  active_run_id: t.Union([t.Integer(), t.Null()], { description: "the run in progress, if any" }),
  failing_since: t.Union([t.String(), t.Null()], {
    description:
      "start time of the oldest run in the current streak of failed runs (the failed runs after the newest completed one; cancelled, pending and running runs neither break nor start a streak); null when there is no such streak",
  }),
  failed_runs_in_a_row: t.Integer({ minimum: 0, description: "how many failed runs that streak holds; 0 when the newest finished run (cancelled ones aside) completed, or none failed" }),
  schedules: t.Array(ScheduleView),
});
/** A job as the API answers it (and the views render it). */
export type JobView = Static<typeof JobView>;

export { Message } from "../http/schemas.ts";

/** GET /api/jobs/:id/check-space. */
export const SpaceCheckView = t.Object({
  job_id: t.Integer(),
  space_check: t.Union([t.Literal("fail"), t.Literal("warn"), t.Literal("none")], { description: "what a run does with the result" }),
  estimated_bytes: t.Integer({ description: "what rsync --dry-run says it would copy" }),
  margin_bytes: t.Integer(),
  margin_percent: t.Integer(),
  required_bytes: t.Integer(),
  free_bytes: t.Integer({ description: "statfs of the target folder's filesystem" }),
  enough: t.Boolean(),
  target: t.String(),
  mounted: t.Boolean({ description: "the drive was mounted for the check (and unmounted after)" }),
});
