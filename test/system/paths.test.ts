import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApiError } from "../../src/http/errors.ts";
import { confine, isAllowed, isInside, resolveReal } from "../../src/system/paths.ts";
import { tempDir } from "./helpers.ts";

const base = tempDir("dm-paths-");
const root = join(base, "root");
const other = join(base, "other");
mkdirSync(join(root, "a/b"), { recursive: true });
mkdirSync(other);
writeFileSync(join(root, "a/file.txt"), "x");
symlinkSync("/etc", join(root, "etc-link"));
symlinkSync(join(root, "a"), join(root, "a-link"));
symlinkSync(join(base, "nowhere"), join(root, "dangling"));
// A root given through a symbolic link is matched by its real location.
symlinkSync(root, join(base, "root-link"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("confine", () => {
  test("accepts paths inside a root and returns the real path", () => {
    expect(confine(join(root, "a/b"), [root])).toBe(join(root, "a/b"));
    expect(confine(join(root, "a-link/b"), [root])).toBe(join(root, "a/b"));
    expect(confine(root, [root])).toBe(root);
  });

  test("resolves .. before checking", () => {
    expect(confine(join(root, "a/b/../../a"), [root])).toBe(join(root, "a"));
    const err = refusal(() => confine(join(root, "a/../../other"), [root]));
    expect(err.status).toBe(403);
    expect(err.body()).toEqual({ error: "Forbidden", message: expect.stringContaining("outside the allowed paths") });
  });

  test("refuses a symlink leading out of the root", () => {
    expect(refusal(() => confine(join(root, "etc-link"), [root])).status).toBe(403);
    expect(refusal(() => confine(join(root, "etc-link/passwd"), [root])).status).toBe(403);
    // A not-yet-existing path under the link resolves through it too.
    expect(refusal(() => confine(join(root, "etc-link/new-folder"), [root])).status).toBe(403);
  });

  test("refuses paths through a dangling symlink", () => {
    expect(refusal(() => confine(join(root, "dangling"), [root])).status).toBe(403);
    expect(refusal(() => confine(join(root, "dangling/x"), [root])).status).toBe(403);
  });

  test("a path that does not exist yet resolves through its nearest existing parent", () => {
    expect(resolveReal(join(root, "a-link/new/deeper"))).toBe(join(root, "a/new/deeper"));
    expect(confine(join(root, "new/one"), [root])).toBe(join(root, "new/one"));
  });

  test("refuses relative paths, NUL, options and other text", () => {
    for (const bad of ["a/b", "", "-o remount", "../etc", `${root}/a\0/b`, "~/x", undefined, 42]) {
      expect(refusal(() => confine(bad, [root])).status).toBe(403);
    }
  });

  test("roots are resolved too; allowRoot false refuses the root itself", () => {
    expect(confine(join(root, "a"), [join(base, "root-link")])).toBe(join(root, "a"));
    expect(refusal(() => confine(root, [root], { allowRoot: false })).message).toContain("not the allowed path");
    expect(confine(join(root, "a"), [root], { allowRoot: false })).toBe(join(root, "a"));
  });

  test("prefix tricks do not pass: /root-evil is not inside /root", () => {
    mkdirSync(`${root}-evil`, { recursive: true });
    expect(isInside(`${root}-evil`, root)).toBe(false);
    expect(refusal(() => confine(`${root}-evil`, [root])).status).toBe(403);
    expect(isAllowed(other, [root])).toBe(false);
  });
});
