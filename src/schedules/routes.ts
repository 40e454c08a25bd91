// Schedules API: list/create per job, update/delete by id, and a preview of the next run times
// for a definition (the job editor shows it before saving).
import { Elysia, t } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import { badRequest } from "../http/errors.ts";
import { IdParams } from "../http/params.ts";
import { ErrorBody } from "../http/schemas.ts";
import { nextRuns } from "./cron.ts";
import { Message, PreviewQuery, PreviewResponse, ScheduleBody, ScheduleView } from "./model.ts";
import * as svc from "./service.ts";

/** Told about every change so the scheduler re-arms the job's schedules. */
export type Rearm = (jobId?: number) => void;

const tags = ["Schedules"];
const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody };

export function scheduleRoutes(ctx: AppContext, rearm: Rearm = () => {}) {
  return new Elysia({ name: "schedules", prefix: "/api" })
    .use(authPlugin(ctx))
    .get("/jobs/:id/schedules", ({ params }) => svc.listSchedules(ctx.db, params.id), {
      auth: true,
      params: IdParams,
      response: { 200: t.Array(ScheduleView), ...errors },
      detail: { tags, summary: "List a job's schedules" },
    })
    .post(
      "/jobs/:id/schedules",
      ({ params, body, set }) => {
        const jobId = params.id;
        const view = svc.createSchedule(ctx.db, jobId, body);
        rearm(jobId);
        set.status = 201;
        return view;
      },
      {
        auth: true,
        params: IdParams,
        parse: "json",
        body: ScheduleBody,
        response: { 201: ScheduleView, ...errors },
        detail: { tags, summary: "Add a schedule to a job" },
      },
    )
    .get(
      "/schedules/preview",
      ({ query }) => {
        const num = (v: string | undefined) => (v === undefined ? null : Number(v));
        const count = num(query.count) ?? 5;
        if (count < 1 || count > 20) throw badRequest("Query parameter 'count' must be a whole number from 1 to 20");
        const def = svc.definitionFromInput({
          ...query,
          hour: num(query.hour),
          minute: num(query.minute),
          day_of_week: num(query.day_of_week),
          day_of_month: num(query.day_of_month),
        });
        const runs = nextRuns(def, count);
        return { timezone: def.timezone ?? svc.serverTimezone(), runs: runs.map((d) => d.toISOString()) };
      },
      {
        auth: true,
        query: PreviewQuery,
        response: { 200: PreviewResponse, 400: ErrorBody, 401: ErrorBody },
        detail: { tags, summary: "Next run times of a schedule definition", description: "Same fields as the create body, as query parameters; `count` (1-20, default 5)." },
      },
    )
    .put(
      "/schedules/:id",
      ({ params, body }) => {
        const view = svc.updateSchedule(ctx.db, params.id, body);
        rearm(view.job_id);
        return view;
      },
      {
        auth: true,
        params: IdParams,
        parse: "json",
        body: ScheduleBody,
        response: { 200: ScheduleView, ...errors },
        detail: { tags, summary: "Replace a schedule's definition", description: "Same body as create; `enabled`, `catch_up` and `action` keep their value when left out." },
      },
    )
    .delete(
      "/schedules/:id",
      ({ params }) => {
        rearm(svc.deleteSchedule(ctx.db, params.id));
        return { message: "Schedule deleted" };
      },
      {
        auth: true,
        params: IdParams,
        response: { 200: Message, ...errors },
        detail: { tags, summary: "Delete a schedule" },
      },
    );
}
