// Readiness of the parts the appliance needs. Each subsystem registers a check when it starts;
// a component nobody registered is reported as not started, never as ready.

export interface ComponentStatus {
  ready: boolean;
  error: string | null;
}

export type ComponentName = "database" | "scheduler" | "rsync";

/**
 * database and scheduler are required: while either is not ready, health answers 503.
 * rsync only serves local destinations, so its absence degrades the service (200, status
 * "degraded") rather than taking it down for users who back up to S3 or SFTP.
 */
const REQUIRED: ComponentName[] = ["database", "scheduler"];
const ALL: ComponentName[] = ["database", "scheduler", "rsync"];

export class Health {
  private checks = new Map<ComponentName, () => ComponentStatus>();

  register(name: ComponentName, check: () => ComponentStatus) {
    this.checks.set(name, check);
  }

  report(): { status: "ok" | "degraded" | "unavailable"; ready: boolean; components: Record<ComponentName, ComponentStatus> } {
    const components = {} as Record<ComponentName, ComponentStatus>;
    for (const name of ALL) {
      const check = this.checks.get(name);
      try {
        components[name] = check ? check() : { ready: false, error: "not started" };
      } catch (err) {
        components[name] = { ready: false, error: err instanceof Error ? err.message : String(err) };
      }
    }
    const ready = REQUIRED.every((n) => components[n].ready);
    const status = !ready ? "unavailable" : ALL.every((n) => components[n].ready) ? "ok" : "degraded";
    return { status, ready, components };
  }
}
