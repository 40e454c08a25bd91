// Retries for transient store errors: exponential backoff with jitter, honouring a server's
// Retry-After (TransientError.retryAfterMs), abortable. Permanent errors (auth, permission,
// not_found, config, ...) pass straight through so a run fails at once with a clear message.
import { DestinationError, TransientError } from "../contract.ts";

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
  /** A server asking for a longer wait than this fails the file instead of stalling the run. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 500, maxMs: 8000, maxRetryAfterMs: 60_000 };

export function isRetryable(err: unknown): boolean {
  return err instanceof DestinationError && (err.kind === "transient" || err.kind === "unavailable");
}

/** The wait before retry number `n` (1-based): base·2^(n-1), capped, ±25 % jitter, or Retry-After. */
export function backoffMs(n: number, policy: RetryPolicy, err: unknown): number {
  const asked = err instanceof TransientError ? err.retryAfterMs : null;
  if (asked !== null) return Math.min(asked, policy.maxRetryAfterMs);
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** (n - 1));
  return Math.round(exp * (0.75 + Math.random() * 0.5));
}

export async function withRetry<T>(
  fn: () => Promise<T>,
  signal: AbortSignal,
  onRetry: (err: DestinationError, attempt: number, waitMs: number) => void = () => {},
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (signal.aborted) throw cancelled();
      if (!isRetryable(err) || attempt >= policy.attempts) throw err;
      const wait = backoffMs(attempt, policy, err);
      onRetry(err as DestinationError, attempt, wait);
      await sleep(wait, signal);
    }
  }
}

export function cancelled(): DestinationError {
  return new DestinationError("cancelled", "cancelled");
}

/** Resolves after ms, or rejects with a "cancelled" DestinationError when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(cancelled());
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Parses an HTTP Retry-After value (seconds or a date) into ms, or null. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
