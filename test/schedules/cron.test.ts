// Schedule definitions → croner: patterns, validation, and daylight-saving behaviour, computed
// with croner from a fixed start date (no waiting on real time).
import { describe, expect, test } from "bun:test";
import { ApiError } from "../../src/http/errors.ts";
import { cronPattern, nextRuns, previousRun, type ScheduleDefinition } from "../../src/schedules/cron.ts";
import { definitionFromInput, type ScheduleInput } from "../../src/schedules/service.ts";

const def = (o: Partial<ScheduleDefinition>): ScheduleDefinition => ({
  schedule_type: "daily",
  hour: null,
  minute: null,
  day_of_week: null,
  day_of_month: null,
  cron_expression: null,
  timezone: null,
  ...o,
});
const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

function rejects(input: ScheduleInput, field: string, fragment?: string) {
  let err: unknown;
  try {
    definitionFromInput(input);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).status).toBe(400);
  expect((err as ApiError).message).toContain(`'${field}'`);
  if (fragment) expect((err as ApiError).message).toContain(fragment);
}

describe("patterns", () => {
  test("daily, weekly, monthly and custom map to 5-field cron", () => {
    expect(cronPattern(def({ hour: 2, minute: 5 }))).toBe("5 2 * * *");
    expect(cronPattern(def({ schedule_type: "weekly", hour: 2, minute: 0, day_of_week: 0 }))).toBe("0 2 * * 0");
    expect(cronPattern(def({ schedule_type: "monthly", hour: 23, minute: 59, day_of_month: 31 }))).toBe("59 23 31 * *");
    expect(cronPattern(def({ schedule_type: "custom", cron_expression: "0 2 * * 1-5" }))).toBe("0 2 * * 1-5");
  });

  test("minute defaults to 0 when only the hour is given", () => {
    expect(definitionFromInput({ schedule_type: "daily", hour: 4 }).minute).toBe(0);
  });

  test("day_of_week 0 is Sunday, 6 is Saturday", () => {
    const from = new Date("2026-01-05T12:00:00Z"); // a Monday
    expect(iso(nextRuns(def({ schedule_type: "weekly", hour: 2, minute: 0, day_of_week: 0 }), 1, from))).toEqual(["2026-01-11T02:00:00.000Z"]);
    expect(iso(nextRuns(def({ schedule_type: "weekly", hour: 2, minute: 0, day_of_week: 6 }), 1, from))).toEqual(["2026-01-10T02:00:00.000Z"]);
  });

  test("monthly on the 31st skips months without one (plain cron semantics)", () => {
    const runs = iso(nextRuns(def({ schedule_type: "monthly", hour: 2, minute: 0, day_of_month: 31 }), 3, new Date("2026-03-01T00:00:00Z")));
    expect(runs).toEqual(["2026-03-31T02:00:00.000Z", "2026-05-31T02:00:00.000Z", "2026-07-31T02:00:00.000Z"]);
  });

  test("custom cron with both day fields restricted fires on either (Vixie OR semantics)", () => {
    // The 13th of the month OR any Friday.
    const runs = iso(nextRuns(def({ schedule_type: "custom", cron_expression: "0 0 13 * 5" }), 3, new Date("2026-02-01T00:00:00Z")));
    expect(runs).toEqual(["2026-02-06T00:00:00.000Z", "2026-02-13T00:00:00.000Z", "2026-02-20T00:00:00.000Z"]);
  });
});

describe("validation names the field", () => {
  test("ranges", () => {
    rejects({ schedule_type: "daily", hour: 24, minute: 0 }, "hour", "0 to 23");
    rejects({ schedule_type: "daily", hour: 2, minute: 60 }, "minute", "0 to 59");
    rejects({ schedule_type: "daily", hour: 2.5, minute: 0 }, "hour");
    rejects({ schedule_type: "weekly", hour: 2, minute: 0, day_of_week: 7 }, "day_of_week", "0 to 6");
    rejects({ schedule_type: "monthly", hour: 2, minute: 0, day_of_month: 0 }, "day_of_month", "1 to 31");
    rejects({ schedule_type: "monthly", hour: 2, minute: 0, day_of_month: 32 }, "day_of_month");
  });

  test("required and unused fields", () => {
    rejects({ schedule_type: "daily", minute: 0 }, "hour", "required");
    rejects({ schedule_type: "weekly", hour: 2 }, "day_of_week", "required");
    rejects({ schedule_type: "monthly", hour: 2 }, "day_of_month", "required");
    rejects({ schedule_type: "custom" }, "cron_expression", "required");
    rejects({ schedule_type: "daily", hour: 2, day_of_week: 1 }, "day_of_week", "not used");
    rejects({ schedule_type: "custom", cron_expression: "0 2 * * *", hour: 2 }, "hour", "not used");
  });

  test("cron expressions", () => {
    rejects({ schedule_type: "custom", cron_expression: "0 2 * *" }, "cron_expression", "5 fields");
    rejects({ schedule_type: "custom", cron_expression: "0 0 2 * * *" }, "cron_expression", "got 6");
    rejects({ schedule_type: "custom", cron_expression: "61 2 * * *" }, "cron_expression");
    rejects({ schedule_type: "custom", cron_expression: "every day" }, "cron_expression");
    rejects({ schedule_type: "custom", cron_expression: "0 0 30 2 *" }, "cron_expression", "never");
    rejects({ schedule_type: "custom", cron_expression: "0 2 * * *" + " ".repeat(300) + "x" }, "cron_expression");
  });

  test("time zones must be IANA names", () => {
    rejects({ schedule_type: "daily", hour: 2, timezone: "Mars/Olympus" }, "timezone", "IANA");
    rejects({ schedule_type: "daily", hour: 2, timezone: "CEST+2" }, "timezone");
    expect(definitionFromInput({ schedule_type: "daily", hour: 2, timezone: "Europe/Berlin" }).timezone).toBe("Europe/Berlin");
  });
});

