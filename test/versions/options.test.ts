// sync_options.keep_versions_days through the API and the job editor: new jobs default to 30,
// jobs saved before the setting existed stay off (also when a client that does not know the
// field saves them again), bad values are a 400 naming the field; and the pure parts of versions
// (stamps, expiry, the as-of rule on its own).
import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { jobs } from "../../src/db/schema.ts";
import { normalizeSyncOptions } from "../../src/destinations/contract.ts";
import { parseVersionStamp, versionExpired, versionStamp } from "../../src/destinations/engine/version-names.ts";
import { asVersion, type CurrentFile, resolveAsOf, type VersionFile } from "../../src/versions/resolve.ts";
import { authedApp, localJob } from "../engine/fixtures.ts";
import { getPage, localJobForm, postForm, signedIn } from "../web/helpers.ts";

const mount = () => mkdtempSync(join(tmpdir(), "versions-opt-"));

describe("keep_versions_days in the jobs API", () => {
  test("new jobs default to 30; null turns it off; a value is kept; an update without the field keeps what the job has", async () => {
    const t = await authedApp();
    const m = mount();
    const a = await t.api("POST", "/api/jobs", localJob(["/a/docs"], m));
    expect(a.status).toBe(201);
    expect(a.body.sync_options.keep_versions_days).toBe(30);
    const off = await t.api("POST", "/api/jobs", localJob(["/a/docs"], m, { sync_options: { keep_versions_days: null } }));
    expect(off.body.sync_options.keep_versions_days).toBeNull();
    const seven = await t.api("POST", "/api/jobs", { ...localJob(["/a/docs"], m), sync_options: null });
    expect(seven.body.sync_options.keep_versions_days).toBe(30);
    const upd = await t.api("PUT", `/api/jobs/${off.body.id}`, localJob(["/a/docs"], m, { sync_options: { delete_extraneous: true } }));
    expect(upd.status).toBe(200);
    expect(upd.body.sync_options).toMatchObject({ delete_extraneous: true, keep_versions_days: null });
    const set = await t.api("PUT", `/api/jobs/${off.body.id}`, localJob(["/a/docs"], m, { sync_options: { keep_versions_days: 3650 } }));
    expect(set.body.sync_options.keep_versions_days).toBe(3650);
    const kept = await t.api("PUT", `/api/jobs/${off.body.id}`, { ...localJob(["/a/docs"], m), sync_options: null });
    expect(kept.body.sync_options.keep_versions_days).toBe(3650);
  });

  test("a job saved before versions existed reads as off and stays off when saved again without the field", async () => {
    const t = await authedApp();
    const m = mount();
    const id = (await t.api("POST", "/api/jobs", localJob(["/a/docs"], m))).body.id;
    // What an older version stored: sync_options without the key.
    t.ctx.db
      .update(jobs)
      .set({ syncOptions: { delete_extraneous: false, exclude_patterns: [], bandwidth_limit_kbps: null, dry_run: false, verbosity: "normal" } })
      .where(eq(jobs.id, id))
      .run();
    expect((await t.api("GET", `/api/jobs/${id}`)).body.sync_options.keep_versions_days).toBeNull();
    const saved = await t.api("PUT", `/api/jobs/${id}`, localJob(["/a/docs"], m, { sync_options: { verbosity: "quiet" } }));
    expect(saved.body.sync_options).toMatchObject({ verbosity: "quiet", keep_versions_days: null });
    expect(normalizeSyncOptions({ keep_versions_days: 0 }).keep_versions_days).toBeNull();
    expect(normalizeSyncOptions({ keep_versions_days: 12 }).keep_versions_days).toBe(12);
  });

  test.each([[0], [-1], [3651], [1.5], ["30"], [true], [[30]], [{}]] as unknown[][])("keep_versions_days %p is a 400 naming the field", async (bad) => {
    const t = await authedApp();
    const r = await t.api("POST", "/api/jobs", localJob(["/a/docs"], mount(), { sync_options: { keep_versions_days: bad } }));
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: "Invalid request", message: "Field 'sync_options.keep_versions_days' must be a whole number of days from 1 to 3650, or null (off)" });
    expect((await t.api("GET", "/api/jobs")).body).toEqual([]);
  });
});

