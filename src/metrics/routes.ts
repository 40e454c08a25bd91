// GET /metrics (Prometheus text). Needs a session or an API key (a read-scoped key is enough).
import { Elysia } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import type { RunEvents } from "../runs/events.ts";
import type { SchedulerStats } from "../schedules/scheduler.ts";
import { collect } from "./collect.ts";
import { CONTENT_TYPE, render } from "./format.ts";
import type { HttpRequestCounter } from "./http.ts";
import { RunCounters } from "./runs.ts";

export interface MetricsDeps {
  events?: RunEvents;
  scheduler?: { stats: SchedulerStats };
}

export function metricsRoutes(ctx: AppContext, deps: MetricsDeps, http: HttpRequestCounter) {
  const runs = new RunCounters(deps.events);
  return new Elysia({ name: "metrics" }).use(authPlugin(ctx)).get(
    "/metrics",
    () =>
      new Response(render(collect({ db: ctx.db, runs, http, scheduler: deps.scheduler })), {
        headers: { "content-type": CONTENT_TYPE, "cache-control": "no-store" },
      }),
    {
      auth: true,
      detail: {
        tags: ["System"],
        summary: "Prometheus metrics",
        description: "Text exposition format 0.0.4. Session or API key (read scope is enough).",
        responses: { 200: { description: "metrics", content: { "text/plain": { schema: { type: "string" } } } } },
      },
    },
  );
}
