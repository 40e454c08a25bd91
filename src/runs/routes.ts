// Runs and logs API: history per job, one run, its logs (paged, filtered by level), deletions.
// Active runs are never deleted: single deletes answer 409, bulk deletes skip them.

import { eq } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import { jobs } from "../db/schema.ts";
import { conflict, notFound } from "../http/errors.ts";
import { type PageRule, pageQuery, readPage, setPageHeaders } from "../http/pagination.ts";
import { IdParams } from "../http/params.ts";
import { ErrorBody } from "../http/schemas.ts";
import type { Engine } from "./engine.ts";
import type { RunEngine } from "./engine-types.ts";
import { withLiveCounters } from "./live-counters.ts";
import { Level, LogView, RunView } from "./model.ts";
import * as q from "./queries.ts";

const tags = ["Runs"];
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
const RUN_PAGE: PageRule = { defaultLimit: 20, maxLimit: 500 };
const LOG_PAGE: PageRule = { defaultLimit: 1000, maxLimit: 10_000 };

/** Active runs answer the engine's live counters (withLiveCounters); finished ones what is stored. */
export function runRoutes(ctx: AppContext, engine: Pick<Engine, "activeRunIds"> & Pick<RunEngine, "live">) {
  const { db } = ctx;
  const jobExists = (id: number) => db.select({ id: jobs.id }).from(jobs).where(eq(jobs.id, id)).get() !== undefined;
  return new Elysia({ name: "runs", prefix: "/api" })
    .use(authPlugin(ctx))
    .get(
      "/jobs/:id/runs",
      ({ params, query, request, set }) => {
        if (!jobExists(params.id)) throw notFound("Job not found");
        const { limit, offset } = readPage(query, RUN_PAGE);
        const { rows, total } = q.listJobRuns(db, params.id, limit!, offset);
        setPageHeaders(set.headers as Record<string, string>, request.url, { limit, offset, total });
        return rows.map((r) => withLiveCounters(r, engine));
      },
      {
        auth: true,
        params: IdParams,
        query: t.Object(pageQuery(RUN_PAGE)),
        response: { 200: t.Array(RunView), ...errors },
        detail: { tags, summary: "A job's runs, newest first", description: "Paged (`limit` default 20, at most 500: a larger one counts as 500): X-Total-Count and Link (rel next/prev) headers." },
      },
    )
    .delete(
      "/jobs/:id/runs",
      ({ params }) => {
        if (!jobExists(params.id)) throw notFound("Job not found");
        return { message: "Runs deleted", count: q.deleteRuns(db, { jobId: params.id }, engine.activeRunIds()) };
      },
      {
        auth: true,
        params: IdParams,
        response: { 200: t.Object({ message: t.String(), count: t.Integer() }), ...errors },
        detail: { tags, summary: "Delete a job's runs and their logs", description: "A run in progress is kept." },
      },
    )
    .delete("/runs", () => ({ message: "All runs deleted", count: q.deleteRuns(db, {}, engine.activeRunIds()) }), {
      auth: true,
      response: { 200: t.Object({ message: t.String(), count: t.Integer() }), 401: ErrorBody, 403: ErrorBody },
      detail: { tags, summary: "Delete every run and log", description: "Runs in progress are kept." },
    })
    .get(
      "/runs/:id",
      ({ params }) => {
        const run = q.getRun(db, params.id);
        if (!run) throw notFound("Run not found");
        return withLiveCounters(run, engine);
      },
      { auth: true, params: IdParams, response: { 200: RunView, ...errors }, detail: { tags, summary: "Get a run" } },
    )
    .delete(
      "/runs/:id",
      ({ params }) => {
        if (!q.getRun(db, params.id)) throw notFound("Run not found");
        if (engine.activeRunIds().includes(params.id)) throw conflict("Run is in progress: cancel its job first");
        q.deleteRuns(db, { runId: params.id }, []);
        return { message: "Run deleted" };
      },
      {
        auth: true,
        params: IdParams,
        response: { 200: t.Object({ message: t.String() }), ...errors, 409: ErrorBody },
        detail: { tags, summary: "Delete a run and its logs", description: "409 while it is in progress." },
      },
    )
    .get(
      "/runs/:id/logs",
      ({ params, query, request, set }) => {
        if (!q.getRun(db, params.id)) throw notFound("Run not found");
        const { limit, offset } = readPage(query, LOG_PAGE);
        const { rows, total } = q.listLogs(db, params.id, { limit: limit!, offset, level: query.level });
        setPageHeaders(set.headers as Record<string, string>, request.url, { limit, offset, total });
        return rows;
      },
      {
        auth: true,
        params: IdParams,
        query: t.Object({ ...pageQuery(LOG_PAGE), level: t.Optional(Level) }),
        response: { 200: t.Array(LogView), ...errors },
        detail: {
          tags,
          summary: "A run's log lines, oldest first",
          description: "Paged (`limit` default 1000, at most 10000: a larger one counts as 10000): X-Total-Count and Link (rel next/prev) headers. `level` keeps one level.",
        },
      },
    );
}
