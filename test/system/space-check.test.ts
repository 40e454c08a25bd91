// The free-space check before a local run: its two optional destination_config fields, and its
// effect on a destination that is a plain folder (no drive, no root needed).
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { DestinationError } from "../../src/destinations/contract.ts";
import { localDestination } from "../../src/destinations/local/destination.ts";
import { freeSpaceMb, withAutoMount } from "../../src/system/automount.ts";
import { silentReport, tempDir } from "./helpers.ts";

const dir = tempDir("dm-space-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("local destination config", () => {
  test("keeps min_free_space_mb and on_low_space, defaulting to no check and fail", () => {
    expect(localDestination.parseConfig({ mount_point: "/mnt/b", min_free_space_mb: 500, on_low_space: "warn" })).toMatchObject({ min_free_space_mb: 500, on_low_space: "warn" });
    expect(localDestination.parseConfig({ mount_point: "/mnt/b" })).toMatchObject({ min_free_space_mb: null, on_low_space: "fail" });
  });

  test("refuses a negative minimum and an unknown policy, naming the field", () => {
    expect(() => localDestination.parseConfig({ mount_point: "/mnt/b", min_free_space_mb: -1 })).toThrow("min_free_space_mb");
    expect(() => localDestination.parseConfig({ mount_point: "/mnt/b", on_low_space: "ignore" })).toThrow("on_low_space");
    expect(() => localDestination.parseConfig({ mount_point: "/mnt/b", min_free_space_mb: "lots" })).toThrow("min_free_space_mb");
  });
});

describe("free-space check on a plain folder", () => {
  test("measures the filesystem of the folder (or its nearest existing parent)", () => {
    expect(freeSpaceMb(dir)).toBeGreaterThan(0);
    expect(freeSpaceMb(`${dir}/not/yet`)).toBe(freeSpaceMb(dir));
  });

  test("fails before the run when space is short, by default", async () => {
    let ran = false;
    const huge = freeSpaceMb(dir) + 1_000_000;
    const err = await withAutoMount({ mount_point: dir, min_free_space_mb: huge }, silentReport(), async () => {
      ran = true;
    }).catch((e) => e);
    expect(err).toBeInstanceOf(DestinationError);
    expect(err.message).toContain(`the job asks for at least ${huge} MB`);
    expect(ran).toBe(false);
  });

  test("warns and runs with on_low_space warn; silent with enough space", async () => {
    const report = silentReport();
    const out = await withAutoMount({ mount_point: dir, min_free_space_mb: freeSpaceMb(dir) + 1_000_000, on_low_space: "warn" }, report, async () => "ran");
    expect(out).toBe("ran");
    expect(report.lines).toEqual([{ level: "warning", message: expect.stringContaining("MB free on") }]);
    const quiet = silentReport();
    await withAutoMount({ mount_point: dir, min_free_space_mb: 1 }, quiet, async () => {});
    expect(quiet.lines).toEqual([]);
  });
});
