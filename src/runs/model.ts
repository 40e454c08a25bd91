// Response schemas of the runs API (validation and OpenAPI); the TypeScript types of runs and
// log lines are derived from them, so the API, the queries and the views share one shape.
import { type Static, t } from "elysia";

export const RunStatus = t.Union([t.Literal("pending"), t.Literal("running"), t.Literal("completed"), t.Literal("failed"), t.Literal("cancelled")]);
export type RunStatus = Static<typeof RunStatus>;

export const RunKind = t.Union([t.Literal("backup"), t.Literal("restore"), t.Literal("verify")], {
  description: "backup: the job's sync; restore: files copied back from the destination; verify: the destination compared with the sources",
});
export type RunKind = Static<typeof RunKind>;

export const Level = t.Union([t.Literal("info"), t.Literal("warning"), t.Literal("error")]);

export const RunView = t.Object({
  id: t.Integer(),
  job_id: t.Integer(),
  job_name: t.String(),
  status: RunStatus,
  kind: RunKind,
  trigger: t.Union([t.Literal("manual"), t.Literal("scheduled")]),
  schedule_id: t.Union([t.Integer(), t.Null()]),
  started_at: t.Union([t.String(), t.Null()]),
  completed_at: t.Union([t.String(), t.Null()]),
  files_transferred: t.Integer(),
  bytes_transferred: t.Integer(),
  files_deleted: t.Integer(),
  versions_pruned: t.Integer({ description: "old versions deleted at the end of a backup (keep_versions_days)" }),
  files_checked: t.Integer({ description: "verify runs: files compared" }),
  differences: t.Integer({ description: "verify runs: differences found" }),
  error_message: t.Union([t.String(), t.Null()]),
});
export type RunView = Static<typeof RunView>;

export const LogView = t.Object({ id: t.Integer(), run_id: t.Integer(), timestamp: t.String(), level: Level, message: t.String() });
export type LogView = Static<typeof LogView>;
