// A run's page, its summary fragment (re-rendered when the run ends), cancel and delete.
import { Elysia } from "elysia";
import { NotFoundPage } from "../../../views/components/not-found.tsx";
import { RunDetailPage, RunSummary } from "../../../views/pages/run-detail.tsx";
import type { AppContext } from "../../context.ts";
import { withLiveCounters } from "../../runs/live-counters.ts";
import { deleteRuns, getRun, jobRunNumber, listLogs } from "../../runs/queries.ts";
import type { Services } from "../../services.ts";
import { html, redirect } from "../html.ts";
import { pageAuth } from "../session.ts";
import { idParam } from "./common.ts";

/** A finished run's page shows this many lines; the rest are one link away (the API). */
export const PAGE_LOG_LINES = 5000;

const hide = { detail: { hide: true } };

export function runPages(ctx: AppContext, services: Services) {
  const { db } = ctx;
  const { engine } = services;
  const isActive = (runId: number) => engine.activeRunIds().includes(runId);

  return new Elysia({ name: "web-runs" })
    .use(pageAuth(ctx))
    .get(
      "/runs/:id",
      async ({ params, user, theme }) => {
        const id = idParam(params.id);
        const run = id === null ? undefined : getRun(db, id);
        if (!run) return html(<NotFoundPage username={user.username} theme={theme} message="This run does not exist (it may have been pruned or deleted)." />, { status: 404 });
        const active = isActive(run.id) || run.status === "pending" || run.status === "running";
        // An active run's lines come through the WebSocket (stored first, then live): none here.
        const logs = active ? { rows: [], total: 0 } : listLogs(db, run.id, { limit: PAGE_LOG_LINES, offset: 0 });
        return html(
          <RunDetailPage
            username={user.username}
            theme={theme}
            run={active ? withLiveCounters(run, engine) : run}
            active={active}
            logs={logs.rows}
            logTotal={logs.total}
            number={jobRunNumber(db, run.job_id, run.id)}
          />,
        );
      },
      { page: true, ...hide },
    )
    .get(
      "/runs/:id/summary",
      ({ params }) => {
        const run = getRun(db, idParam(params.id) ?? 0);
        if (!run) return html("");
        return html(<RunSummary run={withLiveCounters(run, engine)} number={jobRunNumber(db, run.job_id, run.id)} active={isActive(run.id)} progress={engine.live(run.id)} />);
      },
      { page: true, ...hide },
    )
    .post(
      "/runs/:id/cancel",
      async ({ params }) => {
        const run = getRun(db, idParam(params.id) ?? 0);
        if (!run) return html("");
        let error: string | null = null;
        if (isActive(run.id)) await engine.cancel(run.job_id);
        else error = "This run is not in progress.";
        return html(<RunSummary run={getRun(db, run.id) ?? run} number={jobRunNumber(db, run.job_id, run.id)} active={isActive(run.id)} error={error} />);
      },
      { page: true, ...hide },
    )
    .post(
      "/runs/:id/delete",
      ({ request, params }) => {
        const run = getRun(db, idParam(params.id) ?? 0);
        if (!run) return redirect("/", request);
        if (isActive(run.id)) return html(<RunSummary run={run} number={jobRunNumber(db, run.job_id, run.id)} active error="This run is in progress: cancel it first." />);
        deleteRuns(db, { runId: run.id }, []);
        return redirect(`/jobs/${run.job_id}/runs?deleted=1`, request);
      },
      { page: true, ...hide },
    );
}
