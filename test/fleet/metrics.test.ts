// The /metrics families the fleet rules and dashboard stand on, with their values from the
// database, the schedules (croner) and the filesystem (statfs).
import { describe, expect, test } from "bun:test";
import { statfsSync } from "node:fs";
import { credentials, jobs, runs, schedules } from "../../src/db/schema.ts";
import { collect } from "../../src/metrics/collect.ts";
import { render } from "../../src/metrics/format.ts";
import { HttpRequestCounter } from "../../src/metrics/http.ts";
import { DAY_SECONDS, IntervalCache, largestGapSeconds, MONTH_SECONDS, scheduleIntervalSeconds, WEEK_SECONDS } from "../../src/metrics/intervals.ts";
import { median } from "../../src/metrics/jobs.ts";
import { RunCounters } from "../../src/metrics/runs.ts";
import type { ScheduleDefinition } from "../../src/schedules/cron.ts";
import { VERSION } from "../../src/version.ts";
import { tempDir } from "../engine/fixtures.ts";
import { signedIn } from "../schedules/helpers.ts";

/** "name{labels}" → value, from the exposition text. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

const def = (d: Partial<ScheduleDefinition> & Pick<ScheduleDefinition, "schedule_type">): ScheduleDefinition => ({
  hour: null,
  minute: null,
  day_of_week: null,
  day_of_month: null,
  cron_expression: null,
  timezone: null,
  ...d,
});
const FROM = new Date("2026-03-04T12:00:00Z"); // a Wednesday

describe("expected interval of a schedule", () => {
  test("daily, weekly, monthly are fixed; monthly is the longest month", () => {
    expect(scheduleIntervalSeconds(def({ schedule_type: "daily", hour: 2, minute: 0 }), FROM)).toBe(DAY_SECONDS);
    expect(scheduleIntervalSeconds(def({ schedule_type: "weekly", hour: 2, minute: 0, day_of_week: 1 }), FROM)).toBe(WEEK_SECONDS);
    expect(scheduleIntervalSeconds(def({ schedule_type: "monthly", hour: 2, minute: 0, day_of_month: 15 }), FROM)).toBe(MONTH_SECONDS);
    expect(MONTH_SECONDS).toBe(2_678_400);
  });

  test("a monthly day 31 skips the shorter months: its longest gap over a year", () => {
    // 31 Mar → 31 May is the longest (61 days; 31 Jul → 31 Aug is 31, 31 Dec → 31 Jan 31...).
    expect(scheduleIntervalSeconds(def({ schedule_type: "monthly", hour: 2, minute: 0, day_of_month: 31, timezone: "UTC" }), FROM)).toBe(61 * DAY_SECONDS);
  });

  test("custom cron: the largest gap over the coming week, so weekends do not alert", () => {
    const custom = (e: string) => def({ schedule_type: "custom", cron_expression: e, timezone: "UTC" });
    expect(largestGapSeconds(custom("*/15 * * * *"), FROM)).toBe(900);
    expect(largestGapSeconds(custom("0 2 * * 1-5"), FROM)).toBe(3 * DAY_SECONDS);
    expect(largestGapSeconds(custom("0 3 * * 0"), FROM)).toBe(WEEK_SECONDS);
    expect(largestGapSeconds(custom("0 0 1 1 *"), FROM)).toBe(365 * DAY_SECONDS);
    expect(largestGapSeconds(custom("0 2 30 2 *"), FROM)).toBeNull();
  });

  test("the cache: the smallest over schedules, the same answer within its lifetime", () => {
    const cache = new IntervalCache(1000);
    const d = def({ schedule_type: "custom", cron_expression: "0 2 * * 1-5", timezone: "UTC" });
    expect(cache.expected([d, def({ schedule_type: "weekly", hour: 1, minute: 0, day_of_week: 0 })], FROM)).toBe(3 * DAY_SECONDS);
    expect(cache.intervalOf(d, new Date(FROM.getTime() + 999))).toBe(3 * DAY_SECONDS);
    expect(cache.expected([], FROM)).toBeNull();
  });

  test("median", () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([10, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 100])).toBe(3.5);
  });
});

