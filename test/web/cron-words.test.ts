// The job editor's cron describer (src/web/cron-words.ts): what people write reads as a
// sentence; what cannot be read gets a reason in plain words.
import { describe, expect, test } from "bun:test";
import { cronWords, describeCron } from "../../src/web/cron-words.ts";

describe("cron in words", () => {
  test.each([
    ["0 2 * * 1-5", "At 02:00, Monday to Friday"],
    ["*/15 * * * *", "Every 15 minutes"],
    ["30 3 1 * *", "At 03:30, on day 1 of the month"],
    ["0 2,14 * * *", "At 02:00 and 14:00"],
    ["5 * * * *", "At minute 5 of every hour"],
    ["0 2 * * SUN", "At 02:00, on Sunday"],
    ["0 2 * * 0,6", "At 02:00, on Sunday and Saturday"],
    ["0 0 1 1,7 *", "At 00:00, on day 1 of the month, in January and July"],
    ["* 9-17 * * 1-5", "Every minute from 09:00 to 17:59, Monday to Friday"],
    ["0 */6 * * *", "At minute 0, every 6 hours"],
    ["0 2 15 * 1", "At 02:00, on day 15 of the month, or on Monday"],
  ])("%s → %s", (expr, words) => {
    expect(describeCron(expr)).toBe(words);
  });

  test.each([
    ["", "Enter a cron expression: five fields, minute hour day month weekday (e.g. 0 2 * * 1-5)"],
    ["0 2 * *", "A cron expression has five fields (minute hour day month weekday); this one has 4"],
    ["75 2 * * *", "The minute must be from 0 to 59; 75 is out of range"],
    ["0 25 * * *", "The hour must be from 0 to 23; 25 is out of range"],
    ["0 2 * * FOO", '"FOO" is not a weekday (use a number from 0 to 7 or a name like MON)'],
    ["0 2 5-1 * *", 'The day of the month range "5-1" runs backwards'],
    ["*/0 * * * *", 'The step "/0" of the minute must be a whole number of at least 1'],
  ])("%p is refused in words", (expr, reason) => {
    expect(cronWords(expr)).toEqual({ words: null, error: reason });
  });
});
