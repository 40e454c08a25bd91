// Versions on Google Drive (the Drive v3 fake of test/fakes, the same engine as S3/SFTP/WebDAV):
// replaced and deleted files are moved into .dynamight-versions/<run start>/ in the job's folder,
// restore as_of brings back run 1's tree, and pruning (the run's clock injected) empties the
// expired folder.
import { afterAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { versionStamp } from "../../src/destinations/engine/version-names.ts";
import { startDriveFake } from "../fakes/google-drive.ts";
import { startOAuthFake } from "../fakes/oauth.ts";
import { tempDir } from "../remote/harness.ts";
import { signedIn } from "../schedules/helpers.ts";
import { clockRunner, DAY, HOUR, T1, T2, tree, write } from "./helpers.ts";

const savedEnv = { ...process.env };
const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
});
const md5 = (s: string) => createHash("md5").update(s).digest("hex");

test("google_drive: versions kept in the folder, as_of restores run 1's tree, pruning removes the expired folder", async () => {
  const oauth = await startOAuthFake({ provider: "google" });
  const drive = await startDriveFake({ oauth, maxPageSize: 3 });
  stops.push(
    () => oauth.stop(),
    () => drive.stop(),
  );
  Object.assign(process.env, oauth.env, drive.env);
  const t = await signedIn();
  stops.push(() => t.services.stop());
  const runner = clockRunner(t.ctx);
  stops.push(() => runner.engine.stop());

  const folder = drive.createFolder("root", "Backups");
  const cred = await t.api("POST", "/api/credentials", { name: "Drive", provider_type: "google_drive", data: oauth.issue() });
  expect(cred.status).toBe(201);
  const src = join(tempDir("versions-gd"), "docs");
  write(src, { "a.txt": "A1", "b.txt": "B1" }, T1 - HOUR);
  const job = await t.api("POST", "/api/jobs", {
    name: "Drive versions",
    source_dirs: [src],
    destination_type: "google_drive",
    destination_config: { folder_id: folder },
    credential_id: cred.body.id,
    sync_options: { delete_extraneous: true },
  });
  expect(job.status, JSON.stringify(job.body)).toBe(201);
  expect(job.body.sync_options.keep_versions_days).toBe(30);
  const id = job.body.id;

  expect((await runner.run(id, T1)).status).toBe("completed");
  write(src, { "a.txt": "A2-longer" }, T2 - HOUR);
  rmSync(join(src, "b.txt"));
  const r2 = await runner.run(id, T2);
  expect(r2).toMatchObject({ status: "completed", files_transferred: 1, files_deleted: 1 });

  const s2 = versionStamp(T2);
  const files = drive.tree(folder);
  expect(files["docs/a.txt"]?.md5).toBe(md5("A2-longer"));
  expect(files["docs/b.txt"]).toBeUndefined();
  expect(files[`.dynamight-versions/${s2}/docs/a.txt`]?.md5).toBe(md5("A1"));
  expect(files[`.dynamight-versions/${s2}/docs/b.txt`]?.md5).toBe(md5("B1"));
  // Moved, not trashed: the old copies are the versions.
  expect(drive.trashed().map((i) => i.name)).not.toContain("b.txt");

  const v = await t.api("GET", `/api/jobs/${id}/versions?path=docs/a.txt`);
  expect(v.status).toBe(200);
  expect(v.body).toEqual([{ version: s2, size: 2, modified: new Date(T1 - HOUR).toISOString() }]);

  const out = tempDir("versions-gd-out");
  const restore = await t.api("POST", `/api/jobs/${id}/restore`, { target: { folder: out }, overwrite: "always", as_of: new Date(T1 + DAY / 2).toISOString() });
  expect(restore.status).toBe(202);
  await t.services.engine.waitFor(restore.body.run_id);
  expect((await t.api("GET", `/api/runs/${restore.body.run_id}`)).body).toMatchObject({ status: "completed", files_transferred: 2 });
  expect(tree(out)).toEqual(["docs/a.txt", "docs/b.txt"]);
  expect(readFileSync(join(out, "docs/a.txt"), "utf8")).toBe("A1");
  expect(readFileSync(join(out, "docs/b.txt"), "utf8")).toBe("B1");

  // 30 days and an hour after run 2: its folder goes.
  const r3 = await runner.run(id, T2 + 30 * DAY + HOUR);
  expect(r3).toMatchObject({ status: "completed", files_transferred: 0, versions_pruned: 2 });
  expect(Object.keys(drive.tree(folder)).filter((p) => p.startsWith(".dynamight-versions/") && p.split("/").length > 3)).toEqual([]);
});
