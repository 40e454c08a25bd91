// Small display helpers shared by the pages. Times are rendered in UTC on the server and turned
// into the browser's local time by public/js/live.js (elements with data-local-time).
import type { RunKind, RunStatus } from "./types.ts";

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Seconds between two ISO times, or null while either is missing. */
export function durationSeconds(start: string | null, end: string | null): number | null {
  if (!start || !end) return null;
  const s = (Date.parse(end) - Date.parse(start)) / 1000;
  return Number.isFinite(s) && s >= 0 ? s : null;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "–";
  if (seconds < 1) return "<1 s";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "2026-01-05 02:00 UTC": readable without JS, localised by live.js. */
export function formatUtc(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "–";
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "Mon 1 Dec, 03:30 CET": a time as a clock in `zone` shows it (schedule previews); UTC text if the zone is unknown. */
export function formatInZone(iso: string, zone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "–";
  try {
    return new Intl.DateTimeFormat("en-GB", { timeZone: zone, weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" }).format(
      d,
    );
  } catch {
    return formatUtc(iso);
  }
}

export function Time(props: { iso: string | null | undefined; empty?: string }) {
  if (!props.iso)
    return (
      <span class="muted" safe>
        {props.empty ?? "–"}
      </span>
    );
  return (
    <time datetime={props.iso} data-local-time safe>
      {formatUtc(props.iso)}
    </time>
  );
}

const STATUS_LABEL: Record<RunStatus, string> = {
  pending: "Pending",
  running: "Running",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

const KIND_LABEL: Record<RunKind, string> = { backup: "Backup", restore: "Restore", verify: "Verify" };

/** A run's kind, as a word; a restore or verify stands out from the backups around it. */
export function KindLabel(props: { kind: RunKind }) {
  return (
    <span class={props.kind === "backup" ? "muted" : `kind kind-${props.kind}`} safe>
      {KIND_LABEL[props.kind]}
    </span>
  );
}

export function StatusBadge(props: { status: RunStatus | null; id?: string }) {
  if (!props.status)
    return (
      <span class="badge" id={props.id}>
        Never run
      </span>
    );
  return (
    <span class={`badge badge-${props.status}`} id={props.id} safe>
      {STATUS_LABEL[props.status] ?? props.status}
    </span>
  );
}

export function ErrorAlert(props: { message?: string | null }) {
  if (!props.message) return "";
  return (
    <div class="alert alert-error" role="alert" safe>
      {props.message}
    </div>
  );
}

export function OkAlert(props: { message?: string | null }) {
  if (!props.message) return "";
  return (
    <div class="alert alert-ok" role="status" safe>
      {props.message}
    </div>
  );
}

/** A destination type's name wherever it is offered: one wording for the types that cannot run yet. */
export function providerLabel(p: { name: string; sync_implemented: boolean }): string {
  return p.sync_implemented ? p.name : `${p.name} (coming soon)`;
}