describe("GET /metrics: fleet families", () => {
  test("job schedules, last success, durations, last run figures, targets, credentials, appliance info", async () => {
    const { api, ctx } = await signedIn();
    const db = ctx.db;
    const folder = tempDir("dm-fleet-target-");
    const job = (name: string, extra: Partial<typeof jobs.$inferInsert> = {}) =>
      db
        .insert(jobs)
        .values({ name, sourceDirs: ["/nonexistent"], destinationType: "local", destinationConfig: { mount_point: folder }, syncOptions: {}, ...extra })
        .returning()
        .get();
    const photos = job("Photos", { destinationConfig: { mount_point: folder, min_free_space_mb: 10 } });
    const usb = job("USB", { destinationConfig: { mount_point: folder, usb_uuid: "1234-ABCD" } });
    const off = job("Off", { enabled: false });
    const sched = (jobId: number, values: Partial<typeof schedules.$inferInsert>) =>
      db
        .insert(schedules)
        .values({ jobId, scheduleType: "daily", hour: 2, minute: 0, ...values })
        .run();
    sched(photos.id, { scheduleType: "weekly", dayOfWeek: 1 });
    sched(photos.id, { scheduleType: "custom", hour: null, minute: null, cronExpression: "0 */6 * * *", timezone: "UTC" });
    sched(photos.id, { scheduleType: "custom", hour: null, minute: null, cronExpression: "*/5 * * * *", enabled: false });
    sched(photos.id, { scheduleType: "custom", hour: null, minute: null, cronExpression: "*/10 * * * *", action: "verify" });
    sched(usb.id, { scheduleType: "monthly", dayOfMonth: 1 });
    sched(off.id, {});

    const run = (jobId: number, status: "completed" | "failed" | "running", start: string, end: string | null, extra: Partial<typeof runs.$inferInsert> = {}) =>
      db
        .insert(runs)
        .values({ jobId, status, trigger: "scheduled", startedAt: start, completedAt: end, ...extra })
        .returning()
        .get();
    // Durations 100, 300, 200 s (median 200), then a failed run and a verify: not successes of a backup.
    run(photos.id, "completed", "2026-01-01T02:00:00.000Z", "2026-01-01T02:01:40.000Z");
    run(photos.id, "completed", "2026-01-02T02:00:00.000Z", "2026-01-02T02:05:00.000Z");
    run(photos.id, "completed", "2026-01-03T02:00:00.000Z", "2026-01-03T02:03:20.000Z", { bytesTransferred: 999 });
    run(photos.id, "completed", "2026-01-03T03:00:00.000Z", "2026-01-03T03:10:00.000Z", { kind: "verify" });
    const failed = run(photos.id, "failed", "2026-01-04T02:00:00.000Z", "2026-01-04T02:00:30.500Z", { bytesTransferred: 1234, filesTransferred: 5 });
    const startedAt = new Date(Date.now() - 42_000).toISOString();
    run(usb.id, "running", startedAt, null);
    db.insert(credentials).values({ name: "Drive", providerType: "google_drive", data: "sealed", needsReconnect: true }).run();
    db.insert(credentials).values({ name: "Bucket", providerType: "s3", data: "sealed" }).run();

    let m = samples((await api("GET", "/metrics")).body);
    const p = `job_id="${photos.id}",job_name="Photos"`;
    const u = `job_id="${usb.id}",job_name="USB"`;
    const o = `job_id="${off.id}",job_name="Off"`;
    expect(m.get(`dynamight_appliance_info{public_url="",version="${VERSION}"}`)).toBe(1);
    // Weekly and every 6 hours: the 6 h one; the disabled and the verify schedules do not count.
    expect(m.get(`dynamight_job_expected_interval_seconds{${p}}`)).toBe(6 * 3600);
    expect(m.get(`dynamight_job_expected_interval_seconds{${u}}`)).toBe(MONTH_SECONDS);
    expect(m.has(`dynamight_job_expected_interval_seconds{${o}}`)).toBe(false);
    expect(m.get(`dynamight_job_last_success_timestamp_seconds{${p}}`)).toBe(Date.parse("2026-01-03T02:03:20Z") / 1000);
    expect(m.has(`dynamight_job_last_success_timestamp_seconds{${u}}`)).toBe(false);
    expect(m.get(`dynamight_job_created_timestamp_seconds{${u}}`)).toBe(Math.floor(Date.parse(usb.createdAt) / 1000));
    expect(m.get(`dynamight_job_usual_duration_seconds{${p}}`)).toBe(200);
    expect(m.get(`dynamight_job_last_run_id{${p}}`)).toBe(failed.id);
    expect(m.get(`dynamight_job_last_run_duration_seconds{${p}}`)).toBe(30.5);
    expect(m.get(`dynamight_job_last_run_transferred_bytes{${p}}`)).toBe(1234);
    expect(m.get(`dynamight_job_last_run_transferred_files{${p}}`)).toBe(5);
    expect(m.has(`dynamight_job_running_seconds{${p}}`)).toBe(false);
    const running = m.get(`dynamight_job_running_seconds{${u}}`)!;
    expect(running).toBeGreaterThanOrEqual(42);
    expect(running).toBeLessThan(100);
    expect(m.get('dynamight_credential_needs_reconnect{credential_id="1",credential_name="Drive",provider_type="google_drive"}')).toBe(1);
    expect(m.get('dynamight_credential_needs_reconnect{credential_id="2",credential_name="Bucket",provider_type="s3"}')).toBe(0);
    // The folder target is read live; the USB one is not a mount here, so it has no sample at all.
    const st = statfsSync(folder);
    expect(m.get(`dynamight_target_size_bytes{${p}}`)).toBe(st.blocks * st.bsize);
    expect(Math.abs(m.get(`dynamight_target_free_bytes{${p}}`)! - st.bavail * st.bsize)).toBeLessThan(64 * 1024 * 1024);
    expect(m.get(`dynamight_target_min_free_bytes{${p}}`)).toBe(10 * 1024 * 1024);
    expect(m.has(`dynamight_target_free_bytes{${u}}`)).toBe(false);
    expect(m.has(`dynamight_target_free_bytes{${o}}`)).toBe(false);
    expect(m.get("process_resident_memory_bytes")).toBeGreaterThan(1e6);
    expect(m.get("process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(Math.abs(m.get("process_start_time_seconds")! - (Date.now() / 1000 - process.uptime()))).toBeLessThan(5);
    expect(m.get("dynamight_scheduler_overdue_seconds")).toBe(0);

    expect((await api("PUT", "/api/settings", { public_url: "https://backup.example.com/" })).status).toBe(200);
    m = samples((await api("GET", "/metrics")).body);
    expect(m.get(`dynamight_appliance_info{public_url="https://backup.example.com",version="${VERSION}"}`)).toBe(1);
  });

  test("scheduler overdue: how far past due the most overdue armed schedule is", async () => {
    const { ctx } = await signedIn();
    const now = new Date("2026-03-04T12:00:00Z");
    const families = await collect({
      db: ctx.db,
      runs: new RunCounters(),
      http: new HttpRequestCounter(),
      intervals: new IntervalCache(),
      publicUrl: "",
      now,
      scheduler: {
        stats: { lastLagSeconds: 1.5, maxLagSeconds: 7, fires: { started: 0, skipped: 0, failed: 0 }, caughtUp: 0 },
        armedSchedules: () => [{ next_run: "2026-03-04T11:57:30.000Z" }, { next_run: "2026-03-04T11:59:00.000Z" }, { next_run: "2026-03-04T13:00:00.000Z" }, { next_run: null }],
      },
    });
    const m = samples(render(families));
    expect(m.get("dynamight_scheduler_overdue_seconds")).toBe(150);
    expect(m.get("dynamight_scheduler_lag_seconds")).toBe(1.5);
    expect(m.get("dynamight_scheduler_max_lag_seconds")).toBe(7);
  });
});
