// Schedules HTTP API on the real app: shapes from the seed, validation, auth, re-arming.
import { afterEach, describe, expect, test } from "bun:test";
import { localJob, tempDir } from "../engine/fixtures.ts";
import { insertJob, signedIn } from "./helpers.ts";

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

async function app() {
  const t = await signedIn();
  cleanup = () => t.services.stop();
  const job = insertJob(t.ctx.db, { name: "Daily Backup" });
  return { ...t, job };
}

describe("CRUD", () => {
  test("create each type, list with next_run, update, delete", async () => {
    const { api, job } = await app();
    const bodies = [
      { schedule_type: "daily", hour: 2, minute: 0 },
      { schedule_type: "weekly", hour: 2, minute: 0, day_of_week: 0 },
      { schedule_type: "monthly", hour: 2, minute: 0, day_of_month: 1 },
      { schedule_type: "custom", cron_expression: "0 2 * * 1-5", timezone: "Europe/Berlin", catch_up: false },
    ];
    for (const body of bodies) {
      const res = await api("POST", `/api/jobs/${job.id}/schedules`, body);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ job_id: job.id, enabled: true, ...body });
      expect(Date.parse(res.body.next_run)).toBeGreaterThan(Date.now());
    }
    const list = await api("GET", `/api/jobs/${job.id}/schedules`);
    expect(list.status).toBe(200);
    expect(list.body.length).toBe(4);
    expect(Object.keys(list.body[0]).sort()).toEqual(
      ["id", "job_id", "enabled", "schedule_type", "hour", "minute", "day_of_week", "day_of_month", "cron_expression", "timezone", "catch_up", "action", "next_run", "created_at"].sort(),
    );
    expect(list.body[0]).toMatchObject({ day_of_week: null, day_of_month: null, cron_expression: null, timezone: null, catch_up: true, action: "backup" });
    expect(list.body[3].catch_up).toBe(false);

    const id = list.body[0].id;
    const put = await api("PUT", `/api/schedules/${id}`, { schedule_type: "weekly", hour: 5, minute: 15, day_of_week: 6, enabled: false });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id, schedule_type: "weekly", hour: 5, minute: 15, day_of_week: 6, enabled: false, next_run: null });
    // Left out: enabled keeps its value.
    const put2 = await api("PUT", `/api/schedules/${id}`, { schedule_type: "daily", hour: 1 });
    expect(put2.body).toMatchObject({ enabled: false, hour: 1, minute: 0, day_of_week: null });

    const del = await api("DELETE", `/api/schedules/${id}`);
    expect(del).toMatchObject({ status: 200, body: { message: "Schedule deleted" } });
    expect((await api("GET", `/api/jobs/${job.id}/schedules`)).body.length).toBe(3);
    expect((await api("DELETE", `/api/schedules/${id}`)).status).toBe(404);
  });

  test("schedules of a disabled job have next_run null", async () => {
    const { api, ctx } = await app();
    const off = insertJob(ctx.db, { enabled: false });
    const res = await api("POST", `/api/jobs/${off.id}/schedules`, { schedule_type: "daily", hour: 2 });
    expect(res.status).toBe(201);
    expect(res.body.next_run).toBeNull();
  });

  test("jobs list their schedules with next_run", async () => {
    const { api, job } = await app();
    await api("POST", `/api/jobs/${job.id}/schedules`, { schedule_type: "daily", hour: 2, minute: 0 });
    const res = await api("GET", `/api/jobs/${job.id}`);
    expect(res.status).toBe(200);
    expect(res.body.schedules).toEqual([expect.objectContaining({ schedule_type: "daily", hour: 2, minute: 0, next_run: expect.any(String) })]);
  });
});

