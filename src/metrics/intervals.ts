// How often a job is meant to run, from its schedules: the base of the "no successful run for
// longer than the schedule implies" alert (dynamight_job_expected_interval_seconds).
// See deploy/README.md for why each number is what it is.
import { Cron } from "croner";
import { cronOptions, cronPattern, type ScheduleDefinition } from "../schedules/cron.ts";

export const DAY_SECONDS = 86_400;
export const WEEK_SECONDS = 7 * DAY_SECONDS;
/** The longest month: a monthly job is late only when no month, not even a 31-day one, explains the gap. */
export const MONTH_SECONDS = 31 * DAY_SECONDS;

/** Firings looked at, at most, for a custom pattern (a week of "every 10 minutes" is 1008). */
const MAX_FIRINGS = 1100;

/**
 * The largest gap between consecutive firings over at least `spanSeconds` from `from`. The largest
 * and not the next one: for "0 2 * * 1-5" the next gap is a day on Sunday and three days on
 * Friday, and an alert must not fire every weekend. Null when the pattern fires fewer than twice.
 */
export function largestGapSeconds(def: ScheduleDefinition, from: Date, spanSeconds = WEEK_SECONDS): number | null {
  let cron: Cron;
  try {
    cron = new Cron(cronPattern(def), cronOptions(def.timezone));
  } catch {
    // A stored row that no longer compiles never fires (the scheduler skips it): no interval.
    return null;
  }
  try {
    let prev = cron.nextRun(from);
    if (!prev) return null;
    const first = prev.getTime();
    let largest: number | null = null;
    for (let i = 0; i < MAX_FIRINGS; i++) {
      const next = cron.nextRun(prev);
      if (!next) break;
      largest = Math.max(largest ?? 0, (next.getTime() - prev.getTime()) / 1000);
      prev = next;
      if ((prev.getTime() - first) / 1000 >= spanSeconds) break;
    }
    return largest;
  } finally {
    cron.stop();
  }
}

/** The expected interval of one schedule in seconds (null: it never fires twice). */
export function scheduleIntervalSeconds(def: ScheduleDefinition, from: Date): number | null {
  switch (def.schedule_type) {
    case "daily":
      return DAY_SECONDS;
    case "weekly":
      return WEEK_SECONDS;
    case "monthly":
      // Day 29-31 skips the months without it (plain cron semantics): the real gap can be 2 months.
      return def.day_of_month !== null && def.day_of_month > 28 ? largestGapSeconds(def, from, 366 * DAY_SECONDS) : MONTH_SECONDS;
    case "custom":
      return largestGapSeconds(def, from);
    default: {
      const never: never = def.schedule_type;
      return never;
    }
  }
}

/**
 * Memoises scheduleIntervalSeconds per definition for an hour: a week of a busy custom pattern is
 * ~1000 croner steps (tens of ms), too much for every scrape, and the answer barely moves.
 */
export class IntervalCache {
  private entries = new Map<string, { at: number; value: number | null }>();

  constructor(private readonly ttlMs = 3_600_000) {}

  intervalOf(def: ScheduleDefinition, now: Date): number | null {
    const key = JSON.stringify(def);
    const hit = this.entries.get(key);
    if (hit && now.getTime() - hit.at < this.ttlMs) return hit.value;
    const value = scheduleIntervalSeconds(def, now);
    if (this.entries.size > 1000) this.entries.clear();
    this.entries.set(key, { at: now.getTime(), value });
    return value;
  }

  /** The smallest interval over a job's schedules: the most frequent one sets the expectation. */
  expected(defs: ScheduleDefinition[], now: Date): number | null {
    let best: number | null = null;
    for (const def of defs) {
      const s = this.intervalOf(def, now);
      if (s !== null && (best === null || s < best)) best = s;
    }
    return best;
  }
}
