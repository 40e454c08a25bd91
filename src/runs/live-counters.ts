// The one overlay of live counters: a run row gets its counters at the end (queries.finishRun),
// so while the run is active every reader (the runs API, job views, pages) takes them from the
// engine instead, through this function.
import type { LiveCounters, RunEngine } from "./engine-types.ts";

type Counted = { id: number; status: string; files_transferred: number; bytes_transferred: number; files_deleted: number; files_checked?: number; differences?: number };

/** The run with the engine's live counters while it is active (pending or running), else as stored. */
export function withLiveCounters<R extends Counted>(run: R, engine: Pick<RunEngine, "live">): R {
  if (run.status !== "pending" && run.status !== "running") return run;
  const live: LiveCounters | null = engine.live(run.id);
  if (!live) return run;
  const out = { ...run, files_transferred: live.files_transferred, bytes_transferred: live.bytes_transferred, files_deleted: live.files_deleted };
  // Only on views that carry them (a run, not a job's last-run summary).
  if ("files_checked" in run) Object.assign(out, { files_checked: live.files_checked, differences: live.differences });
  return out;
}
