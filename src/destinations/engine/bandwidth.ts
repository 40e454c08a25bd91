// One token bucket per run, shared by every concurrent transfer, so bandwidth_limit_kbps caps
// the run as a whole (like rsync --bwlimit, in KiB/s) however many files move at once.
import { type Readable, Transform } from "node:stream";
import { sleep } from "./retry.ts";

export class TokenBucket {
  private tokens: number;
  private last = performance.now();
  private chain: Promise<void> = Promise.resolve();
  readonly bytesPerSec: number;
  private readonly burst: number;

  /** `kibPerSec` as rsync's --bwlimit; the burst is 50 ms worth so short runs are measured fairly. */
  constructor(kibPerSec: number) {
    this.bytesPerSec = kibPerSec * 1024;
    this.burst = Math.max(1024, this.bytesPerSec / 20);
    this.tokens = this.burst;
  }

  /** Waits until `bytes` may pass. Callers queue in order, so concurrent transfers share fairly. */
  take(bytes: number, signal: AbortSignal): Promise<void> {
    const turn = this.chain.then(async () => {
      const now = performance.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.bytesPerSec);
      this.last = now;
      this.tokens -= bytes;
      // Going into debt and sleeping it off keeps big chunks exact without splitting them.
      if (this.tokens < 0) await sleep((-this.tokens / this.bytesPerSec) * 1000, signal);
    });
    this.chain = turn.catch(() => {});
    return turn;
  }
}

/** Passes a stream through the bucket (no-op without one); aborting the signal errors the stream. */
export function throttle(source: Readable, bucket: TokenBucket | null, signal: AbortSignal): Readable {
  if (!bucket) return source;
  const t = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bucket.take(chunk.length, signal).then(() => done(null, chunk), done);
    },
  });
  source.on("error", (e) => t.destroy(e));
  // The consumer (an HTTP request) may already have gone when a cancel errors the stream:
  // without a listener that error would be thrown at top level.
  t.on("error", () => {});
  t.on("close", () => source.destroy());
  return source.pipe(t);
}
