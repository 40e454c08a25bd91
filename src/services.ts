// Long-lived background parts (scheduler, run engine, ...) started before the listener and
// stopped after it. Each registers its health component when it is ready.
// createServices is synchronous so tests build the same services the server runs.
import type { AppContext } from "./context.ts";
import { Notifier } from "./notifications/notifier.ts";
import type { OAuthFlows } from "./oauth/flows.ts";
import { createFlows } from "./oauth/service.ts";
import { Engine } from "./runs/engine.ts";
import type { RunEngine } from "./runs/engine-types.ts";
import { RunEvents } from "./runs/events.ts";
import { Scheduler } from "./schedules/scheduler.ts";
import { getSettings } from "./settings/service.ts";
import { verifyBody } from "./verify/service.ts";

export interface Services {
  /** Run events (job_started, job_progress, job_completed, log) for WebSockets, metrics and the UI. */
  events: RunEvents;
  engine: RunEngine & Pick<Engine, "activeRunIds">;
  /** Fires schedules through the engine; armed by startServices (tests drive their own). */
  scheduler: Scheduler;
  /** Notification delivery (outbox); subscribed to the events at once, its timers armed by startServices. */
  notifier: Notifier;
  /** Pending OAuth authorizations and device code polls (src/oauth). */
  oauth: OAuthFlows;
  stop(): Promise<void>;
}

export function createServices(ctx: AppContext): Services {
  ctx.health.register("rsync", () => {
    const path = Bun.which("rsync");
    return path ? { ready: true, error: null } : { ready: false, error: "rsync not found on PATH: local and USB destinations cannot run (install the rsync package)" };
  });
  const events = new RunEvents();
  const engine = new Engine({
    db: ctx.db,
    events,
    logger: ctx.logger,
    secret: ctx.secret,
    dataDir: ctx.config.dataDir,
    allowedRoots: ctx.config.allowedBrowsePaths,
    maxRunsPerJob: () => getSettings(ctx.db).max_runs_per_job,
  });
  // What a verify started without a body (a schedule with action "verify") runs: the quick check.
  engine.register("verify", verifyBody({ deep: false }));
  // Before anything can start a run: what the previous process left running is over.
  engine.reconcile();
  const notifier = new Notifier({ db: ctx.db, secret: ctx.secret, logger: ctx.logger, timers: false });
  notifier.start(events);
  const scheduler = new Scheduler(ctx, engine, { onSkipped: (s) => notifier.runMissed(s) });
  const oauth = createFlows(ctx);
  return {
    events,
    engine,
    scheduler,
    notifier,
    oauth,
    async stop() {
      oauth.stop();
      await notifier.stop();
      // Scheduler first: nothing may start a run while the engine winds down.
      await scheduler.stop();
      await engine.stop();
    },
  };
}

export async function startServices(ctx: AppContext): Promise<Services> {
  const services = createServices(ctx);
  // After reconcile: catch-up may start runs, which must not be taken for interrupted ones.
  services.scheduler.start();
  // Outbox polling (sends what a previous process left) and the no_success check.
  services.notifier.startTimers();
  return services;
}
