// The guard rails on job paths (SPEC "Guard rails that become contract", docs/engine.md): with a
// write API key, sources and the local destination must resolve inside ALLOWED_BROWSE_PATHS and
// stay out of the data folder; refused at save time with a 400 naming the field (nothing stored),
// and again at run time (a folder swapped for a symlink fails the run, nothing is copied).
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, realpathSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jobs } from "../../src/db/schema.ts";
import { authedApp, localJob, tempDir, writeTree } from "../engine/fixtures.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";

/** An app whose only allowed root is a fresh temp folder holding the data folder, a source and a destination. */
async function guarded() {
  const root = realpathSync(tempDir("dm-guard-"));
  const data = join(root, "data");
  mkdirSync(data);
  writeFileSync(join(data, "secret.key"), "not really a key");
  const src = join(root, "photos");
  writeTree(src, { "a.txt": "a", "sub/b.txt": "b" });
  const dest = join(root, "backup");
  mkdirSync(dest);
  symlinkSync("/etc", join(root, "etc-link"));
  symlinkSync(data, join(root, "data-link"));
  const t = await authedApp({ config: { allowedBrowsePaths: [root], dataDir: data } });
  const outside = `Field 'source_dirs.0' must be inside the allowed folders (${root})`;
  const inData = `must not be Dynamight's data folder or inside it (${data})`;
  return { ...t, root, data, src, dest, outside, inData };
}

async function expectRefused(t: Awaited<ReturnType<typeof guarded>>, method: string, path: string, body: unknown, message: string) {
  const before = (await t.api("GET", "/api/jobs")).body.length;
  const res = await t.api(method, path, body);
  expect(res.status).toBe(400);
  expect(res.body).toEqual({ error: "Invalid request", message });
  expect((await t.api("GET", "/api/jobs")).body.length).toBe(before);
}