describe("keep_versions_days in the job editor", () => {
  test("the new-job form shows 30 and says what it costs; the field saves, empty is off, a bad value is refused naming it", async () => {
    const { client } = await signedIn();
    const page = await getPage(client, "/jobs/new");
    expect(page.text).toMatch(/id="sync.keep_versions_days"[^>]*value="30"/);
    expect(page.text).toContain("they use space on the destination");
    const m = mount();
    const save = async (value: string | undefined) => {
      const form = localJobForm("Versions", "/a/docs", m, value === undefined ? {} : { "sync.keep_versions_days": value });
      return postForm(client, "/jobs/new", form, { htmx: true });
    };
    const ok = await save("14");
    expect(ok.status).toBe(200);
    const id = Number((ok.res.headers.get("hx-redirect") ?? ok.res.headers.get("location") ?? "").split("?")[0]!.split("/").pop());
    expect((await client.json("GET", `/api/jobs/${id}`)).body.sync_options.keep_versions_days).toBe(14);
    const editor = await getPage(client, `/jobs/${id}/edit`);
    expect(editor.text).toMatch(/id="sync.keep_versions_days"[^>]*value="14"/);

    const empty = await save("");
    const offId = Number((empty.res.headers.get("hx-redirect") ?? empty.res.headers.get("location") ?? "").split("?")[0]!.split("/").pop());
    expect((await client.json("GET", `/api/jobs/${offId}`)).body.sync_options.keep_versions_days).toBeNull();

    for (const bad of ["0", "4000", "soon"]) {
      const r = await save(bad);
      // The editor words it for people (issue 16): the field's label, not its API name.
      expect(r.text).toContain("Enter a whole number of days from 1 to 3650, or leave it empty");
      expect(r.text).toMatch(/id="sync.keep_versions_days"[^>]*aria-invalid="true"/);
    }
  });
});

describe("version folders and the as-of rule (pure)", () => {
  test("stamps are the run start in UTC to the second, and round-trip", () => {
    const at = Date.parse("2026-12-01T11:05:52.987Z");
    expect(versionStamp(at)).toBe("20261201T110552Z");
    expect(parseVersionStamp("20261201T110552Z")).toBe(Date.parse("2026-12-01T11:05:52Z"));
    for (const bad of ["20261301T110552Z", "20261201T110552", "2026-12-01", "x", "20260230T000000Z"]) expect(parseVersionStamp(bad)).toBeNull();
    const day = 86_400_000;
    const s = versionStamp(at);
    expect(versionExpired(s, 30, Date.parse("2026-12-01T11:05:52Z") + 30 * day)).toBe(false);
    expect(versionExpired(s, 30, Date.parse("2026-12-01T11:05:52Z") + 30 * day + 1000)).toBe(true);
    expect(versionExpired("not-a-stamp", 1, Date.now())).toBe(false);
    expect(asVersion({ path: ".dynamight-versions/20261201T110552Z/docs/a.txt", size: 3, mtime: null })).toMatchObject({ path: "docs/a.txt", stamp: "20261201T110552Z" });
    expect(asVersion({ path: ".dynamight-versions/mine/docs/a.txt", size: 3, mtime: null })).toBeNull();
    expect(asVersion({ path: "docs/a.txt", size: 3, mtime: null })).toBeNull();
  });

  test("each path: the earliest version after the time, else the current file; what arrived later is left out", () => {
    const h = 3_600_000;
    const v = (path: string, hour: number, firstSeen: number | null = null, mtime: number | null = null): VersionFile => ({
      path,
      stamp: versionStamp(hour * h),
      at: hour * h,
      size: 1,
      mtime,
      firstSeen,
    });
    const c = (path: string, firstSeen: number | null, mtime: number | null = null): CurrentFile => ({ path, size: 1, mtime, firstSeen });
    const current = [c("a", 0), c("late", 5 * h), c("reborn", 20 * h), c("old", null, 1 * h), c("fresh", null, 30 * h)];
    const versions = [v("a", 10, 0), v("a", 20, 0), v("gone", 15, 2 * h), v("reborn", 12, 1 * h), v("new-gone", 15, 11 * h)];
    const at = (hour: number) => Object.fromEntries(resolveAsOf(hour * h, current, versions).map((f) => [f.path, f.version ?? "current"]));
    expect(at(3)).toEqual({ a: versionStamp(10 * h), gone: versionStamp(15 * h), reborn: versionStamp(12 * h), old: "current" });
    // reborn's earlier life (from 1 h) was still there at 11 h: run 12 h replaced it.
    expect(at(11)).toEqual({ a: versionStamp(20 * h), gone: versionStamp(15 * h), late: "current", reborn: versionStamp(12 * h), old: "current", "new-gone": versionStamp(15 * h) });
    expect(at(25)).toEqual({ a: "current", late: "current", reborn: "current", old: "current" });
    expect(at(40)).toEqual({ a: "current", late: "current", reborn: "current", old: "current", fresh: "current" });
  });
});
