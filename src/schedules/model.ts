// Request and response schemas of the schedules API (validation and OpenAPI).
import { type Static, t } from "elysia";
import * as E from "../docs/examples.ts";

const Nullable = <T extends Parameters<typeof t.Optional>[0]>(s: T) => t.Optional(t.Union([s, t.Null()]));

export const ScheduleType = t.Union([t.Literal("daily"), t.Literal("weekly"), t.Literal("monthly"), t.Literal("custom")]);

export const ScheduleAction = t.Union([t.Literal("backup"), t.Literal("verify")], {
  description: "what the schedule starts: a backup run (default) or a verify run (the quick check, not deep)",
});
export type ScheduleAction = Static<typeof ScheduleAction>;

export const ScheduleBody = t.Object(
  {
    schedule_type: ScheduleType,
    hour: Nullable(t.Integer({ minimum: 0, maximum: 23, description: "daily, weekly, monthly" })),
    minute: Nullable(t.Integer({ minimum: 0, maximum: 59, description: "daily, weekly, monthly; default 0" })),
    day_of_week: Nullable(t.Integer({ minimum: 0, maximum: 6, description: "weekly: 0 = Sunday ... 6 = Saturday" })),
    day_of_month: Nullable(t.Integer({ minimum: 1, maximum: 31, description: "monthly; a month without that day has no run" })),
    cron_expression: Nullable(t.String({ maxLength: 200, description: "custom: 5-field cron, e.g. `0 2 * * 1-5`" })),
    timezone: Nullable(t.String({ maxLength: 64, description: "IANA name (e.g. Europe/Berlin); default: the server's TZ" })),
    enabled: t.Optional(t.Boolean({ description: "default true" })),
    catch_up: t.Optional(t.Boolean({ description: "run once at start-up if a run was missed while the server was down; default true" })),
    action: t.Optional(ScheduleAction),
  },
  { examples: E.SCHEDULE },
);

export const ScheduleView = t.Object({
  id: t.Integer(),
  job_id: t.Integer(),
  enabled: t.Boolean(),
  schedule_type: ScheduleType,
  hour: t.Union([t.Integer(), t.Null()]),
  minute: t.Union([t.Integer(), t.Null()]),
  day_of_week: t.Union([t.Integer(), t.Null()]),
  day_of_month: t.Union([t.Integer(), t.Null()]),
  cron_expression: t.Union([t.String(), t.Null()]),
  timezone: t.Union([t.String(), t.Null()]),
  catch_up: t.Boolean(),
  action: ScheduleAction,
  next_run: t.Union([t.String({ format: "date-time" }), t.Null()], { description: "null when the schedule or its job is disabled" }),
  created_at: t.String(),
});
/** A schedule as the API answers it. */
export type ScheduleView = Static<typeof ScheduleView>;

// Numbers arrive as digit strings and are range-checked by the same code as the body, so the
// messages match ("Field 'hour' must be a whole number from 0 to 23").
const Digits = (description: string) => t.Optional(t.String({ pattern: "^[0-9]{1,4}$", error: "must be a whole number", description }));

export const PreviewQuery = t.Object({
  schedule_type: ScheduleType,
  hour: Digits("0-23"),
  minute: Digits("0-59"),
  day_of_week: Digits("0-6, 0 = Sunday"),
  day_of_month: Digits("1-31"),
  cron_expression: t.Optional(t.String({ maxLength: 200 })),
  timezone: t.Optional(t.String({ maxLength: 64 })),
  count: Digits("how many run times, 1-20; default 5"),
});

export const PreviewResponse = t.Object({
  timezone: t.String({ description: "the zone the times are computed in" }),
  runs: t.Array(t.String({ format: "date-time" })),
});

export { Message } from "../http/schemas.ts";