describe("errors", () => {
  test("404 for an unknown job or schedule", async () => {
    const { api } = await app();
    expect(await api("GET", "/api/jobs/999/schedules")).toMatchObject({ status: 404, body: { error: "Not found", message: "Job not found" } });
    expect(await api("POST", "/api/jobs/999/schedules", { schedule_type: "daily", hour: 2 })).toMatchObject({ status: 404 });
    expect(await api("PUT", "/api/schedules/999", { schedule_type: "daily", hour: 2 })).toMatchObject({ status: 404, body: { message: "Schedule not found" } });
  });

  test("400 naming the field", async () => {
    const { api, job } = await app();
    const cases: [unknown, string][] = [
      [{ schedule_type: "hourly", hour: 2 }, "schedule_type"],
      [{ schedule_type: "daily", hour: 24 }, "hour"],
      [{ schedule_type: "daily", hour: "two" }, "hour"],
      [{ schedule_type: "weekly", hour: 2, minute: 0 }, "day_of_week"],
      [{ schedule_type: "weekly", hour: 2, minute: 0, day_of_week: 9 }, "day_of_week"],
      [{ schedule_type: "monthly", hour: 2, minute: 0, day_of_month: 40 }, "day_of_month"],
      [{ schedule_type: "custom", cron_expression: "not cron" }, "cron_expression"],
      [{ schedule_type: "custom", cron_expression: "0 2 * * *", timezone: "Nowhere/City" }, "timezone"],
      [{ hour: 2 }, "schedule_type"],
    ];
    for (const [body, field] of cases) {
      const res = await api("POST", `/api/jobs/${job.id}/schedules`, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("Invalid request");
      expect(res.body.message).toContain(`'${field}'`);
    }
    expect((await api("GET", "/api/jobs/abc/schedules")).status).toBe(400);
  });

  test("401 without credentials, 403 for a read-only key on writes", async () => {
    const { client, api, job, readKey } = await app();
    expect((await client.json("GET", `/api/jobs/${job.id}/schedules`)).status).toBe(401);
    expect((await client.json("GET", "/api/schedules/preview?schedule_type=daily&hour=2")).status).toBe(401);
    const read = { "x-api-key": readKey };
    expect((await api("GET", `/api/jobs/${job.id}/schedules`, undefined, read)).status).toBe(200);
    expect((await api("POST", `/api/jobs/${job.id}/schedules`, { schedule_type: "daily", hour: 2 }, read)).status).toBe(403);
  });
});

describe("preview", () => {
  test("next five runs of a definition, in its time zone", async () => {
    const { api } = await app();
    const res = await api("GET", "/api/schedules/preview?schedule_type=daily&hour=2&minute=30&timezone=Europe/Berlin");
    expect(res.status).toBe(200);
    expect(res.body.timezone).toBe("Europe/Berlin");
    expect(res.body.runs.length).toBe(5);
    const times = res.body.runs.map((r: string) => Date.parse(r));
    for (let i = 1; i < 5; i++) expect(times[i]).toBeGreaterThan(times[i - 1]);
    for (const r of res.body.runs) {
      expect(new Date(r).toLocaleTimeString("en-GB", { timeZone: "Europe/Berlin" })).toBe("02:30:00");
    }
  });

  test("custom cron, count, server zone by default, and 400s", async () => {
    const { api } = await app();
    const res = await api("GET", `/api/schedules/preview?schedule_type=custom&cron_expression=${encodeURIComponent("*/15 * * * *")}&count=3`);
    expect(res.status).toBe(200);
    expect(res.body.runs.length).toBe(3);
    expect(res.body.timezone).toBe("UTC");
    expect((await api("GET", "/api/schedules/preview?schedule_type=weekly&hour=2")).body.message).toContain("'day_of_week'");
    expect((await api("GET", "/api/schedules/preview?schedule_type=daily&hour=2&count=99")).status).toBe(400);
    expect((await api("GET", "/api/schedules/preview?schedule_type=custom&cron_expression=x")).status).toBe(400);
  });
});

describe("re-arming through the API", () => {
  test("creating, changing and deleting a schedule re-arms the running scheduler", async () => {
    const { api, job, services } = await app();
    services.scheduler.start();
    const created = await api("POST", `/api/jobs/${job.id}/schedules`, { schedule_type: "daily", hour: 2, minute: 0 });
    expect(services.scheduler.armedSchedules()).toEqual([{ schedule_id: created.body.id, job_id: job.id, next_run: created.body.next_run }]);
    const changed = await api("PUT", `/api/schedules/${created.body.id}`, { schedule_type: "daily", hour: 3, minute: 0 });
    expect(services.scheduler.armedSchedules()[0]!.next_run).toBe(changed.body.next_run);
    await api("PUT", `/api/schedules/${created.body.id}`, { schedule_type: "daily", hour: 3, enabled: false });
    expect(services.scheduler.armedSchedules()).toEqual([]);
    await api("PUT", `/api/schedules/${created.body.id}`, { schedule_type: "daily", hour: 3, enabled: true });
    expect(services.scheduler.armedSchedules().length).toBe(1);
    await api("DELETE", `/api/schedules/${created.body.id}`);
    expect(services.scheduler.armedSchedules()).toEqual([]);
  });
});

describe("re-arming on job changes", () => {
  test("disabling, re-enabling and deleting a job through the jobs API re-arms its schedules", async () => {
    const { api, services } = await app();
    services.scheduler.start();
    const body = localJob([tempDir("dm-sched-src-")], tempDir("dm-sched-dst-"));
    const job = (await api("POST", "/api/jobs", body)).body;
    await api("POST", `/api/jobs/${job.id}/schedules`, { schedule_type: "daily", hour: 2 });
    expect(services.scheduler.armedSchedules().map((a) => a.job_id)).toEqual([job.id]);
    expect((await api("PUT", `/api/jobs/${job.id}`, { ...body, enabled: false })).status).toBe(200);
    expect(services.scheduler.armedSchedules()).toEqual([]);
    expect((await api("PUT", `/api/jobs/${job.id}`, { ...body, enabled: true })).status).toBe(200);
    expect(services.scheduler.armedSchedules().length).toBe(1);
    expect((await api("DELETE", `/api/jobs/${job.id}`)).status).toBe(200);
    expect(services.scheduler.armedSchedules()).toEqual([]);
  });
});
