// Non-blocking sends to one WebSocket client. Bus listeners call these synchronously and never
// await a socket: what a client cannot take yet stays in its own send buffer, and a client whose
// buffer keeps growing is told it lags (droppable messages) or disconnected.

/** The part of Bun's ServerWebSocket we use (an interface so the logic is testable). */
export interface Socket {
  send(data: string): number;
  getBufferedAmount(): number;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
}

/** Above this many queued bytes a client is lagging: droppable messages are dropped. */
export const HIGH_WATER = 1024 * 1024;
/** Below this a lagging client is caught up again. */
export const LOW_WATER = 256 * 1024;
/** A client this far behind on messages that cannot be dropped is disconnected. */
export const HARD_LIMIT = 8 * 1024 * 1024;
/** 1013 "Try Again Later": the server closed a client that fell too far behind. */
export const CLOSE_LAGGING = 1013;
export const OPEN = 1;

export class Outbox {
  private lagging = false;
  dropped = 0;

  constructor(readonly socket: Socket) {}

  get open(): boolean {
    return this.socket.readyState === OPEN;
  }

  get buffered(): number {
    return this.socket.getBufferedAmount();
  }

  /** Sends a message the client must get; closes the client when it is hopelessly behind. */
  sendRequired(msg: unknown): boolean {
    if (!this.open) return false;
    if (this.buffered > HARD_LIMIT) {
      this.socket.close(CLOSE_LAGGING, "client too slow");
      return false;
    }
    // Bun answers 0 when it dropped the message (backpressure limit reached): nothing to keep.
    if (this.socket.send(JSON.stringify(msg)) === 0) {
      this.socket.close(CLOSE_LAGGING, "client too slow");
      return false;
    }
    return true;
  }

  /**
   * Sends a message that may be lost (progress): dropped while the client lags, with one
   * `lagging` notice per lagging spell so the client knows it missed some.
   */
  sendDroppable(msg: unknown, notice: () => unknown): boolean {
    if (!this.open) return false;
    const queued = this.buffered;
    if (this.lagging && queued < LOW_WATER) this.lagging = false;
    if (!this.lagging && queued > HIGH_WATER) {
      this.lagging = true;
      this.sendRequired(notice());
    }
    if (this.lagging) {
      this.dropped++;
      return false;
    }
    return this.sendRequired(msg);
  }
}
