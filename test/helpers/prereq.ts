// Tests that need a real server, a binary or root skip with a visible reason on a contributor's
// machine. CI sets DYNAMIGHT_REQUIRE_ALL=1, which turns every such skip into a failure.
import { describe, test } from "bun:test";

export const REQUIRE_ALL = process.env.DYNAMIGHT_REQUIRE_ALL === "1";

/**
 * `describeIf(reason)("name", fn)`: runs the block when reason is null; otherwise skips it,
 * printing why (or fails, under DYNAMIGHT_REQUIRE_ALL=1).
 */
export function describeIf(reason: string | null): (name: string, fn: () => void) => void {
  if (reason === null) return describe;
  return (name, _fn) => {
    if (REQUIRE_ALL) {
      describe(name, () => {
        test("prerequisites", () => {
          throw new Error(`required in CI but missing: ${reason}`);
        });
      });
      return;
    }
    console.warn(`[skip] ${name}: ${reason}`);
    describe.skip(name, _fn);
  };
}

export function missingCommand(...names: string[]): string | null {
  const missing = names.filter((n) => !Bun.which(n));
  return missing.length ? `command(s) not installed: ${missing.join(", ")}` : null;
}

export function notRoot(): string | null {
  return process.getuid?.() === 0 ? null : "needs root";
}
