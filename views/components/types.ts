// What the pages render, shaped like the seed's JSON objects so a page route can hand a service's
// answer straight to a view. Views depend only on these, never on services or the database.
import type { CredentialView } from "../../src/credentials/model.ts";
import type { FieldSpec, LogLevel, SyncOptions } from "../../src/destinations/contract.ts";
import type { JobView } from "../../src/jobs/model.ts";
import type { RunKind, RunStatus, RunView } from "../../src/runs/model.ts";

export type { LogLevel, RunKind, RunStatus };
export type Verbosity = SyncOptions["verbosity"];

export interface ScheduleProps {
  id?: number | null;
  enabled?: boolean;
  schedule_type: "daily" | "weekly" | "monthly" | "custom";
  hour?: number | null;
  minute?: number | null;
  day_of_week?: number | null;
  day_of_month?: number | null;
  cron_expression?: string | null;
  timezone?: string | null;
  catch_up?: boolean;
  /** What the schedule starts (default backup). */
  action?: "backup" | "verify";
  next_run?: string | null;
}

export type SyncOptionsProps = SyncOptions;

/** A job as the API answers it (the schema's type): the service's JobView goes to a view as it is. */
export type JobProps = JobView;
export type LastRunProps = NonNullable<JobProps["last_run"]>;

export type RunProps = RunView;

export interface LogEntryProps {
  id: number;
  run_id: number;
  timestamp: string;
  level: LogLevel;
  message: string;
}

export type CredentialProps = CredentialView;

export interface ProviderProps {
  type: string;
  name: string;
  description: string;
  requires_credentials: boolean;
  configFields: FieldSpec[];
  credentialFields: FieldSpec[];
  /** false: listed but cannot run yet (capabilities.sync_implemented). */
  sync_implemented: boolean;
}

export interface SettingsProps {
  max_runs_per_job: number;
  theme: "light" | "dark" | "system";
}

/** Live numbers of a running job, when the engine knows them at render time. */
export interface ProgressProps {
  files_transferred: number;
  bytes_transferred: number;
  files_total: number | null;
  bytes_total: number | null;
}

export interface TestResultProps {
  success: boolean;
  message: string;
}