describe("job paths at save time (write API key)", () => {
  test("sources outside the allowed folders: /etc, /etc/shadow, a symlink to /etc, .. escapes", async () => {
    const t = await guarded();
    for (const source of ["/etc", "/etc/shadow", join(t.root, "etc-link"), join(t.root, "etc-link/ssh"), `${t.root}/../../etc`, `${t.root}/photos/../../../etc/shadow`, `${t.root}/../x`]) {
      await expectRefused(t, "POST", "/api/jobs", localJob([source], t.dest), t.outside);
    }
    // The field named is the offending one.
    await expectRefused(t, "POST", "/api/jobs", localJob([t.src, "/etc"], t.dest), `Field 'source_dirs.1' must be inside the allowed folders (${t.root})`);
  });

  test("the data folder, a file inside it, a symlink to it, and a folder containing it", async () => {
    const t = await guarded();
    for (const source of [t.data, join(t.data, "secret.key"), join(t.data, "sub"), join(t.root, "data-link"), join(t.root, "data-link/secret.key")]) {
      await expectRefused(t, "POST", "/api/jobs", localJob([source], t.dest), `Field 'source_dirs.0' ${t.inData}`);
    }
    await expectRefused(t, "POST", "/api/jobs", localJob([t.root], t.dest), `Field 'source_dirs.0' must not contain Dynamight's data folder (${t.data}): it holds the secret key and the database`);
  });

  test("the local destination: mount point, sub-folder and where each source lands", async () => {
    const t = await guarded();
    await expectRefused(t, "POST", "/api/jobs", localJob([t.src], "/etc", { backup_subdir: "" }), `Field 'destination_config.mount_point' must be inside the allowed folders (${t.root})`);
    await expectRefused(t, "POST", "/api/jobs", localJob([t.src], join(t.root, "etc-link")), `Field 'destination_config.mount_point' must be inside the allowed folders (${t.root})`);
    await expectRefused(t, "POST", "/api/jobs", localJob([t.src], t.data), `Field 'destination_config.mount_point' ${t.inData}`);
    // backup_subdir through a symlink: out of the roots, or into the data folder.
    await expectRefused(
      t,
      "POST",
      "/api/jobs",
      localJob([t.src], t.root, { backup_subdir: "etc-link/new" }),
      `Field 'destination_config.backup_subdir' must be inside the allowed folders (${t.root})`,
    );
    await expectRefused(t, "POST", "/api/jobs", localJob([t.src], t.root, { backup_subdir: "data-link" }), `Field 'destination_config.backup_subdir' ${t.inData}`);
    // <root>/<basename> would be the data folder itself (rsync --delete would wipe it).
    const named = join(t.root, "elsewhere/data");
    mkdirSync(named, { recursive: true });
    await expectRefused(t, "POST", "/api/jobs", localJob([named], t.root, { backup_subdir: "" }), `Field 'destination_config.mount_point' (source_dirs.0 is copied to ${t.data}) ${t.inData}`);
    // A drive mounted over a folder containing the data folder would hide it.
    await expectRefused(
      t,
      "POST",
      "/api/jobs",
      { ...localJob([t.src], t.root), destination_config: { mount_point: t.root, backup_subdir: "b", usb_uuid: "1234-ABCD", auto_mount: true } },
      `Field 'destination_config.mount_point' must not contain Dynamight's data folder (${t.data}): it holds the secret key and the database`,
    );
    // Inside the root and away from the data folder is fine, including a sub-folder not made yet.
    const ok = await t.api("POST", "/api/jobs", localJob([t.src], t.dest, { backup_subdir: "new/deeper" }));
    expect(ok.status).toBe(201);
  });

  test("PUT and clone refuse the same way; a stored job that falls outside is not cloned", async () => {
    const t = await guarded();
    const job = (await t.api("POST", "/api/jobs", localJob([t.src], t.dest))).body;
    await expectRefused(t, "PUT", `/api/jobs/${job.id}`, localJob(["/etc"], t.dest), t.outside);
    expect((await t.api("GET", `/api/jobs/${job.id}`)).body.source_dirs).toEqual([t.src]);
    const old = t.ctx.db
      .insert(jobs)
      .values({ name: "old", sourceDirs: ["/etc"], destinationType: "local", destinationConfig: { mount_point: t.dest }, syncOptions: {} })
      .returning()
      .get();
    await expectRefused(t, "POST", `/api/jobs/${old.id}/clone`, undefined, t.outside);
    expect((await t.api("POST", `/api/jobs/${job.id}/clone`)).status).toBe(201);
  });

  test("remote destinations: their sources are confined too", async () => {
    const t = await guarded();
    const cred = (await t.api("POST", "/api/credentials", { name: "s3", provider_type: "s3", data: { access_key_id: "AKIAEXAMPLE", secret_access_key: "x".repeat(20) } })).body;
    const s3 = (source: string) => ({ name: "s3", source_dirs: [source], destination_type: "s3", destination_config: { bucket: "my-backup-bucket" }, credential_id: cred.id });
    await expectRefused(t, "POST", "/api/jobs", s3("/etc"), t.outside);
    await expectRefused(t, "POST", "/api/jobs", s3(join(t.root, "data-link")), `Field 'source_dirs.0' ${t.inData}`);
    expect((await t.api("POST", "/api/jobs", s3(t.src))).status).toBe(201);
  });

  test("the local connection test (it writes a probe file) is confined the same way", async () => {
    const t = await guarded();
    for (const [mount_point, message] of [
      ["/etc", `Field 'destination_config.mount_point' must be inside the allowed folders (${t.root})`],
      [join(t.root, "data-link"), `Field 'destination_config.mount_point' ${t.inData}`],
    ]) {
      const res = await t.api("POST", "/api/providers/test", { destination_type: "local", destination_config: { mount_point } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: "Invalid request", message });
    }
    expect(readdirSync(t.data)).toEqual(["secret.key"]);
    const ok = await t.api("POST", "/api/providers/test", { destination_type: "local", destination_config: { mount_point: t.dest } });
    expect(ok.body.success).toBe(true);
  });

  test("NUL bytes in any path field are a 400 naming the field", async () => {
    const t = await guarded();
    const nul = "\u0000";
    await expectRefused(t, "POST", "/api/jobs", localJob([`${t.src}${nul}/x`], t.dest), "Field 'source_dirs.0' must not contain a NUL character");
    await expectRefused(t, "POST", "/api/jobs", localJob([t.src], `${t.dest}${nul}x`), "Field 'destination_config.mount_point' must not contain a NUL character");
    await expectRefused(t, "POST", "/api/jobs", localJob([t.src], t.dest, { backup_subdir: `a${nul}b` }), "Field 'destination_config.backup_subdir' must not contain a NUL character");
    const remote: [string, Record<string, unknown>, string][] = [
      ["s3", { bucket: "my-backup-bucket", prefix: `backups/${nul}x` }, "prefix"],
      ["sftp", { host: "127.0.0.1", username: "u", remote_path: `/backups${nul}` }, "remote_path"],
      ["webdav", { url: "http://127.0.0.1:9/dav/", remote_path: `/b${nul}` }, "remote_path"],
    ];
    for (const [type, config, field] of remote) {
      await expectRefused(
        t,
        "POST",
        "/api/jobs",
        { name: type, source_dirs: [t.src], destination_type: type, destination_config: config },
        `Field 'destination_config.${field}' must not contain a NUL character`,
      );
    }
  });
});

