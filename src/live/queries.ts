// The little SQL the live streams need: a run's state and its stored lines after an id.
import type { Db } from "../db/client.ts";

export type RunStatus = "pending" | "running" | "completed" | "failed" | "cancelled";

export interface RunState {
  id: number;
  status: RunStatus;
  files_transferred: number;
  bytes_transferred: number;
  files_deleted: number;
  error_message: string | null;
}

export interface StoredLine {
  id: number;
  timestamp: string;
  level: "info" | "warning" | "error";
  message: string;
}

export const FINISHED: ReadonlySet<RunStatus> = new Set(["completed", "failed", "cancelled"]);

export function runState(db: Db, runId: number): RunState | null {
  return db.$client.query<RunState, [number]>("SELECT id, status, files_transferred, bytes_transferred, files_deleted, error_message FROM runs WHERE id = ?").get(runId) ?? null;
}

export function linesAfter(db: Db, runId: number, afterId: number, limit: number): StoredLine[] {
  return db.$client.query<StoredLine, [number, number, number]>("SELECT id, timestamp, level, message FROM run_logs WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?").all(runId, afterId, limit);
}
