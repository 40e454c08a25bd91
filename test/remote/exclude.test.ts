// One table of exclude patterns, run against real rsync (what the local destination uses, as
// `rsync -a --exclude=P src/ dst/`) and against the remote engine's matcher on the same tree:
// both must keep exactly the expected files.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { ExcludeMatcher } from "../../src/destinations/engine/exclude.ts";
import { walkLocal } from "../../src/destinations/engine/walk.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { tempDir, writeTree } from "./harness.ts";

const FILES = [
  "a.txt",
  "b.log",
  "notes.md",
  "x.tmp",
  "cache/c1",
  "cache/sub/c2",
  "src/cache/c3",
  "src/main.ts",
  "src/main.tmp",
  "src/deep/x.log",
  "src/deep/y.txt",
  "build/out.bin",
  "build",
  "docs/build/page.html",
  "logs/2024/app.log",
  "logs/today.log",
  "data1.csv",
  "data2.csv",
  "dataA.csv",
  "with space/file one.txt",
  "ünï/café.txt",
  "[brackets].txt",
  "q?mark.txt",
  "star*name.txt",
  "dir.only/file",
  "file.only",
  "foo/bar/f",
  "foo/x/bar/f",
  "a/foo/bar/f",
  "foo/barf",
  "foo/zbar",
].filter((f) => f !== "build");

const TABLE: [patterns: string[], excluded: string[]][] = [
  [[], []],
  [["*.tmp"], ["x.tmp", "src/main.tmp"]],
  [["*.log"], ["b.log", "src/deep/x.log", "logs/2024/app.log", "logs/today.log"]],
  [["/*.log"], ["b.log"]],
  [["cache/"], ["cache/c1", "cache/sub/c2", "src/cache/c3"]],
  [["/cache/"], ["cache/c1", "cache/sub/c2"]],
  [["cache"], ["cache/c1", "cache/sub/c2", "src/cache/c3"]],
  [["src/cache"], ["src/cache/c3"]],
  [["deep/*.log"], ["src/deep/x.log"]],
  [["/src/*.ts"], ["src/main.ts"]],
  [["src/**"], ["src/cache/c3", "src/main.ts", "src/main.tmp", "src/deep/x.log", "src/deep/y.txt"]],
  [["**/build"], ["build/out.bin", "docs/build/page.html"]],
  [["/build"], ["build/out.bin"]],
  [["logs/**.log"], ["logs/2024/app.log", "logs/today.log"]],
  [["logs/*.log"], ["logs/today.log"]],
  [["data?.csv"], ["data1.csv", "data2.csv", "dataA.csv"]],
  [["data[0-9].csv"], ["data1.csv", "data2.csv"]],
  [["data[!0-9].csv"], ["dataA.csv"]],
  [["data[[:digit:]].csv"], ["data1.csv", "data2.csv"]],
  [["with space/"], ["with space/file one.txt"]],
  [["café.txt"], ["ünï/café.txt"]],
  [["[[]brackets].txt"], ["[brackets].txt"]],
  [["q\\?mark.txt"], ["q?mark.txt"]],
  [["star*name.txt"], ["star*name.txt"]],
  [["*.only/"], ["dir.only/file"]],
  [["*.only"], ["dir.only/file", "file.only"]],
  [["src/deep/"], ["src/deep/x.log", "src/deep/y.txt"]],
  [["src/***"], ["src/cache/c1", "src/cache/c3", "src/main.ts", "src/main.tmp", "src/deep/x.log", "src/deep/y.txt"].filter((f) => f !== "src/cache/c1")],
  [["*"], FILES],
  [["foo/**/bar"], ["foo/x/bar/f"]],
  [["**/foo/bar"], ["foo/bar/f", "a/foo/bar/f"]],
  [["a/**/bar"], ["a/foo/bar/f"]],
  [["foo/**bar"], ["foo/bar/f", "foo/x/bar/f", "a/foo/bar/f", "foo/zbar"]],
  [["fo**/bar"], ["foo/bar/f", "foo/x/bar/f", "a/foo/bar/f"]],
  [
    ["*.txt", "/logs/", "*[0-9].csv"],
    ["a.txt", "src/deep/y.txt", "with space/file one.txt", "ünï/café.txt", "[brackets].txt", "q?mark.txt", "star*name.txt", "logs/2024/app.log", "logs/today.log", "data1.csv", "data2.csv"],
  ],
];

function expected(excluded: string[]): string[] {
  return FILES.filter((f) => !excluded.includes(f)).sort();
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(dir, join(d, e.name)));
    }
  };
  walk(dir);
  return out.sort();
}

const src = tempDir("excl-src");
writeTree(src, Object.fromEntries(FILES.map((f) => [f, f])));

describe("exclude matcher (the remote engine)", () => {
  for (const [patterns, excluded] of TABLE) {
    test(`--exclude ${JSON.stringify(patterns)}`, async () => {
      const kept: string[] = [];
      for await (const f of walkLocal(src, new ExcludeMatcher(patterns), () => {})) kept.push(f.rel);
      expect(kept.sort()).toEqual(expected(excluded));
      // Remote paths (deletion protection) go through excludesFile and must agree with the walk.
      const m = new ExcludeMatcher(patterns);
      expect(FILES.filter((f) => !m.excludesFile(f)).sort()).toEqual(expected(excluded));
    });
  }
});

describeIf(missingCommand("rsync"))("exclude table against real rsync", () => {
  for (const [patterns, excluded] of TABLE) {
    test(`rsync --exclude ${JSON.stringify(patterns)}`, () => {
      const dst = tempDir("excl-dst");
      const r = Bun.spawnSync(["rsync", "-a", ...patterns.map((p) => `--exclude=${p}`), `${src}/`, `${dst}/`]);
      expect(r.exitCode).toBe(0);
      expect(listFiles(dst)).toEqual(expected(excluded));
    });
  }
});
