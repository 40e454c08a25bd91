// The remote sync engine on a real folder-backed store (dirstore.ts): ordering, the local
// record and when it is trusted, retries, deletes and folder pruning, reporting.
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compareUtf8, DestinationError, transientError } from "../../src/destinations/contract.ts";
import { type EngineOptions, FULL_COMPARE_EVERY_RUNS, runSync } from "../../src/destinations/engine/sync.ts";
import { syncRequest, tempDir, writeTree } from "../remote/harness.ts";
import { DirStore } from "./dirstore.ts";

const TRICKY = {
  "a-b": "1",
  "a/b": "2",
  "a.b": "3",
  a0: "4",
  Z: "5",
  é: "6",
  "\u{1F600}": "7",
  "\u{E000}x": "8",
  "dir/sub/file": "9",
  "dir sp/x": "10",
};

function setup(mtime: "listing" | "stat" | "none" = "listing", files: Record<string, string | number> = TRICKY) {
  const parent = tempDir("eng-src");
  const src = join(parent, "src");
  writeTree(src, files);
  const store = new DirStore(tempDir("eng-dst"), mtime);
  const dataDir = tempDir("eng-data");
  const run = (opts: Partial<Parameters<typeof syncRequest>[4]> = {}, engine: EngineOptions = {}, signal?: AbortSignal) => {
    const req = syncRequest({}, null, [src], dataDir, opts, signal);
    return runSync(req, store, engine).then((r) => ({ ...r, report: req.report }));
  };
  return { src, store, dataDir, run };
}

describe("compareUtf8", () => {
  test("orders like UTF-8 bytes (S3 and SQLite), not UTF-16 units", () => {
    const names = ["\u{1F600}", "\u{E000}", "a", "a/b", "a-b", "é", "Z"];
    const bytes = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...names].sort(compareUtf8)).toEqual(bytes);
    expect("\u{1F600}" < "\u{E000}").toBe(true); // what plain comparison would get wrong
    expect(compareUtf8("\u{1F600}", "\u{E000}")).toBeGreaterThan(0);
  });
});

describe.each(["listing", "stat", "none"] as const)("engine with a store whose mtime comes from %s", (mtime) => {
  test("mirrors tricky names, then finds nothing to do with and without the record", async () => {
    const s = setup(mtime);
    const first = await s.run();
    expect(first.filesTransferred).toBe(Object.keys(TRICKY).length);
    expect(readFileSync(join(s.store.root, "src/\u{1F600}"), "utf8")).toBe("7");
    expect((await s.run()).filesTransferred).toBe(0);
    expect((await s.run({}, { fullCompare: true })).filesTransferred).toBe(0);
    rmSync(join(s.dataDir, "dynamight.db"));
    rmSync(join(s.dataDir, "dynamight.db-wal"), { force: true });
    rmSync(join(s.dataDir, "dynamight.db-shm"), { force: true });
    expect((await s.run()).filesTransferred).toBe(0);
  });

  test("a remote file rewritten by someone else is uploaded again on a full comparison", async () => {
    const s = setup(mtime, { "f.txt": "original" });
    await s.run();
    const remote = join(s.store.root, "src/f.txt");
    await Bun.sleep(5);
    writeFileSync(remote, "TAMPERED");
    expect((await s.run()).filesTransferred).toBe(0); // trusted record: not noticed yet
    expect((await s.run({}, { fullCompare: true })).filesTransferred).toBe(1);
    expect(readFileSync(remote, "utf8")).toBe("original");
  });
});

