// Jobs with rclone-crypt encryption travel with their "encryption" credential (by name, since ids
// do not), and are never imported as plain jobs when that credential is missing.
import { expect, test } from "bun:test";
import { open as openEnvelope, seal } from "../../src/config-backup/envelope.ts";
import { emit, parse } from "../../src/config-backup/format.ts";
import { openCredentialData } from "../../src/credentials/service.ts";
import { setup } from "../auth/helpers.ts";
import { testApp } from "../helpers/app.ts";
import { BACKUP_PASSWORD, exportFile, upload } from "./helpers.ts";

async function encryptedJobServer() {
  const t = testApp();
  await setup(t.client);
  const enc = await t.client.json("POST", "/api/credentials", { body: { name: "vault", provider_type: "encryption", data: { password: "crypt pass", salt: "pepper" } } });
  expect(enc.status).toBe(201);
  const s3 = await t.client.json("POST", "/api/credentials", { body: { name: "keys", provider_type: "s3", data: { access_key_id: "a", secret_access_key: "b" } } });
  const job = await t.client.json("POST", "/api/jobs", {
    body: {
      name: "Sealed",
      source_dirs: ["/srv/sealed"],
      destination_type: "s3",
      destination_config: { bucket: "movein-enc", region: "us-east-1" },
      credential_id: s3.body.id,
      sync_options: { encryption: { password_credential_id: enc.body.id, filename_encryption: "standard", directory_name_encryption: true } },
    },
  });
  expect(job.status).toBe(201);
  return t;
}

test("an encrypted job comes back pointing at the imported encryption credential", async () => {
  const src = await encryptedJobServer();
  const file = await exportFile(src.client);
  const dst = testApp();
  const r = await upload(dst.client, "/api/auth/setup-from-backup", file, { password: BACKUP_PASSWORD });
  expect(r.status).toBe(200);
  const jobs = dst.ctx.db.$client.query("SELECT name, sync_options FROM jobs").all() as { name: string; sync_options: string }[];
  const enc = JSON.parse(jobs[0]!.sync_options).encryption;
  const cred = dst.ctx.db.$client.query("SELECT id, provider_type FROM credentials WHERE name = 'vault'").get() as { id: number; provider_type: string };
  expect(cred.provider_type).toBe("encryption");
  expect(enc).toEqual({ password_credential_id: cred.id, filename_encryption: "standard", directory_name_encryption: true });
  expect(openCredentialData(dst.ctx.db, dst.ctx.secret, cred.id)).toEqual({ password: "crypt pass", salt: "pepper" });
});

test("without its encryption credential an encrypted job is left out, with a warning, never imported plain", async () => {
  const src = await encryptedJobServer();
  const doc = parse(await openEnvelope(await exportFile(src.client), BACKUP_PASSWORD));
  doc.x_dynamight!.credentials = doc.x_dynamight!.credentials.filter((c) => c.provider_type !== "encryption");
  const file = await seal(emit(doc), BACKUP_PASSWORD);
  const dst = testApp();
  await setup(dst.client, "other", "other password 1");
  const r = await upload(dst.client, "/api/config/import", file, { password: BACKUP_PASSWORD, strategy: "merge" });
  expect(r.status).toBe(200);
  expect(r.body.jobs_imported).toBe(0);
  expect(r.body.warnings).toContain("Job 'Sealed': its encryption credential 'vault' is not in the backup or here, so the job was not imported");
  expect((await dst.client.json("GET", "/api/jobs")).body).toEqual([]);
});
