// Verify on Google Drive through the same store contract, against the Drive v3 fake (test/fakes):
// a fresh backup verifies with 0 differences; a file rewritten through Drive's own API (multipart
// update, same size, modifiedTime set back) is found by the quick verify through Drive's
// md5Checksum, and by the deep one reading it back.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { startDriveFake } from "../fakes/google-drive.ts";
import { startOAuthFake } from "../fakes/oauth.ts";
import { tempDir, writeTree } from "../remote/harness.ts";
import { signedIn } from "../schedules/helpers.ts";

const savedEnv = { ...process.env };
const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
});

test("google_drive: 0 differences after a backup; a same-size rewrite is found by md5 and by reading back", async () => {
  const oauth = await startOAuthFake({ provider: "google" });
  const drive = await startDriveFake({ oauth, maxPageSize: 3 });
  stops.push(
    () => oauth.stop(),
    () => drive.stop(),
  );
  Object.assign(process.env, oauth.env, drive.env);
  const t = await signedIn();
  stops.push(() => t.services.stop());
  const folder = drive.createFolder("root", "Backups");
  const src = join(tempDir("verify-gd"), "docs");
  writeTree(src, { "a.txt": "alpha", "Über/naïve café.txt": "crème", "sub/deep/x.bin": "deep", "empty.txt": "" });
  const cred = await t.api("POST", "/api/credentials", { name: "Drive", provider_type: "google_drive", data: oauth.issue() });
  expect(cred.status).toBe(201);
  const job = await t.api("POST", "/api/jobs", {
    name: "Drive",
    source_dirs: [src],
    destination_type: "google_drive",
    destination_config: { folder_id: folder },
    credential_id: cred.body.id,
    sync_options: {},
  });
  expect(job.status).toBe(201);
  const run = async (path: string, body?: unknown) => {
    const started = await t.api("POST", path, body);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await t.services.engine.waitFor(started.body.run_id);
    const r = (await t.api("GET", `/api/runs/${started.body.run_id}`)).body;
    const logs = (await t.api("GET", `/api/runs/${started.body.run_id}/logs?limit=1000`)).body as { level: string; message: string }[];
    return { ...r, warnings: logs.filter((l) => l.level === "warning").map((l) => l.message) };
  };
  expect((await run(`/api/jobs/${job.body.id}/run`)).status).toBe("completed");
  const clean = await run(`/api/jobs/${job.body.id}/verify`, {});
  expect(clean).toMatchObject({ kind: "verify", status: "completed", files_checked: 4, differences: 0, warnings: [] });

  // Rewritten behind our back through Drive's API: new bytes, same size, modifiedTime kept.
  const before = drive.tree(folder)["docs/Über/naïve café.txt"]!;
  const boundary = "verify-boundary";
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify({ modifiedTime: before.modifiedTime })}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Type: application/octet-stream\r\n\r\nCRÈME\r\n--${boundary}--\r\n`),
  ]);
  const res = await fetch(`${drive.url}/upload/drive/v3/files/${before.id}?uploadType=multipart`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${oauth.issue().access_token}`, "content-type": `multipart/related; boundary=${boundary}` },
    body,
  });
  expect(res.status).toBe(200);
  const after = drive.tree(folder)["docs/Über/naïve café.txt"]!;
  expect({ size: after.size, modifiedTime: after.modifiedTime }).toEqual({ size: before.size, modifiedTime: before.modifiedTime });
  expect(after.md5).not.toBe(before.md5);

  const quick = await run(`/api/jobs/${job.body.id}/verify`, {});
  expect(quick).toMatchObject({ status: "failed", error_message: "1 difference", differences: 1 });
  expect(quick.warnings.length).toBe(1);
  expect(quick.warnings[0]).toStartWith("docs/Über/naïve café.txt: content differs (md5 of the source");
  const deep = await run(`/api/jobs/${job.body.id}/verify`, { deep: true });
  expect(deep).toMatchObject({ status: "failed", error_message: "1 difference", differences: 1 });
  expect(deep.warnings).toEqual(["docs/Über/naïve café.txt: content differs (read back from the destination, its bytes are not the source's)"]);
});
