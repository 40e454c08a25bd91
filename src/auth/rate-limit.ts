// Failed-attempt limiter for login and second-factor checks, kept in memory (one appliance,
// one process; a restart forgives, which is acceptable for a lockout measured in minutes).
// Each key (e.g. "login|ip:1.2.3.4", "login|user:admin") allows MAX_FAILURES failures within
// WINDOW_MS; the failure that reaches the limit locks the key for 60 s, and each further lockout
// doubles it up to 1 h. A success clears the failures and the lockout level of its keys; a key
// with no failure for LEVEL_RESET_MS after its last lockout starts again at 60 s.

export interface RateLimitOptions {
  maxFailures?: number;
  windowMs?: number;
  baseLockMs?: number;
  maxLockMs?: number;
  levelResetMs?: number;
  /** Milliseconds since the epoch; tests pass a fake clock to walk through lockouts without sleeping. */
  clock?: () => number;
}

interface Entry {
  failures: number[];
  lockedUntil: number;
  /** How many lockouts so far: the next one lasts baseLock * 2^level. */
  level: number;
  lastLockEnd: number;
}

export class RateLimiter {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly baseLockMs: number;
  readonly maxLockMs: number;
  readonly levelResetMs: number;
  clock: () => number;
  private entries = new Map<string, Entry>();
  private lastSweep = 0;

  constructor(opts: RateLimitOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.windowMs = opts.windowMs ?? 60_000;
    this.baseLockMs = opts.baseLockMs ?? 60_000;
    this.maxLockMs = opts.maxLockMs ?? 3_600_000;
    this.levelResetMs = opts.levelResetMs ?? 3_600_000;
    this.clock = opts.clock ?? Date.now;
  }

  /** Seconds until the first of `keys` is unlocked, or 0 when none is locked. */
  retryAfter(keys: string[]): number {
    const now = this.clock();
    let ms = 0;
    for (const k of keys) {
      const e = this.entries.get(k);
      if (e && e.lockedUntil > now) ms = Math.max(ms, e.lockedUntil - now);
    }
    return Math.ceil(ms / 1000);
  }

  /** Counts a failure for every key; returns the lockout in seconds when one of them is now locked (else 0). */
  fail(keys: string[]): number {
    const now = this.clock();
    for (const k of keys) {
      const e = this.entry(k, now);
      e.failures = e.failures.filter((t) => now - t < this.windowMs);
      e.failures.push(now);
      if (e.failures.length >= this.maxFailures && e.lockedUntil <= now) {
        const ms = Math.min(this.baseLockMs * 2 ** e.level, this.maxLockMs);
        e.lockedUntil = now + ms;
        e.lastLockEnd = e.lockedUntil;
        e.level++;
        e.failures = [];
      }
    }
    this.sweep(now);
    return this.retryAfter(keys);
  }

  succeed(keys: string[]) {
    for (const k of keys) this.entries.delete(k);
  }

  private entry(key: string, now: number): Entry {
    let e = this.entries.get(key);
    if (e && e.level > 0 && e.lockedUntil <= now && now - e.lastLockEnd > this.levelResetMs) e.level = 0;
    if (!e) {
      e = { failures: [], lockedUntil: 0, level: 0, lastLockEnd: 0 };
      this.entries.set(key, e);
    }
    return e;
  }

  /** Drops keys with nothing left to remember, so spraying random usernames cannot grow memory forever. */
  private sweep(now: number) {
    if (this.entries.size < 1000 || now - this.lastSweep < 10_000) return;
    this.lastSweep = now;
    for (const [k, e] of this.entries) {
      const idle = e.lockedUntil <= now && e.failures.every((t) => now - t >= this.windowMs);
      if (idle && (e.level === 0 || now - e.lastLockEnd > this.levelResetMs)) this.entries.delete(k);
    }
  }

  get size() {
    return this.entries.size;
  }
}
