// All SQL of /metrics: one pass over jobs with each job's latest finished run.
import type { Db } from "../db/client.ts";

export interface JobRunState {
  id: number;
  name: string;
  lastStatus: "completed" | "failed" | "cancelled" | null;
  lastCompletedAt: string | null;
  active: boolean;
}

export function jobRunStates(db: Db): JobRunState[] {
  const rows = db.$client
    .query<{ id: number; name: string; status: JobRunState["lastStatus"]; completed_at: string | null; active: number }, []>(
      `SELECT j.id, j.name, r.status, r.completed_at,
              EXISTS (SELECT 1 FROM runs a WHERE a.job_id = j.id AND a.status IN ('pending', 'running')) AS active
         FROM jobs j
         LEFT JOIN runs r ON r.id = (
           SELECT id FROM runs WHERE job_id = j.id AND status IN ('completed', 'failed', 'cancelled') ORDER BY id DESC LIMIT 1)
        ORDER BY j.id`,
    )
    .all();
  return rows.map((r) => ({ id: r.id, name: r.name, lastStatus: r.status, lastCompletedAt: r.completed_at, active: r.active === 1 }));
}