describeIf(missingCommand("rsync"))("job paths at run time", () => {
  async function runOf(t: Awaited<ReturnType<typeof guarded>>, jobId: number) {
    const started = await t.api("POST", `/api/jobs/${jobId}/run`);
    expect(started.status).toBe(202);
    await t.services.engine.waitFor(started.body.run_id);
    const run = (await t.api("GET", `/api/runs/${started.body.run_id}`)).body;
    const logs = (await t.api("GET", `/api/runs/${started.body.run_id}/logs`)).body;
    return { run, logs: logs.map((l: any) => l.message) as string[] };
  }

  test("a source replaced by a symlink to outside after the save: the run fails with the message, nothing is copied", async () => {
    const t = await guarded();
    const secret = join(tempDir("dm-guard-outside-"), "secret");
    writeTree(secret, { shadow: "root:$6$..." });
    const job = (await t.api("POST", "/api/jobs", localJob([t.src], t.dest))).body;
    renameSync(t.src, join(t.root, "photos-moved"));
    symlinkSync(secret, t.src);
    const { run, logs } = await runOf(t, job.id);
    expect(run.status).toBe("failed");
    expect(run.error_message).toBe(t.outside);
    expect(run.files_transferred).toBe(0);
    expect(logs.some((m) => m.includes(t.outside))).toBe(true);
    expect(readdirSync(t.dest)).toEqual([]);
  });

  test("a source replaced by a symlink to the data folder, a remote job's too", async () => {
    const t = await guarded();
    const cred = (await t.api("POST", "/api/credentials", { name: "s3", provider_type: "s3", data: { access_key_id: "AKIAEXAMPLE", secret_access_key: "x".repeat(20) } })).body;
    const local = (await t.api("POST", "/api/jobs", localJob([t.src], t.dest))).body;
    const remote = (
      await t.api("POST", "/api/jobs", {
        name: "s3",
        source_dirs: [t.src],
        destination_type: "s3",
        destination_config: { bucket: "b-u-c-k-e-t", endpoint: "http://127.0.0.1:9" },
        credential_id: cred.id,
      })
    ).body;
    renameSync(t.src, join(t.root, "photos-moved"));
    symlinkSync(t.data, t.src);
    for (const id of [local.id, remote.id]) {
      const { run, logs } = await runOf(t, id);
      expect(run.status).toBe("failed");
      expect(run.error_message).toBe(`Field 'source_dirs.0' ${t.inData}`);
      expect(logs.some((m) => m.includes(run.error_message))).toBe(true);
    }
    expect(readdirSync(t.dest)).toEqual([]);
  });

  test("a destination sub-folder replaced by a symlink out after the save: the run fails, the target stays empty", async () => {
    const t = await guarded();
    const elsewhere = tempDir("dm-guard-target-");
    const job = (await t.api("POST", "/api/jobs", localJob([t.src], t.dest, { backup_subdir: "daily" }))).body;
    symlinkSync(elsewhere, join(t.dest, "daily"));
    const { run } = await runOf(t, job.id);
    expect(run.status).toBe("failed");
    expect(run.error_message).toBe(`Field 'destination_config.backup_subdir' must be inside the allowed folders (${t.root})`);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  test("a job stored before the guard rails that falls outside fails with the message", async () => {
    const t = await guarded();
    const old = t.ctx.db
      .insert(jobs)
      .values({ name: "old", sourceDirs: ["/etc"], destinationType: "local", destinationConfig: { mount_point: t.dest }, syncOptions: {} })
      .returning()
      .get();
    const { run } = await runOf(t, old.id);
    expect(run).toMatchObject({ status: "failed", error_message: t.outside });
    expect(readdirSync(t.dest)).toEqual([]);
  });
});
