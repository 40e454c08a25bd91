import { describe, expect, test } from "bun:test";
import { RateLimiter } from "../../src/auth/rate-limit.ts";

function limiter() {
  let now = 1_000_000;
  const rl = new RateLimiter({ clock: () => now });
  return { rl, advance: (ms: number) => (now += ms) };
}

const K = ["login|ip:1.2.3.4", "login|user:admin"];

describe("RateLimiter", () => {
  test("5 failures in a minute lock for 60 s, then 120, 240, ... capped at 1 h", () => {
    const { rl, advance } = limiter();
    const lockouts: number[] = [];
    for (let round = 0; round < 8; round++) {
      for (let i = 1; i <= 4; i++) expect(rl.fail(K)).toBe(0);
      const lock = rl.fail(K);
      lockouts.push(lock);
      expect(rl.retryAfter(K)).toBe(lock);
      advance(lock * 1000 - 1);
      expect(rl.retryAfter(K)).toBe(1);
      advance(1);
      expect(rl.retryAfter(K)).toBe(0);
    }
    expect(lockouts).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
  });

  test("failures spread over more than a minute do not lock", () => {
    const { rl, advance } = limiter();
    for (let i = 0; i < 20; i++) {
      expect(rl.fail(K)).toBe(0);
      advance(15_001);
    }
  });

  test("a success forgets failures and the lockout level", () => {
    const { rl, advance } = limiter();
    for (let i = 0; i < 5; i++) rl.fail(K);
    advance(60_000);
    rl.succeed(K);
    for (let i = 0; i < 4; i++) expect(rl.fail(K)).toBe(0);
    expect(rl.fail(K)).toBe(60);
  });

  test("the level drops back to 60 s after an hour without failures", () => {
    const { rl, advance } = limiter();
    for (let i = 0; i < 5; i++) rl.fail(K);
    advance(60_000);
    for (let i = 0; i < 5; i++) rl.fail(K);
    advance(120_000 + 3_600_001);
    for (let i = 0; i < 4; i++) rl.fail(K);
    expect(rl.fail(K)).toBe(60);
  });

  test("keys are independent: another IP is not locked by this one", () => {
    const { rl } = limiter();
    for (let i = 0; i < 5; i++) rl.fail(["login|ip:a"]);
    expect(rl.retryAfter(["login|ip:a"])).toBe(60);
    expect(rl.retryAfter(["login|ip:b"])).toBe(0);
  });

  test("memory is bounded: idle keys are swept", () => {
    const { rl, advance } = limiter();
    for (let i = 0; i < 1500; i++) rl.fail([`login|user:u${i}`]);
    advance(61_000);
    rl.fail(["login|user:last"]);
    expect(rl.size).toBeLessThan(10);
  });
});
