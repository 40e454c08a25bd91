// Local receivers for notification tests: a Bun.serve on 127.0.0.1 port 0 that records requests.
import { eq } from "drizzle-orm";
import type { AppContext } from "../../src/context.ts";
import { runLogs, runs } from "../../src/db/schema.ts";
import type { RunEvents } from "../../src/runs/events.ts";

export interface Received {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
}

export function receiver(answer: (r: Received, n: number) => Response | Promise<Response> = () => new Response("ok")) {
  const got: Received[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const r: Received = { method: req.method, path: url.pathname, query: url.search, headers: req.headers.toJSON(), body: await req.text() };
      got.push(r);
      return answer(r, got.length);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, got, stop: () => server.stop(true) };
}

/** What the engine does for a run: rows first, then the events. */
export function simulateRun(
  ctx: AppContext,
  events: RunEvents,
  jobId: number,
  status: "completed" | "failed",
  error: string | null = null,
  lines: string[] = [],
  kind: "backup" | "restore" | "verify" = "backup",
) {
  const run = ctx.db.insert(runs).values({ jobId, kind, status: "running", trigger: "manual", startedAt: new Date().toISOString() }).returning().get();
  events.emit({ type: "job_started", kind, job_id: jobId, run_id: run.id, job_name: "Job" });
  for (const message of lines) ctx.db.insert(runLogs).values({ runId: run.id, timestamp: new Date().toISOString(), level: "error", message }).run();
  ctx.db.update(runs).set({ status, completedAt: new Date().toISOString(), errorMessage: error }).where(eq(runs.id, run.id)).run();
  events.emit({ type: "job_completed", kind, job_id: jobId, run_id: run.id, job_name: "Job", status, files_transferred: 0, bytes_transferred: 0, files_deleted: 0, error_message: error });
  return run.id;
}
