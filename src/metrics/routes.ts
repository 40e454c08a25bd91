// GET /metrics (Prometheus text). Needs a session or an API key (a read-scoped key is enough).
import { Elysia } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import type { RunEvents } from "../runs/events.ts";
import { getSettings } from "../settings/service.ts";
import { collect, type SchedulerView } from "./collect.ts";
import { CONTENT_TYPE, render } from "./format.ts";
import type { HttpRequestCounter } from "./http.ts";
import { IntervalCache } from "./intervals.ts";
import { RunCounters } from "./runs.ts";

export interface MetricsDeps {
  events?: RunEvents;
  scheduler?: SchedulerView;
}

export function metricsRoutes(ctx: AppContext, deps: MetricsDeps, http: HttpRequestCounter) {
  const runs = new RunCounters(deps.events);
  const intervals = new IntervalCache();
  return new Elysia({ name: "metrics" }).use(authPlugin(ctx)).get(
    "/metrics",
    async () => {
      const publicUrl = getSettings(ctx.db).public_url ?? "";
      const families = await collect({ db: ctx.db, runs, http, scheduler: deps.scheduler, intervals, publicUrl });
      return new Response(render(families), { headers: { "content-type": CONTENT_TYPE, "cache-control": "no-store" } });
    },
    {
      auth: true,
      detail: {
        tags: ["System"],
        summary: "Prometheus metrics",
        description: "Text exposition format 0.0.4. Session or API key (read scope is enough). The families, and the Prometheus rules and Grafana dashboard built on them: deploy/README.md.",
        responses: { 200: { description: "metrics", content: { "text/plain": { schema: { type: "string" } } } } },
      },
    },
  );
}
