// In-process fan-out of run events: the engine emits, WebSockets, metrics and the UI listen.
// Listeners must be quick and must not throw; a slow consumer buffers on its own side.

import type { RunKind } from "./engine-types.ts";

export type RunEvent =
  | { type: "job_started"; job_id: number; run_id: number; kind: RunKind; job_name: string }
  | {
      type: "job_progress";
      job_id: number;
      run_id: number;
      kind: RunKind;
      files_transferred: number;
      bytes_transferred: number;
      files_deleted: number;
      /** Verify runs: files compared and differences found so far. */
      files_checked?: number;
      differences?: number;
      files_total: number | null;
      bytes_total: number | null;
    }
  | {
      type: "job_completed";
      job_id: number;
      run_id: number;
      kind: RunKind;
      job_name: string;
      status: "completed" | "failed" | "cancelled";
      files_transferred: number;
      bytes_transferred: number;
      files_deleted: number;
      error_message: string | null;
    }
  /** Something to tell a person about a run beyond its outcome (notifications listen; the WebSocket does not send it). */
  | { type: "alert"; kind: "low_space" | "reconnect_needed"; job_id: number; run_id: number; message: string }
  /** A stored log line (id is its row id, so a reader can join stored and live lines without gap or duplicate). */
  | { type: "log"; run_id: number; id: number; timestamp: string; level: "info" | "warning" | "error"; message: string };

export type RunEventListener = (event: RunEvent) => void;

export class RunEvents {
  private listeners = new Set<RunEventListener>();

  subscribe(fn: RunEventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  emit(event: RunEvent) {
    for (const fn of this.listeners) {
      try {
        fn(event);
      } catch {
        // A broken listener must never stop a run.
      }
    }
  }
}
