import { describe, expect, test } from "bun:test";
import { DestinationError, transientError } from "../../src/destinations/contract.ts";
import { backoffMs, DEFAULT_RETRY, isRetryable, parseRetryAfter } from "../../src/destinations/engine/retry.ts";

describe("retry policy", () => {
  test("Retry-After in seconds or as a date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("0.5")).toBe(500);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("soon")).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });

  test("a server's wait wins (capped); otherwise exponential with jitter, capped", () => {
    expect(backoffMs(1, DEFAULT_RETRY, transientError("503", 2000))).toBe(2000);
    expect(backoffMs(1, DEFAULT_RETRY, transientError("503", 10 * 60_000))).toBe(DEFAULT_RETRY.maxRetryAfterMs);
    const first = backoffMs(1, DEFAULT_RETRY, transientError("reset"));
    expect(first).toBeGreaterThanOrEqual(375);
    expect(first).toBeLessThanOrEqual(625);
    expect(backoffMs(10, DEFAULT_RETRY, transientError("reset"))).toBeLessThanOrEqual(DEFAULT_RETRY.maxMs * 1.25);
  });

  test("only transient and unavailable errors are retried", () => {
    expect(isRetryable(transientError("x"))).toBe(true);
    expect(isRetryable(new DestinationError("unavailable", "down"))).toBe(true);
    for (const k of ["auth", "permission", "not_found", "config", "cancelled", "failed"] as const) {
      expect(isRetryable(new DestinationError(k, "x"))).toBe(false);
    }
    expect(isRetryable(new Error("plain"))).toBe(false);
  });
});
