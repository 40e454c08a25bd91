// The batched log writer (cap, truncation note, ids on the bus) and rsync output parsing.
import { describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { jobs, runLogs, runs } from "../../src/db/schema.ts";
import { rsyncArgs } from "../../src/destinations/local/destination.ts";
import { exitMessage, type FileRecord, PendingFiles, parseRecord, type RsyncStats, readStatLine } from "../../src/destinations/local/rsync-output.ts";
import { DEFAULT_SYNC_OPTIONS } from "../../src/jobs/sync-options.ts";
import { type RunEvent, RunEvents } from "../../src/runs/events.ts";
import { BATCH_LINES, RunLogWriter } from "../../src/runs/logs.ts";
import { testContext } from "../helpers/app.ts";

function runFixture() {
  const ctx = testContext();
  const jobId = ctx.db
    .insert(jobs)
    .values({ name: "j", sourceDirs: ["/x"], destinationType: "local", destinationConfig: {}, syncOptions: {} })
    .returning()
    .get().id;
  const runId = ctx.db.insert(runs).values({ jobId, status: "running", trigger: "manual" }).returning().get().id;
  const events = new RunEvents();
  const seen: RunEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const stored = () => ctx.db.select().from(runLogs).where(eq(runLogs.runId, runId)).orderBy(runLogs.id).all();
  return { ctx, runId, events, seen, stored };
}

describe("RunLogWriter", () => {
  test("buffers until a flush, then stores in one go and announces each line with its row id", () => {
    const f = runFixture();
    const w = new RunLogWriter(f.ctx.db, f.events, f.runId);
    for (let i = 0; i < 10; i++) w.write("info", `line ${i}`);
    expect(f.stored().length).toBe(0);
    w.flush();
    const rows = f.stored();
    expect(rows.map((r) => r.message)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i}`));
    expect(f.seen.map((e) => (e as { id: number }).id)).toEqual(rows.map((r) => r.id));
    w.close();
  });

  test("a full batch is written without waiting for the timer", () => {
    const f = runFixture();
    const w = new RunLogWriter(f.ctx.db, f.events, f.runId);
    for (let i = 0; i < BATCH_LINES; i++) w.write("info", `l${i}`);
    expect(f.stored().length).toBe(BATCH_LINES);
    w.close();
  });

  test("capped: extra info lines are counted in one truncation note; errors past the cap are kept", () => {
    const f = runFixture();
    const w = new RunLogWriter(f.ctx.db, f.events, f.runId, 10);
    for (let i = 0; i < 25; i++) w.write("info", `line ${i}`);
    w.write("error", "the real reason");
    w.close();
    w.write("info", "after close");
    const rows = f.stored();
    expect(rows.length).toBe(12);
    expect(rows[10]!.message).toBe("the real reason");
    expect(rows[11]!).toMatchObject({ level: "warning", message: "… log truncated, 15 more line(s) not stored" });
  });
});

describe("rsync output", () => {
  test("per-file records", () => {
    expect(parseRecord(">f+++++++++|a b|c.txt|42|88")).toEqual({ itemize: ">f+++++++++", name: "a b|c.txt", size: 42, kind: "transfer" });
    expect(parseRecord(">f.st......|dir/x|7|0")?.kind).toBe("transfer");
    expect(parseRecord("*deleting  |old.txt|0|0")).toMatchObject({ kind: "delete", name: "old.txt" });
    expect(parseRecord("cd+++++++++|sub/|4096|0")?.kind).toBe("other");
    expect(parseRecord(".d..t......|./|4096|0")?.kind).toBe("other");
    expect(parseRecord("Number of files: 4 (reg: 2, dir: 2)")).toBeNull();
    expect(parseRecord("sent 130 bytes  received 68 bytes  396.00 bytes/sec")).toBeNull();
  });

  test("--stats --no-h totals", () => {
    const into: Partial<RsyncStats> = {};
    for (const l of ["Number of deleted files: 3 (reg: 3)", "Number of regular files transferred: 1,234", "Total transferred file size: 52428800 bytes", "Total file size: 9 bytes"]) {
      expect(readStatLine(l, into)).toBe(true);
    }
    expect(into).toEqual({ filesDeleted: 3, filesTransferred: 1234, bytesTransferred: 52428800 });
    expect(readStatLine("created directory /x", into)).toBe(false);
  });

  test("exit codes in words, with rsync's own last error", () => {
    expect(exitMessage(23, 'rsync: [sender] send_files failed to open "/x": Permission denied (13)')).toBe(
      'partial transfer: some files or attributes could not be transferred (see the log for which) (exit code 23): [sender] send_files failed to open "/x": Permission denied (13)',
    );
    expect(exitMessage(11, null)).toContain("destination full");
    expect(exitMessage(30, null)).toContain("timeout");
    expect(exitMessage(99, null)).toBe("rsync failed with exit code 99 (exit code 99)");
  });

  test("files sent count once the newest complete one proves them written; at the end each is checked", () => {
    const onDisk = new Set<string>();
    const released: string[] = [];
    const p = new PendingFiles(
      (r) => onDisk.has(r.name),
      (recs) => released.push(...recs.map((r) => r.name)),
    );
    const rec = (name: string): FileRecord => ({ itemize: ">f+++++++++", name, size: 1, kind: "transfer" });
    for (const n of ["a", "b", "c", "d"]) p.add(rec(n));
    p.confirm();
    expect(released).toEqual([]);
    // The receiver works in order: c written means a and b are too (whatever they were checked as).
    onDisk.add("c");
    p.confirm();
    expect(released).toEqual(["a", "b", "c"]);
    expect(p.waiting).toBe(1);
    // Stopped: d never arrived, e did (checked one by one).
    p.add(rec("e"));
    onDisk.add("e");
    expect(p.finish().map((r) => r.name)).toEqual(["d"]);
    expect(released).toEqual(["a", "b", "c", "e"]);
    expect(p.waiting).toBe(0);
  });

  test("pending files: releaseAll after a clean exit; a long queue releases its oldest", () => {
    const released: string[] = [];
    const p = new PendingFiles(
      () => false,
      (recs) => released.push(...recs.map((r) => r.name)),
      3,
    );
    for (const n of ["a", "b", "c", "d", "e"]) p.add({ itemize: ">f+++++++++", name: n, size: 1, kind: "transfer" });
    expect(released).toEqual(["a", "b"]);
    p.releaseAll();
    expect(released).toEqual(["a", "b", "c", "d", "e"]);
  });

  test("arguments: one array entry each, sources and destinations with one trailing slash", () => {
    // %b makes rsync print a file's record after it was sent (not before): see PendingFiles.
    expect(rsyncArgs("/a", "/b", DEFAULT_SYNC_OPTIONS)).toContain("--out-format=%i|%n|%l|%b");
    const args = rsyncArgs("/src/docs/", "/mnt/b/docs", { ...DEFAULT_SYNC_OPTIONS, delete_extraneous: true, exclude_patterns: ["-weird", "*.tmp"], bandwidth_limit_kbps: 100, dry_run: true });
    expect(args).toContain("--delete");
    expect(args).toContain("--exclude=-weird");
    expect(args).toContain("--exclude=*.tmp");
    expect(args).toContain("--bwlimit=100");
    expect(args).toContain("--dry-run");
    expect(args.slice(-2)).toEqual(["/src/docs/", "/mnt/b/docs/"]);
    expect(rsyncArgs("/a", "/b", DEFAULT_SYNC_OPTIONS)).not.toContain("--delete");
  });
});
