// A file read over SFTP with several read requests in flight (as OpenSSH's sftp and rclone do),
// delivered in order as a Readable. ssh2's own read stream keeps one request in flight, so each
// 64 KiB waits a full round trip; this keeps `depth` of them going. Memory: at most `depth`
// chunks, and none are read ahead while the consumer is not reading (backpressure).
import { Readable } from "node:stream";
import type { SFTPWrapper } from "ssh2";
import { GarbageBound } from "./garbage.ts";

export interface ReadAheadOptions {
  /** Bytes per read request. */
  chunk: number;
  /** Read requests in flight. */
  depth: number;
}

export function readAhead(sftp: SFTPWrapper, path: string, opts: ReadAheadOptions = { chunk: 64 * 1024, depth: 16 }): Readable {
  return new ReadAheadStream(sftp, path, opts);
}

class ReadAheadStream extends Readable {
  private handle: Buffer | null = null;
  private pos = 0;
  private eof = false;
  /** Reads issued, in file order: each resolves to its bytes (shorter at the end of the file). */
  private inflight: Promise<Buffer>[] = [];
  private pumping = false;
  private readonly garbage = new GarbageBound();

  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly path: string,
    private readonly opts: ReadAheadOptions,
  ) {
    super({ highWaterMark: opts.chunk });
  }

  override _construct(cb: (err?: Error | null) => void) {
    this.sftp.open(this.path, "r", (err, handle) => {
      if (err) return cb(err);
      this.handle = handle;
      this.emit("open");
      cb();
    });
  }

  /** One request's bytes, reading again after a short answer until `len` or the end of the file. */
  private readAt(pos: number, len: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(len);
    return new Promise<Buffer>((resolve, reject) => {
      const step = (got: number) => {
        this.sftp.read(this.handle!, buf, got, len - got, pos + got, (err, n) => {
          if (err) return reject(err);
          if (n === 0) return resolve(buf.subarray(0, got));
          if (got + n < len) return step(got + n);
          resolve(buf);
        });
      };
      step(0);
    });
  }

  private fill() {
    while (!this.eof && this.inflight.length < this.opts.depth) {
      const p = this.readAt(this.pos, this.opts.chunk);
      // A rejection is seen when its turn comes; this keeps it from being reported as unhandled.
      p.catch(() => {});
      this.inflight.push(p);
      this.pos += this.opts.chunk;
    }
  }

  override _read() {
    if (this.pumping) return;
    this.pumping = true;
    void this.pump();
  }

  private async pump() {
    try {
      for (;;) {
        this.fill();
        const next = this.inflight.shift();
        if (!next) {
          this.push(null);
          return;
        }
        const data = await next;
        if (this.destroyed) return;
        if (data.length < this.opts.chunk) {
          // The end of the file: what was asked beyond it comes back empty.
          this.eof = true;
          this.inflight = [];
          if (data.length) this.push(data);
          this.push(null);
          return;
        }
        this.garbage.moved(data.length);
        if (!this.push(data)) return;
      }
    } catch (err) {
      this.destroy(err as Error);
    } finally {
      this.pumping = false;
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void) {
    const handle = this.handle;
    this.handle = null;
    this.eof = true;
    if (!handle) return cb(err);
    this.sftp.close(handle, () => cb(err));
  }
}