describe("time zones and daylight saving (Europe/Berlin, 2026)", () => {
  const berlin = (o: Partial<ScheduleDefinition>) => def({ timezone: "Europe/Berlin", ...o });

  test("per-schedule timezone: 02:00 Berlin is 01:00 UTC in winter, 00:00 UTC in summer", () => {
    expect(iso(nextRuns(berlin({ hour: 2, minute: 0 }), 1, new Date("2026-01-05T12:00:00Z")))).toEqual(["2026-01-06T01:00:00.000Z"]);
    expect(iso(nextRuns(berlin({ hour: 2, minute: 0 }), 1, new Date("2026-07-05T12:00:00Z")))).toEqual(["2026-07-06T00:00:00.000Z"]);
  });

  test("spring forward (29 March): 02:30 does not exist, the run happens once at 03:00 CEST", () => {
    const runs = iso(nextRuns(berlin({ hour: 2, minute: 30 }), 3, new Date("2026-03-27T12:00:00Z")));
    expect(runs).toEqual([
      "2026-03-28T01:30:00.000Z", // 02:30 CET
      "2026-03-29T01:00:00.000Z", // 03:00 CEST, the first minute after the gap
      "2026-03-30T00:30:00.000Z", // 02:30 CEST
    ]);
  });

  test("fall back (25 October): 02:30 happens twice, the run happens once (the first)", () => {
    const runs = iso(nextRuns(berlin({ hour: 2, minute: 30 }), 3, new Date("2026-10-24T12:00:00Z")));
    expect(runs).toEqual([
      "2026-10-25T00:30:00.000Z", // 02:30 CEST; 01:30Z (02:30 CET) is not a second run
      "2026-10-26T01:30:00.000Z",
      "2026-10-27T01:30:00.000Z",
    ]);
    // Asking again from just after the first 02:30 (what the scheduler does after a fire).
    expect(iso(nextRuns(berlin({ hour: 2, minute: 30 }), 1, new Date("2026-10-25T00:30:00Z")))).toEqual(["2026-10-26T01:30:00.000Z"]);
  });

  test("interval-like custom cron keeps elapsed-time spacing across both transitions", () => {
    const spring = nextRuns(berlin({ schedule_type: "custom", cron_expression: "*/30 * * * *" }), 5, new Date("2026-03-29T00:00:00Z"));
    const fall = nextRuns(berlin({ schedule_type: "custom", cron_expression: "*/30 * * * *" }), 5, new Date("2026-10-25T00:00:00Z"));
    for (const runs of [spring, fall]) {
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.getTime() - runs[i - 1]!.getTime()).toBe(30 * 60_000);
    }
  });

  test("previousRun (for catch-up) agrees with nextRuns across the gap", () => {
    expect(previousRun(berlin({ hour: 2, minute: 30 }), new Date("2026-03-29T05:00:00Z"))?.toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(previousRun(berlin({ hour: 2, minute: 30 }), new Date("2026-10-25T03:00:00Z"))?.toISOString()).toBe("2026-10-25T00:30:00.000Z");
  });

  test("without a timezone the server's TZ is used", () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = "America/New_York";
      expect(iso(nextRuns(def({ hour: 2, minute: 0 }), 1, new Date("2026-01-05T12:00:00Z")))).toEqual(["2026-01-06T07:00:00.000Z"]);
    } finally {
      process.env.TZ = saved;
    }
    expect(iso(nextRuns(def({ hour: 2, minute: 0 }), 1, new Date("2026-01-05T12:00:00Z")))).toEqual(["2026-01-06T02:00:00.000Z"]);
  });
});
