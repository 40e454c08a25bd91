// Long-lived background parts (scheduler, run engine, ...) started before the listener and
// stopped after it. Each registers its health component when it is ready.
import type { AppContext } from "./context.ts";

export interface Services {
  stop(): Promise<void>;
}

export async function startServices(ctx: AppContext): Promise<Services> {
  ctx.health.register("rsync", () => {
    const path = Bun.which("rsync");
    return path ? { ready: true, error: null } : { ready: false, error: "rsync not found on PATH: local and USB destinations cannot run (install the rsync package)" };
  });
  return { async stop() {} };
}
