// ssh2 allocates a packet and a cipher buffer for every 32-64 KiB it sends or receives, and the
// local file is read in fresh buffers: about three times the bytes moved become garbage, which
// JavaScriptCore collects late, so a 200 MB transfer held ~100 MB of dead buffers at its peak
// (issue 17). A full collection every GC_EVERY_BYTES moved bounds that to ~50 MB, at a cost too
// small to see in the 200 MB benchmarks (an eden-only Bun.gc(false) did not help: the buffers
// survive into the old generation before they die).
export const GC_EVERY_BYTES = 16 * 1024 * 1024;

/** Counts bytes moved by one transfer and collects every GC_EVERY_BYTES. */
export class GarbageBound {
  private since = 0;

  moved(bytes: number) {
    this.since += bytes;
    if (this.since < GC_EVERY_BYTES) return;
    this.since = 0;
    Bun.gc(true);
  }
}
