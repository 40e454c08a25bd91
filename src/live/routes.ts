// WebSockets: /api/ws/logs/:run_id and /api/ws/status. Authenticated on the upgrade request by
// the same guard as the API (cookie, ?token= or API key); a refused upgrade is an HTTP 401/404,
// never an opened-then-closed socket.
import { Elysia } from "elysia";
import { authPlugin } from "../auth/guard.ts";
import type { AppContext } from "../context.ts";
import { notFound } from "../http/errors.ts";
import { idParams } from "../http/params.ts";
import { RunEvents } from "../runs/events.ts";
import { LogStream } from "./log-stream.ts";
import { Outbox, type Socket } from "./outbox.ts";
import { runState } from "./queries.ts";
import { StatusStream } from "./status-stream.ts";

export interface LiveDeps {
  events?: RunEvents;
}

export function liveRoutes(ctx: AppContext, deps: LiveDeps) {
  // Without a run engine (tests of other features) nothing is ever emitted: stored lines only.
  const events = deps.events ?? new RunEvents();
  const logStreams = new Map<string, LogStream>();
  const statusStreams = new Map<string, StatusStream>();
  return new Elysia({ name: "live" })
    .use(authPlugin(ctx))
    .ws("/api/ws/logs/:run_id", {
      auth: true,
      params: idParams("run_id"),
      upgrade({ params }) {
        if (!runState(ctx.db, Number(params.run_id))) throw notFound("Run not found");
      },
      open(ws) {
        const stream = new LogStream(ctx.db, events, Number(ws.data.params.run_id), new Outbox(ws.raw as unknown as Socket));
        logStreams.set(ws.id, stream);
        stream.start().catch((err) => {
          ctx.logger.error("log stream failed", { run_id: ws.data.params.run_id, error: err instanceof Error ? err.message : String(err) });
          stream.stop();
          ws.close(1011, "server error");
        });
      },
      // Clients have nothing to say on these streams.
      message() {},
      close(ws) {
        logStreams.get(ws.id)?.stop();
        logStreams.delete(ws.id);
      },
      detail: { tags: ["Live"], summary: "Live log of a run (stored lines, then live ones, then a final status)" },
    })
    .ws("/api/ws/status", {
      auth: true,
      open(ws) {
        statusStreams.set(ws.id, new StatusStream(events, new Outbox(ws.raw as unknown as Socket)));
      },
      message() {},
      close(ws) {
        statusStreams.get(ws.id)?.stop();
        statusStreams.delete(ws.id);
      },
      detail: { tags: ["Live"], summary: "Job started/progress/completed for all jobs" },
    });
}
