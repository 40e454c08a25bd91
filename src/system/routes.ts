import { Elysia, t } from "elysia";
import type { AppContext } from "../context.ts";
import { VERSION } from "../version.ts";

const Component = t.Object({ ready: t.Boolean(), error: t.Union([t.String(), t.Null()]) });
const HealthResponse = t.Object({
  status: t.Union([t.Literal("ok"), t.Literal("degraded"), t.Literal("unavailable")]),
  version: t.String(),
  uptime_seconds: t.Integer(),
  components: t.Object({ database: Component, scheduler: Component, rsync: Component }),
});

export function systemRoutes(ctx: AppContext) {
  return new Elysia({ name: "system-health", prefix: "/api/system" }).get(
    "/health",
    ({ set }) => {
      const report = ctx.health.report();
      if (!report.ready) set.status = 503;
      return {
        status: report.status,
        version: VERSION,
        uptime_seconds: Math.floor((Date.now() - ctx.startedAt) / 1000),
        components: report.components,
      };
    },
    {
      response: { 200: HealthResponse, 503: HealthResponse },
      detail: {
        tags: ["System"],
        summary: "Health check",
        description: "Public. 200 when the database and scheduler are ready (status `degraded` if rsync is missing), 503 otherwise.",
        security: [],
      },
    },
  );
}
