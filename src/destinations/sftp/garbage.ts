// ssh2 allocates a packet and a cipher buffer for every 32-64 KiB it sends or receives, and the
// local file is read in fresh buffers: several times the bytes moved become garbage, which
// JavaScriptCore collects late, so a 200 MB upload through the engine peaked at idle + ~105 MB
// (issue 17). A full collection every GC_EVERY_BYTES moved bounds that: measured with
// scripts/bench-remote --stores sftp, every 16 MiB gave +102 MB, every 8 MiB +66 MB, every 4 MiB
// +49 MB, each collection costing a few ms of the transfer (the 200 MB upload took 1.16 s at 16 MiB
// and 1.29 s at 8 MiB on the loopback peer). 8 MiB: memory is what a Pi runs out of, and over a real
// link the transfer waits on the network, not on these collections. An eden-only Bun.gc(false)
// did not help: the buffers reach the old generation before they die.
export const GC_EVERY_BYTES = 8 * 1024 * 1024;

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
