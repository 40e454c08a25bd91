// Reading rsync's output: the per-file records of `--out-format=%i|%n|%l|%b`, the totals of
// `--stats --no-h`, and its exit codes in words; which sent files are really written
// (PendingFiles). Pure code, tested on its own.

export interface FileRecord {
  /** rsync's 11-character itemize string, e.g. ">f+++++++++" or "*deleting  ". */
  itemize: string;
  name: string;
  size: number;
  kind: "transfer" | "delete" | "other";
}

// The itemize field is always 11 characters (YXcstpoguax), the first one of <>ch.*; then the
// name (which may contain '|'), the file's size and the bytes sent for it (%b). %b is asked for
// because it makes rsync print the record once the file has been sent, not when it starts.
const RECORD = /^([<>ch.*][^|]{10})\|(.*)\|(\d+)\|\d+$/;

export function parseRecord(line: string): FileRecord | null {
  const m = RECORD.exec(line);
  if (!m) return null;
  const itemize = m[1]!;
  const size = Number(m[3]);
  if (itemize.startsWith("*deleting")) return { itemize, name: m[2]!, size, kind: "delete" };
  // '>' (received) or '<' (sent) on a regular file means content moved; 'c', 'h', '.' are local
  // creations, hard links and attribute-only changes.
  const transfer = (itemize[0] === ">" || itemize[0] === "<") && itemize[1] === "f";
  return { itemize, name: m[2]!, size, kind: transfer ? "transfer" : "other" };
}

export interface RsyncStats {
  filesTransferred: number;
  bytesTransferred: number;
  filesDeleted: number;
}

const STAT_LINES: [RegExp, keyof RsyncStats][] = [
  [/^Number of regular files transferred: ([\d,.]+)/, "filesTransferred"],
  [/^Total transferred file size: ([\d,.]+)/, "bytesTransferred"],
  [/^Number of deleted files: ([\d,.]+)/, "filesDeleted"],
];

/** Feeds one stdout line; true when it was a --stats line (so it is not logged as ordinary output). */
export function readStatLine(line: string, into: Partial<RsyncStats>): boolean {
  for (const [re, key] of STAT_LINES) {
    const m = re.exec(line);
    if (m) {
      into[key] = Number(m[1]!.replace(/[,.]/g, ""));
      return true;
    }
  }
  return /^(Number of |Total |Literal data|Matched data|File list |sent \d|total size is )/.test(line);
}

const EXIT_CODES: Record<number, string> = {
  1: "rsync refused its arguments (syntax or usage error)",
  2: "rsync protocol incompatibility",
  3: "errors selecting input/output files or folders (does the destination exist and is it writable?)",
  4: "the requested action is not supported by this rsync",
  5: "error starting the rsync protocol",
  10: "error in socket I/O",
  11: "error in file I/O (destination full, read-only or unplugged?)",
  12: "error in the rsync data stream (the receiving side died: destination full or unplugged?)",
  13: "errors with program diagnostics",
  14: "error in rsync's inter-process communication",
  20: "rsync was interrupted by a signal",
  21: "rsync: some error returned by waitpid()",
  22: "rsync could not allocate memory",
  23: "partial transfer: some files or attributes could not be transferred (see the log for which)",
  24: "some source files vanished while they were being copied",
  25: "the --max-delete limit stopped deletions",
  30: "timeout while sending or receiving data",
  35: "timeout waiting for a connection",
};

/** A readable error for a non-zero exit code; the last error line rsync printed adds the detail. */
export function exitMessage(code: number, lastError: string | null): string {
  const base = EXIT_CODES[code] ?? `rsync failed with exit code ${code}`;
  const detail = lastError ? `: ${lastError.replace(/^rsync(: | error: )/, "").slice(0, 300)}` : "";
  return `${base} (exit code ${code})${detail}`;
}

/** Exit codes after which the data that could be copied was copied and the run still counts as done. */
export const WARNING_EXIT_CODES = new Set([24]);

/**
 * Files rsync has sent but that may not be on disk yet. In a local copy the record is printed
 * by the sender once it has sent the file; the receiver writes it (and renames its temp file
 * into place) a little later, dozens of small files behind when the disk is the slower side.
 * The receiver handles files in the order they were sent, so the newest file found complete
 * on disk (`isComplete`) proves every file sent before it is complete too. Counting only what
 * is confirmed keeps a cancelled or failed run from counting files that never arrived.
 */
export class PendingFiles {
  private queue: FileRecord[] = [];

  constructor(
    private readonly isComplete: (rec: FileRecord) => boolean,
    private readonly release: (recs: FileRecord[]) => void,
    /** Past this many waiting files the oldest are taken as written (no receiver lags that far). */
    private readonly maxWaiting = 10_000,
    /** How many files one confirm() may look at, newest first. */
    private readonly maxScan = 2_000,
  ) {}

  get waiting(): number {
    return this.queue.length;
  }

  add(rec: FileRecord) {
    this.queue.push(rec);
    if (this.queue.length > this.maxWaiting) this.release(this.queue.splice(0, this.queue.length - this.maxWaiting));
  }

  /** Releases every file up to the newest one found complete. */
  confirm() {
    const stop = Math.max(0, this.queue.length - this.maxScan);
    for (let i = this.queue.length - 1; i >= stop; i--) {
      if (this.isComplete(this.queue[i]!)) {
        this.release(this.queue.splice(0, i + 1));
        return;
      }
    }
  }

  /** rsync finished without error: its receiver wrote everything it was sent. */
  releaseAll() {
    if (this.queue.length) this.release(this.queue.splice(0));
  }

  /**
   * rsync was stopped or failed: each waiting file is checked on its own (a receiver that failed
   * may have skipped one and written the next), the complete ones count, the rest is returned.
   */
  finish(): FileRecord[] {
    const done: FileRecord[] = [];
    const lost: FileRecord[] = [];
    for (const rec of this.queue.splice(0)) (this.isComplete(rec) ? done : lost).push(rec);
    if (done.length) this.release(done);
    return lost;
  }
}
