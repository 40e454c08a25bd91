// Dashboard, job list, a job's page (card + history), and the job actions the pages post.
import { Elysia } from "elysia";
import { ErrorAlert } from "../../../views/components/format.tsx";
import { JobCard } from "../../../views/components/job-card.tsx";
import { NotFoundPage } from "../../../views/components/not-found.tsx";
import type { ProgressProps } from "../../../views/components/types.ts";
import { DashboardPage, JobsPage } from "../../../views/pages/dashboard.tsx";
import { JobRunsPage } from "../../../views/pages/job-runs.tsx";
import type { AppContext } from "../../context.ts";
import * as jobs from "../../jobs/service.ts";
import { withLiveCounters } from "../../runs/live-counters.ts";
import { deleteRuns, listJobRuns } from "../../runs/queries.ts";
import type { Services } from "../../services.ts";
import { messageOf } from "../forms.ts";
import { html, redirect } from "../html.ts";
import { pageAuth, type Viewer } from "../session.ts";
import { idParam, isNotFound, providerNames, providers, rearm } from "./common.ts";

const PAGE_SIZE = 20;
const hide = { detail: { hide: true } };

/** An active run's live numbers from the engine, so a page rendered mid-run shows them. */
function liveProgress(services: Services, runId: number | null): ProgressProps | null {
  return runId === null ? null : services.engine.live(runId);
}

/** Numbers only come from the URL; the words are ours (a crafted link cannot put text on the page). */
function deletedMessage(raw: string | null): string | null {
  if (raw === null || !/^\d{1,9}$/.test(raw)) return null;
  return raw === "1" ? "1 run deleted." : `${raw} runs deleted.`;
}

/** "Saved" after the editor's redirect; only our own words, whatever the link says. */
function savedMessage(raw: string | null): string | null {
  if (raw === "created") return "Job created.";
  if (raw === "updated") return "Changes saved.";
  return null;
}

/** An action refused (409 and friends): the message goes into the page's error slot. */
function inlineError(message: string) {
  return html(<ErrorAlert message={message} />, { headers: { "hx-retarget": "#page-error", "hx-reswap": "innerHTML" } });
}

function renderDashboard(ctx: AppContext, services: Services, page: Viewer) {
  const all = jobs.listJobs(ctx.db, services.engine);
  const active: Record<number, number> = {};
  const progress: Record<number, ProgressProps> = {};
  for (const j of all) {
    if (j.active_run_id === null) continue;
    active[j.id] = j.active_run_id;
    const p = liveProgress(services, j.active_run_id);
    if (p) progress[j.id] = p;
  }
  // Ready types first; the ones that cannot run yet stay listed (marked) so a new user sees what is coming.
  const firstSteps =
    all.length === 0
      ? providers()
          .map((p) => ({ type: p.type, name: p.name, description: p.description, ready: p.sync_implemented }))
          .sort((a, b) => Number(b.ready) - Number(a.ready))
      : undefined;
  return html(<DashboardPage username={page.user.username} theme={page.theme} jobs={all} active={active} progress={progress} providerNames={providerNames()} firstSteps={firstSteps} />);
}

