// The web UI of the configuration backup: Settings → Back up (password twice, a download) and
// Restore (upload, preview table, confirm), and the setup wizard's restore, through the real app.
import { expect, test } from "bun:test";
import { form, PASSWORD, setup } from "../auth/helpers.ts";
import { testApp } from "../helpers/app.ts";
import { BACKUP_PASSWORD, upload } from "./helpers.ts";

async function serverWithAJob() {
  const t = testApp();
  await setup(t.client);
  const job = await t.client.json("POST", "/api/jobs", {
    body: { name: "Web job", source_dirs: ["/srv/web"], destination_type: "local", destination_config: { mount_point: "/mnt", backup_subdir: "w" } },
  });
  expect(job.status).toBe(201);
  return t;
}

test("Settings shows both cards; the backup form wants the password twice, then downloads the file", async () => {
  const { client } = await serverWithAJob();
  const page = await (await client.request("GET", "/settings")).text();
  expect(page).toContain('id="backup-config"');
  expect(page).toContain('id="restore-config"');
  expect(page).toContain('enctype="multipart/form-data"');
  const mismatch = await client.request("POST", "/settings/backup", form({ password: BACKUP_PASSWORD, confirm: "something else" }));
  expect(mismatch.status).toBe(400);
  expect(await mismatch.text()).toContain("The two passwords do not match");
  const short = await client.request("POST", "/settings/backup", form({ password: "short", confirm: "short" }));
  expect(short.status).toBe(400);
  expect(await short.text()).toContain("at least 8 characters");
  const ok = await client.request("POST", "/settings/backup", form({ password: BACKUP_PASSWORD, confirm: BACKUP_PASSWORD }));
  expect(ok.status).toBe(200);
  expect(ok.headers.get("content-disposition")).toMatch(/^attachment; filename="dynamight-backup-\d{4}-\d{2}-\d{2}\.dmbackup"$/);
  expect(
    Buffer.from(await ok.arrayBuffer())
      .subarray(0, 8)
      .toString("latin1"),
  ).toBe("Salted__");
});

test("Restore: upload shows a preview table and changes nothing; confirm merges; a token confirms once", async () => {
  const src = await serverWithAJob();
  const file = new Uint8Array(await (await src.client.request("POST", "/settings/backup", form({ password: BACKUP_PASSWORD, confirm: BACKUP_PASSWORD }))).arrayBuffer());

  const dst = testApp();
  await setup(dst.client, "other", "other password 1");
  const wrong = await upload(dst.client, "/settings/restore/preview", file, { password: "wrong password", strategy: "merge" });
  expect(wrong.status).toBe(400);
  expect(wrong.body).toContain("Wrong password");
  const preview = await upload(dst.client, "/settings/restore/preview", file, { password: BACKUP_PASSWORD, strategy: "merge" });
  expect(preview.status).toBe(200);
  expect(preview.body).toContain('id="restore-items"');
  expect(preview.body).toMatch(/<td>Job<\/td><td>Web job<\/td><td>Add<\/td>/);
  expect((await dst.client.json("GET", "/api/jobs")).body).toEqual([]);
  const token = /name="token" value="([^"]+)"/.exec(preview.body)![1]!;
  const done = await dst.client.request("POST", "/settings/restore", form({ token }));
  expect(done.status).toBe(200);
  expect(await done.text()).toContain("Restored: 1 job(s)");
  expect((await dst.client.json("GET", "/api/jobs")).body.map((j: any) => j.name)).toEqual(["Web job"]);
  const again = await dst.client.request("POST", "/settings/restore", form({ token }));
  expect(again.status).toBe(400);
  expect(await again.text()).toContain("expired");
});

test("Restore with replace signs out and the restored account signs in", async () => {
  const src = await serverWithAJob();
  const file = new Uint8Array(await (await src.client.request("POST", "/settings/backup", form({ password: BACKUP_PASSWORD, confirm: BACKUP_PASSWORD }))).arrayBuffer());
  const dst = testApp();
  await setup(dst.client, "other", "other password 1");
  const preview = await upload(dst.client, "/settings/restore/preview", file, { password: BACKUP_PASSWORD, strategy: "replace" });
  expect(preview.body).toContain("Replace this configuration");
  const token = /name="token" value="([^"]+)"/.exec(preview.body)![1]!;
  const done = await dst.client.request("POST", "/settings/restore", form({ token }));
  expect([done.status, done.headers.get("location")]).toEqual([303, "/login?restored"]);
  expect((await dst.client.json("GET", "/api/jobs")).status).toBe(401);
  const login = await dst.client.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } });
  expect(login.status).toBe(200);
  expect((await dst.client.json("GET", "/api/jobs")).body.map((j: any) => j.name)).toEqual(["Web job"]);
});

test("the setup wizard offers a restore from a backup, and uses it", async () => {
  const src = await serverWithAJob();
  const file = new Uint8Array(await (await src.client.request("POST", "/settings/backup", form({ password: BACKUP_PASSWORD, confirm: BACKUP_PASSWORD }))).arrayBuffer());
  const fresh = testApp();
  const page = await (await fresh.client.request("GET", "/setup")).text();
  expect(page).toContain('action="/setup/restore"');
  const bad = await upload(fresh.client, "/setup/restore", file, { password: "wrong password" });
  expect(bad.status).toBe(400);
  expect(bad.body).toContain("Wrong password");
  const ok = await upload(fresh.client, "/setup/restore", file, { password: BACKUP_PASSWORD });
  expect(ok.status).toBe(303);
  expect((await fresh.client.json("POST", "/api/auth/login", { body: { username: "admin", password: PASSWORD } })).status).toBe(200);
});
