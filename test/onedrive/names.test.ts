// The two things the OneDrive store must get exactly as others do, checked against rclone itself:
// the name encoding (rclone's default --onedrive-encoding, which rclone applies the same way to a
// local folder when asked: `:local,encoding=...:`) and QuickXorHash (`rclone hashsum quickxor`).
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeName, encodeName, encodePath } from "../../src/destinations/onedrive/names.ts";
import { QuickXorHash, quickXorHash } from "../../src/destinations/onedrive/quickxor.ts";
import { nextStart } from "../../src/destinations/onedrive/store.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { rclone, tempDir } from "../remote/harness.ts";

const ONEDRIVE_ENCODING = "Slash,LtGt,DoubleQuote,Colon,Question,Asterisk,Pipe,BackSlash,Del,Ctl,LeftSpace,LeftTilde,RightSpace,RightPeriod,InvalidUtf8,Dot";

/** Names with every character class the encoding touches, and their substitutes typed literally. */
const NAMES = [
  "plain.txt",
  "a:b",
  "what?",
  "star*",
  "lt<gt>",
  "pi|pe",
  'quo"te',
  "back\\slash",
  " leading space",
  "trailing space ",
  "trailing dot.",
  "~tilde first",
  "mid~tilde",
  "full：colon already",
  "sym␠ at end␠",
  "␠sym first",
  "del\x7f",
  "ctl\x01x\x1f",
  "x．",
  "．x",
  "dots...",
  "  two leading",
  "end . ",
  "日本語: ファイル?",
  "emoji 😀*",
];

describe("OneDrive name encoding (rclone's default)", () => {
  test("the forbidden characters become their fullwidth or symbol forms", () => {
    expect(encodeName('a:b?c*d<e>f|g"h\\i')).toBe("a：b？c＊d＜e＞f｜g＂h＼i");
    expect(encodeName(" x ")).toBe("␠x␠");
    expect(encodeName("x.")).toBe("x．");
    expect(encodeName("~x")).toBe("～x");
    expect(encodeName("a\x01\x7f")).toBe("a␁␡");
    expect(encodeName(".")).toBe("．");
    expect(encodeName("..")).toBe("．．");
    expect(encodeName("plain name.txt")).toBe("plain name.txt");
    // A substitute that was really in the name is quoted, so decoding gives it back as it was.
    expect(encodeName("a：b")).toBe("a‛：b");
    expect(encodeName("a‛b")).toBe("a‛‛b");
    expect(encodePath("dir: one/file?.txt")).toBe("dir： one/file？.txt");
  });

  test("decode undoes encode for every name, quote characters included", () => {
    for (const n of [...NAMES, "‛", "a‛", "‛：", "‛‛x", "．", "．．", ".", "..", "␀", "a␀b"]) expect(decodeName(encodeName(n))).toBe(n);
  });

  test("no encoded name is one Graph refuses", () => {
    for (const n of NAMES) {
      const e = encodeName(n);
      expect(e).not.toMatch(/["*:<>?/\\|]/);
      expect(e).not.toMatch(/[. ]$/);
      expect(e).not.toMatch(/^ /);
    }
  });

  describeIf(missingCommand("rclone"))("the same names as rclone writes them", () => {
    test("rclone copy to a folder with the OneDrive encoding gives the names encodeName gives", async () => {
      const dir = tempDir("od-names");
      const src = join(dir, "src");
      mkdirSync(src);
      for (const n of NAMES) writeFileSync(join(src, n), "x");
      const r = await rclone("copy", src, `:local,encoding="${ONEDRIVE_ENCODING}":${join(dir, "dst")}`);
      expect(r.code).toBe(0);
      const written = readdirSync(join(dir, "dst")).sort();
      expect(written).toEqual(NAMES.map(encodeName).sort());
      // And back: rclone reading those names with the encoding lists the originals.
      const back = await rclone("lsf", `:local,encoding="${ONEDRIVE_ENCODING}":${join(dir, "dst")}`);
      expect(back.code).toBe(0);
      // (rclone shows control characters as their symbols on a terminal: those two are left out here.)
      const printable = (n: string) => ![...n].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || (ch >= "\u2401" && ch <= "\u2421"));
      expect(
        back.out
          .split("\n")
          .filter((l) => l !== "" && printable(l))
          .sort(),
      ).toEqual(NAMES.filter(printable).sort());
    });
  });
});

describe("QuickXorHash", () => {
  test("known values", () => {
    // Microsoft's algorithm on "" and "hello" (the values rclone's hashsum prints, base64).
    expect(quickXorHash(Buffer.alloc(0))).toBe("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    expect(quickXorHash(Buffer.from("hello"))).toBe("aCgDG9jwBgAAAAAABQAAAAAAAAA=");
  });

  test("streaming in any split gives the one-shot digest", () => {
    const data = randomBytes(100_003);
    const whole = quickXorHash(data);
    for (const step of [1, 7, 159, 160, 161, 4096, 65_537]) {
      const h = new QuickXorHash();
      for (let i = 0; i < data.length; i += step) h.update(data.subarray(i, i + step));
      expect(h.digest()).toBe(whole);
    }
  });

  describeIf(missingCommand("rclone"))("against rclone hashsum quickxor", () => {
    test("files of many sizes", async () => {
      const dir = tempDir("od-qxh");
      const sizes = [1, 2, 19, 20, 21, 159, 160, 161, 320, 1000, 65_536, 1_000_003, 3 * 1024 * 1024 + 5];
      const want = new Map<string, string>();
      for (const n of sizes) {
        const data = randomBytes(n);
        writeFileSync(join(dir, `f${n}`), data);
        want.set(`f${n}`, quickXorHash(data));
      }
      const r = await rclone("hashsum", "quickxor", "--base64", dir);
      expect(r.code).toBe(0);
      const got = new Map(
        r.out
          .trim()
          .split("\n")
          .map((l) => {
            const [h, name] = l.split(/\s+/);
            // rclone prints base64url; OneDrive (and we) give standard base64.
            return [name!, h!.replace(/-/g, "+").replace(/_/g, "/")] as const;
          }),
      );
      expect(got).toEqual(want);
    });
  });
});

test("nextExpectedRanges: the first missing byte", () => {
  expect(nextStart(["0-"])).toBe(0);
  expect(nextStart(["655360-1048575"])).toBe(655360);
  expect(nextStart(["77829-99375", "12345-55232"])).toBe(12345);
  expect(nextStart([])).toBeNull();
  expect(nextStart(undefined)).toBeNull();
});
