// The pure parts of verify: pairing two sorted streams (missing, extra only when the job deletes
// and the path is not excluded, out-of-order listings refused), the wording of each reason, and
// reading rsync's itemized output and totals.
import { describe, expect, test } from "bun:test";
import { DEFAULT_SYNC_OPTIONS, excludeDirPatterns, type RemoteEntry } from "../../src/destinations/contract.ts";
import { ExcludeMatcher } from "../../src/destinations/engine/exclude.ts";
import type { LocalFile } from "../../src/destinations/engine/walk.ts";
import { differencesMessage, mtimeDiffers, pairs, sizeDiffers } from "../../src/verify/compare.ts";
import { differenceOf, filesCounted, verifyArgs } from "../../src/verify/local.ts";

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const i of items) yield i;
}
const local = (rel: string): LocalFile => ({ rel, abs: `/src/${rel}`, size: 1, mtime: 0, mtimeNs: 0n });
const remote = (path: string): RemoteEntry => ({ path, size: 1, mtime: 0 });

async function paired(l: string[], r: string[], deleting: boolean, excludes: string[] = []) {
  const out: string[] = [];
  for await (const p of pairs("top", from(l.map(local)), from(r.map(remote)), new ExcludeMatcher(excludes), deleting)) {
    out.push(`${p.type} ${p.type === "extra" ? p.remote.path : p.local.path}`);
  }
  return out;
}

describe("pairs", () => {
  test("merges by path: both, missing, and extra only when the job deletes extraneous files", async () => {
    const l = ["a", "b/c", "é", "😀"];
    const r = ["top/a", "top/b-x", "top/é", "top/😀", "top/😀z"];
    expect(await paired(l, r, false)).toEqual(["both top/a", "missing top/b/c", "both top/é", "both top/😀"]);
    expect(await paired(l, r, true)).toEqual(["both top/a", "extra top/b-x", "missing top/b/c", "both top/é", "both top/😀", "extra top/😀z"]);
    expect(await paired(l, r, true, ["*z"])).toEqual(["both top/a", "extra top/b-x", "missing top/b/c", "both top/é", "both top/😀"]);
  });

  test("a listing out of path order is a store bug, not a pile of differences", async () => {
    await expect(paired(["a"], ["top/b", "top/a"], true)).rejects.toThrow('the destination listing is not in path order at "top/a"');
  });
});

describe("words", () => {
  test("size, mtime within the store's precision, and the run's message", () => {
    expect(sizeDiffers(3, 3)).toBeNull();
    expect(sizeDiffers(3, 5)).toBe("size differs (source 3 bytes, destination 5 bytes)");
    expect(mtimeDiffers(1_700_000_000_500, 1_700_000_000_000, 1000)).toBeNull();
    expect(mtimeDiffers(1_700_000_001_000, 1_700_000_000_000, 1000)).toBe("modification time differs (source 2023-11-14T22:13:21.000Z, destination 2023-11-14T22:13:20.000Z)");
    expect(mtimeDiffers(5, null, 1)).toBeNull();
    expect([0, 1, 2, 10].map(differencesMessage)).toEqual(["0 differences", "1 difference", "2 differences", "10 differences"]);
  });
});

describe("rsync's itemized output", () => {
  test("each line becomes the reasons of one file, folders and attribute-only lines none", () => {
    expect(differenceOf(">f+++++++++")).toEqual(["missing on the destination"]);
    expect(differenceOf("*deleting  ")).toEqual(["extra on the destination (not in the source; the job deletes extraneous files)"]);
    expect(differenceOf(">fc........")).toEqual(["content differs (checksum)"]);
    expect(differenceOf(">f.st......")).toEqual(["size differs", "modification time differs"]);
    expect(differenceOf(">fcst......")).toEqual(["size differs", "modification time differs"]);
    expect(differenceOf(".f..t......")).toEqual(["modification time differs"]);
    expect(differenceOf("cL+++++++++")).toEqual(["missing on the destination"]);
    expect(differenceOf("cLc.t......")).toEqual(["symbolic link target differs"]);
    expect(differenceOf("cd+++++++++")).toBeNull();
    expect(differenceOf(".d..t......")).toBeNull();
  });

  test("files counted from --stats: regular files and links", () => {
    expect(filesCounted("Number of files: 5 (reg: 3, dir: 2)")).toBe(3);
    expect(filesCounted("Number of files: 1,234 (reg: 1,200, dir: 30, link: 4)")).toBe(1204);
    expect(filesCounted("Number of files: 1 (dir: 1)")).toBe(0);
    expect(filesCounted("Number of created files: 1 (reg: 1)")).toBeNull();
  });

  test("the arguments: a dry run by checksum, --delete only when the job deletes, excludes glued", () => {
    const o = { ...DEFAULT_SYNC_OPTIONS, exclude_patterns: ["-x", "*.tmp"], bandwidth_limit_kbps: 10 };
    expect(verifyArgs("/s/docs/", "/d/docs", o)).toEqual([
      "-rltn",
      "--checksum",
      "--itemize-changes",
      "--out-format=%i|%n",
      "--stats",
      "--no-h",
      "--exclude=-x",
      "--exclude=*.tmp",
      "/s/docs/",
      "/d/docs/",
    ]);
    expect(verifyArgs("/s/docs", "/d/docs", { ...o, delete_extraneous: true, exclude_patterns: [] })).toContain("--delete");
    // exclude_dirs: skipped as the backup skips them, anchored to the source.
    const withDirs = verifyArgs("/s/docs", "/d/docs", { ...o, exclude_patterns: [], exclude_dirs: ["/s/docs/cache"] });
    expect(withDirs.filter((a) => a.startsWith("--exclude="))).toEqual(excludeDirPatterns("/s/docs", ["/s/docs/cache"]).map((p) => `--exclude=${p}`));
    expect(withDirs.some((a) => a.startsWith("--exclude="))).toBe(true);
  });
});