describe("the local record", () => {
  test("a fresh complete record means no listing; age, run count and a request force one", async () => {
    const s = setup("stat", { "a.txt": "a" });
    await s.run();
    expect(s.store.calls.list).toBe(1);
    await s.run();
    expect(s.store.calls.list).toBe(1);
    await s.run({}, { fullCompare: true });
    expect(s.store.calls.list).toBe(2);
    await s.run({}, { now: () => Date.now() + 25 * 3600_000 });
    expect(s.store.calls.list).toBe(3);
    for (let i = 0; i < FULL_COMPARE_EVERY_RUNS - 1; i++) await s.run();
    expect(s.store.calls.list).toBe(3);
    await s.run(); // the 20th run after a full comparison is one
    expect(s.store.calls.list).toBe(4);
    expect(s.store.calls.stat).toBe(0); // the record vouched for every object (no HEAD per file)
  });

  test("a failed run leaves the record incomplete, so the next run lists the remote", async () => {
    const s = setup("listing", { "a.txt": "a", "b.txt": "b" });
    await s.run();
    writeFileSync(join(s.src, "b.txt"), "bb");
    s.store.fault = (op) => {
      if (op === "put") throw new DestinationError("permission", "denied");
    };
    await expect(s.run()).rejects.toMatchObject({ kind: "permission" });
    s.store.fault = () => {};
    const lists = s.store.calls.list;
    expect((await s.run()).filesTransferred).toBe(1);
    expect(s.store.calls.list).toBe(lists + 1);
  });

  test("dry run writes neither the remote nor the record", async () => {
    const s = setup("none", { "a.txt": "a" });
    const dry = await s.run({ dry_run: true });
    expect(dry.filesTransferred).toBe(1);
    expect(existsSync(join(s.store.root, "src/a.txt"))).toBe(false);
    expect(dry.report.text()).toContain("dry run");
    expect((await s.run()).filesTransferred).toBe(1);
  });
});

describe("retries and errors", () => {
  test("transient failures are retried (Retry-After honoured); the run succeeds", async () => {
    const s = setup("listing", { "a.txt": "a" });
    let failures = 0;
    s.store.fault = (op) => {
      if (op === "put" && failures < 2) {
        failures++;
        throw transientError("503 SlowDown", 10);
      }
    };
    const r = await s.run();
    expect(r.filesTransferred).toBe(1);
    expect(s.store.calls.put).toBe(3);
    expect(r.report.lines.filter((l) => l.level === "warning" && l.message.includes("retry"))).toHaveLength(2);
  });

  test("permanent errors fail at once; exhausted retries fail with the store's kind", async () => {
    const s = setup("listing", { "a.txt": "a" });
    s.store.fault = (op) => {
      if (op === "check") throw new DestinationError("auth", "wrong key");
    };
    await expect(s.run()).rejects.toMatchObject({ kind: "auth" });
    expect(s.store.calls.check).toBe(1);
  });

  test("an aborted signal ends the run as cancelled", async () => {
    const s = setup("listing", { "a.txt": "a" });
    const ctl = new AbortController();
    ctl.abort();
    await expect(s.run({}, {}, ctl.signal)).rejects.toMatchObject({ kind: "cancelled" });
    expect(s.store.calls.put).toBe(0);
  });
});

describe("deletes and reporting", () => {
  test("delete_extraneous removes files and the folders it emptied; quiet logs no file lines", async () => {
    const s = setup("listing", { "keep.txt": "k", "old/deep/x.txt": "x", "old/y.txt": "y" });
    await s.run();
    rmSync(join(s.src, "old"), { recursive: true });
    const r = await s.run({ delete_extraneous: true, verbosity: "quiet" });
    expect(r.filesDeleted).toBe(2);
    expect(existsSync(join(s.store.root, "src/old"))).toBe(false);
    expect(existsSync(join(s.store.root, "src/keep.txt"))).toBe(true);
    expect(r.report.lines.some((l) => l.message.includes("old/y.txt"))).toBe(false);
  });

  test("verbose says why each file moves; totals match the transfer", async () => {
    const s = setup("listing", { "a.txt": "a", "b.txt": "bb" });
    await s.run();
    utimesSync(join(s.src, "a.txt"), 1_800_000_000, 1_800_000_000);
    const r = await s.run({ verbosity: "verbose" });
    expect(r.report.text()).toContain("src/a.txt: modified");
    expect(r.report.total).toEqual({ files: 1, bytes: 1 });
    expect(r.report.bytes).toBe(1);
  });

  test("two sources with one basename are refused before anything moves", async () => {
    const a = join(tempDir("eng-x"), "same");
    const b = join(tempDir("eng-y"), "same");
    writeTree(a, { "1": "1" });
    writeTree(b, { "2": "2" });
    const store = new DirStore(tempDir("eng-dst"));
    const err = await runSync(syncRequest({}, null, [a, b], tempDir("eng-d")), store).catch((e) => e);
    expect(err).toBeInstanceOf(DestinationError);
    expect(err.kind).toBe("config");
    expect(store.calls.put).toBe(0);
  });
});