export function jobPages(ctx: AppContext, services: Services) {
  const { db } = ctx;
  const { engine } = services;
  const notFoundPage = (page: Viewer, message: string) => html(<NotFoundPage username={page.user.username} theme={page.theme} message={message} />, { status: 404 });

  const card = (request: Request, id: number, error?: string | null) => {
    const job = jobs.getJob(db, engine, id);
    return html(
      <JobCard
        job={job}
        activeRunId={job.active_run_id}
        progress={liveProgress(services, job.active_run_id)}
        providerName={providerNames()[job.destination_type]}
        error={error}
        compact={new URL(request.url).searchParams.get("compact") === "1"}
      />,
    );
  };

  const historyPage = (page: Viewer, request: Request, rawId: string) => {
    const id = idParam(rawId);
    if (id === null) return notFoundPage(page, "No such job.");
    let job: jobs.JobView;
    try {
      job = jobs.getJob(db, engine, id);
    } catch (err) {
      if (isNotFound(err)) return notFoundPage(page, "This job does not exist (it may have been deleted).");
      throw err;
    }
    const url = new URL(request.url);
    const offset = Math.max(0, Number(url.searchParams.get("offset")) || 0);
    const { rows, total } = listJobRuns(db, id, PAGE_SIZE, offset);
    return html(
      <JobRunsPage
        username={page.user.username}
        theme={page.theme}
        job={job}
        runs={rows.map((r) => withLiveCounters(r, engine))}
        total={total}
        limit={PAGE_SIZE}
        offset={offset}
        activeRunId={job.active_run_id}
        progress={liveProgress(services, job.active_run_id)}
        providerName={providerNames()[job.destination_type]}
        message={deletedMessage(url.searchParams.get("deleted")) ?? savedMessage(url.searchParams.get("saved"))}
      />,
    );
  };

  return (
    new Elysia({ name: "web-jobs" })
      .use(pageAuth(ctx))
      // Before the first user exists, a stranger is sent to /setup rather than /login.
      .get("/", ({ user, theme }) => renderDashboard(ctx, services, { user, theme }), { page: "setup-first", ...hide })
      .get(
        "/jobs",
        async ({ request, user, theme }) => {
          const all = jobs.listJobs(db, engine);
          const active = Object.fromEntries(all.filter((j) => j.active_run_id !== null).map((j) => [j.id, j.active_run_id!]));
          return html(<JobsPage username={user.username} theme={theme} jobs={all} active={active} providerNames={providerNames()} />);
        },
        { page: true, ...hide },
      )
      .get("/jobs/:id", ({ request, params, user, theme }) => historyPage({ user, theme }, request, params.id), { page: true, ...hide })
      .get("/jobs/:id/runs", ({ request, params, user, theme }) => historyPage({ user, theme }, request, params.id), { page: true, ...hide })
      .get(
        "/jobs/:id/card",
        async ({ request, params }) => {
          const id = idParam(params.id);
          // A card whose job is gone disappears (htmx swaps in the empty body).
          if (id === null) return html("");
          try {
            return await card(request, id);
          } catch (err) {
            if (isNotFound(err)) return html("");
            throw err;
          }
        },
        { page: true, ...hide },
      )
      .post(
        "/jobs/:id/run",
        async ({ request, params }) => {
          const id = idParam(params.id);
          if (id === null) return html("");
          let error: string | null = null;
          try {
            engine.start(id, { trigger: "manual" });
          } catch (err) {
            if (isNotFound(err)) return html("");
            error = messageOf(err);
          }
          return card(request, id, error);
        },
        { page: true, ...hide },
      )
      .post(
        "/jobs/:id/cancel",
        async ({ request, params }) => {
          const id = idParam(params.id);
          if (id === null) return html("");
          const cancelled = await engine.cancel(id);
          try {
            return await card(request, id, cancelled ? null : "This job is not running.");
          } catch (err) {
            if (isNotFound(err)) return html("");
            throw err;
          }
        },
        { page: true, ...hide },
      )
      .post(
        "/jobs/:id/clone",
        async ({ request, params }) => {
          const id = idParam(params.id);
          try {
            const copy = jobs.cloneJob(db, engine, id ?? 0, ctx.config);
            return redirect(`/jobs/${copy.id}/edit`, request);
          } catch (err) {
            return inlineError(messageOf(err));
          }
        },
        { page: true, ...hide },
      )
      .post(
        "/jobs/:id/delete",
        async ({ request, params }) => {
          const id = idParam(params.id);
          try {
            jobs.deleteJob(db, engine, id ?? 0);
            rearm(services, id ?? undefined);
            return redirect("/jobs", request);
          } catch (err) {
            return inlineError(messageOf(err));
          }
        },
        { page: true, ...hide },
      )
      .post(
        "/jobs/:id/runs/delete",
        async ({ request, params }) => {
          const id = idParam(params.id);
          if (id === null) return redirect("/jobs", request);
          const count = deleteRuns(db, { jobId: id }, services.engine.activeRunIds());
          return redirect(`/jobs/${id}/runs?deleted=${count}`, request);
        },
        { page: true, ...hide },
      )
  );
}
