// Jobs API: CRUD, run now, cancel, clone.
import { Elysia, t } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import { conflict, forbidden } from "../http/errors.ts";
import { type PageRule, pageQuery, readPage, setPageHeaders } from "../http/pagination.ts";
import { IdParams } from "../http/params.ts";
import { ErrorBody } from "../http/schemas.ts";
import type { RunEngine } from "../runs/engine-types.ts";
import { jobRcloneConfig } from "../runs/rclone-config.ts";
import { JobBody, JobView, Message, SpaceCheckView } from "./model.ts";
import * as svc from "./service.ts";
import { checkSpace } from "./space.ts";

export interface JobRouteDeps {
  engine: RunEngine;
  /** Told when a job changes or goes, so the scheduler re-arms (or drops) its schedules. */
  rearm?: (jobId?: number) => void;
}

const tags = ["Jobs"];
// Everything by default: the seed's clients read the whole list in one answer.
const JOB_PAGE: PageRule = { defaultLimit: null, maxLimit: 500 };
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

export function jobRoutes(ctx: AppContext, deps: JobRouteDeps) {
  const { db } = ctx;
  const { engine } = deps;
  const rearm = (id: number) => deps.rearm?.(id);
  return new Elysia({ name: "jobs", prefix: "/api/jobs" })
    .use(authPlugin(ctx))
    .get(
      "",
      ({ query, request, set }) => {
        const page = readPage(query, JOB_PAGE);
        const { rows, total } = svc.listJobsPage(db, engine, page.limit, page.offset);
        setPageHeaders(set.headers as Record<string, string>, request.url, { ...page, total });
        return rows;
      },
      {
        auth: true,
        query: t.Object(pageQuery(JOB_PAGE)),
        response: { 200: t.Array(JobView), 400: ErrorBody, 401: ErrorBody },
        detail: {
          tags,
          summary: "List jobs",
          description:
            "Each with its last run, its active run (if any) and its schedules with next_run, in id order. Without `limit`, every job (X-Total-Count, no Link). With `limit` (at most 500: a larger one counts as 500) and/or `offset`, one page with X-Total-Count and Link (rel next/prev).",
        },
      },
    )
    .post(
      "",
      ({ body, set }) => {
        const view = svc.createJob(db, engine, body, ctx.config);
        rearm(view.id);
        set.status = 201;
        return view;
      },
      { auth: true, parse: "json", body: JobBody, response: { 201: JobView, ...errors }, detail: { tags, summary: "Create a job" } },
    )
    .get("/:id/check-space", ({ params }) => checkSpace(db, params.id, ctx.config, (id) => engine.activeRun(id) !== null), {
      auth: true,
      params: IdParams,
      response: { 200: SpaceCheckView, ...errors, 409: ErrorBody, 503: ErrorBody },
      detail: {
        tags,
        summary: "Would the next run fit? (local/USB destinations)",
        description:
          "Mounts the drive when the job mounts it (and unmounts it after if it was not mounted), runs rsync --dry-run --stats with the job's options, and compares the estimate plus 10% with the free space on the target. 400 for remote destinations, 409 while the job runs.",
      },
    })
    .get("/:id", ({ params }) => svc.getJob(db, engine, params.id), {
      auth: true,
      params: IdParams,
      response: { 200: JobView, ...errors },
      detail: { tags, summary: "Get a job" },
    })
    .get(
      "/:id/rclone-config",
      ({ params, principal, set }) => {
        // Obscured passwords are as good as the passwords: a read-only key does not get them.
        if (principal.scope === "read") throw forbidden("A read-only API key cannot download the rclone config: it holds the job's passwords");
        const { filename, text } = jobRcloneConfig(db, ctx.secret, params.id);
        set.headers["content-type"] = "text/plain; charset=utf-8";
        set.headers["content-disposition"] = `attachment; filename="${filename}"`;
        return text;
      },
      {
        auth: true,
        params: IdParams,
        response: { 200: t.String({ description: "an rclone.conf with the base remote and the crypt remote" }), ...errors },
        detail: {
          tags,
          summary: "Download the rclone config of an encrypted job",
          description:
            "An rclone.conf whose `<name>-crypt` remote opens the job's encrypted backup with stock rclone. Holds the passwords (obscured as rclone does, which is reversible). 400 when the job does not encrypt; 403 for read-only API keys.",
        },
      },
    )
    .put(
      "/:id",
      ({ params, body }) => {
        const view = svc.updateJob(db, engine, params.id, body, ctx.config);
        rearm(view.id);
        return view;
      },
      {
        auth: true,
        params: IdParams,
        parse: "json",
        body: JobBody,
        response: { 200: JobView, ...errors },
        detail: { tags, summary: "Replace a job", description: "Same body as create. A run in progress keeps the settings it started with." },
      },
    )
    .delete(
      "/:id",
      ({ params }) => {
        svc.deleteJob(db, engine, params.id);
        rearm(params.id);
        return { message: "Job deleted" };
      },
      {
        auth: true,
        params: IdParams,
        response: { 200: Message, ...errors, 409: ErrorBody },
        detail: { tags, summary: "Delete a job with its schedules and runs", description: "409 while the job is running." },
      },
    )
    .post(
      "/:id/run",
      ({ params, set }) => {
        const runId = engine.start(params.id, { trigger: "manual" });
        set.status = 202;
        return { run_id: runId, message: "Job started" };
      },
      {
        auth: true,
        params: IdParams,
        response: { 202: t.Object({ run_id: t.Integer(), message: t.String() }), ...errors, 409: ErrorBody },
        detail: {
          tags,
          summary: "Run a job now",
          description: "Starts the run in the background. 409 if the job is already running; 400 if its destination type cannot run yet.",
        },
      },
    )
    .post(
      "/:id/cancel",
      async ({ params }) => {
        svc.getJob(db, engine, params.id);
        if (!(await engine.cancel(params.id))) throw conflict("Job is not running");
        return { message: "Job cancelled" };
      },
      {
        auth: true,
        params: IdParams,
        response: { 200: Message, ...errors, 409: ErrorBody },
        detail: { tags, summary: "Cancel a job's active run", description: "Answers once the run has stopped (rsync gets SIGTERM, then SIGKILL after 5 s). 409 when the job is not running." },
      },
    )
    .post(
      "/:id/clone",
      ({ params, set }) => {
        const view = svc.cloneJob(db, engine, params.id, ctx.config);
        rearm(view.id);
        set.status = 201;
        return view;
      },
      {
        auth: true,
        params: IdParams,
        response: { 201: JobView, ...errors },
        detail: { tags, summary: "Copy a job", description: 'The copy is named "<name> (Copy)"; schedules are not copied.' },
      },
    );
}
