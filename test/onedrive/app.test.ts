// OneDrive through the whole app: a credential and a job saved over the API, a run by the run
// engine, the connection test; the Microsoft token fake (rotating refresh tokens) and the Graph
// fake behind them. What only the app can show: the rotated refresh token sealed back into the
// saved credential, and a revoked grant marking the credential needs_reconnect.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { openCredentialData } from "../../src/credentials/service.ts";
import { RECONNECT_MESSAGE } from "../../src/destinations/oauth/client.ts";
import { authedApp, tempDir, writeTree } from "../engine/fixtures.ts";
import { type GraphFake, startGraphFake } from "../fakes/graph.ts";
import { type OAuthFake, startOAuthFake } from "../fakes/oauth.ts";
import { getPage, localJobForm, postForm, signedIn } from "../web/helpers.ts";

let graph: GraphFake;
let oauth: OAuthFake;
const savedEnv = { ...process.env };

beforeAll(async () => {
  oauth = await startOAuthFake({ provider: "microsoft", rotateRefreshTokens: true });
  Object.assign(process.env, oauth.env);
  graph = await startGraphFake({ validateToken: (t) => oauth.validate(`Bearer ${t}`) === "ok" });
  process.env.DYNAMIGHT_GRAPH_URL = graph.url;
  graph.mkdirs("Backups");
});
afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  await graph.close();
  oauth.stop();
});

/** A saved OneDrive credential whose access token has expired (the first use must refresh). */
async function savedCredential(t: Awaited<ReturnType<typeof authedApp>>, name: string) {
  const seed = oauth.issue();
  const res = await t.api("POST", "/api/credentials", {
    name,
    provider_type: "onedrive",
    data: { client_id: seed.client_id, tenant: "consumers", access_token: seed.access_token, refresh_token: seed.refresh_token, expires_at: 1 },
  });
  expect(res.status).toBe(201);
  return { id: res.body.id as number, seed };
}

describe("OneDrive in the app", () => {
  test("the provider is built and tested over the API; a run mirrors and saves the rotated refresh token sealed", async () => {
    const t = await authedApp();
    const providers = await t.api("GET", "/api/providers");
    expect(providers.body.find((p: { type: string }) => p.type === "onedrive")).toMatchObject({ sync_implemented: true });

    const cred = await savedCredential(t, "onedrive-app");
    const tested = await t.api("POST", "/api/providers/test", { destination_type: "onedrive", destination_config: { folder_path: "/Backups" }, credential_id: cred.id });
    expect(tested.status).toBe(200);
    expect(tested.body.success).toBe(true);
    // The test refreshed (the token had expired) and wrote the rotated refresh token back, sealed.
    const afterTest = openCredentialData(t.ctx.db, t.ctx.secret, cred.id);
    expect(afterTest.refresh_token).not.toBe(cred.seed.refresh_token);
    expect(oauth.refreshTokenValid(afterTest.refresh_token!)).toBe(true);
    expect(oauth.refreshTokenValid(cred.seed.refresh_token)).toBe(false);
    // Never in an API answer.
    const shown = await t.api("GET", `/api/credentials/${cred.id}`);
    expect(JSON.stringify(shown.body)).not.toContain(afterTest.refresh_token!);

    const src = join(tempDir(), "docs");
    writeTree(src, { "a.txt": "hello", "what?.txt": "odd name", "sub/b.txt": "world" });
    const job = await t.api("POST", "/api/jobs", {
      name: "to onedrive",
      source_dirs: [src],
      destination_type: "onedrive",
      destination_config: { folder_path: "/Backups" },
      credential_id: cred.id,
      sync_options: {},
    });
    expect(job.status).toBe(201);
    const started = await t.api("POST", `/api/jobs/${job.body.id}/run`);
    await t.services.engine.waitFor(started.body.run_id);
    const run = (await t.api("GET", `/api/runs/${started.body.run_id}`)).body;
    expect(run.status).toBe("completed");
    expect(run.files_transferred).toBe(3);
    expect(graph.itemAt("Backups/docs/what？.txt")?.size).toBe(8);
    expect(graph.itemAt("Backups/docs/sub/b.txt")?.size).toBe(5);
  });

  test("a revoked grant fails the run asking to reconnect and marks the credential needs_reconnect", async () => {
    const t = await authedApp();
    const cred = await savedCredential(t, "onedrive-revoked");
    const src = join(tempDir(), "docs");
    writeTree(src, { "a.txt": "hello" });
    const job = await t.api("POST", "/api/jobs", {
      name: "revoked",
      source_dirs: [src],
      destination_type: "onedrive",
      destination_config: { folder_path: "/Backups" },
      credential_id: cred.id,
      sync_options: {},
    });
    oauth.controls.invalidGrant = true;
    try {
      const started = await t.api("POST", `/api/jobs/${job.body.id}/run`);
      await t.services.engine.waitFor(started.body.run_id);
      const run = (await t.api("GET", `/api/runs/${started.body.run_id}`)).body;
      expect(run.status).toBe("failed");
      expect(run.error_message).toContain(RECONNECT_MESSAGE);
    } finally {
      oauth.controls.invalidGrant = false;
    }
    expect((await t.api("GET", `/api/credentials/${cred.id}`)).body.needs_reconnect).toBe(true);
  });

  test("a missing folder: the connection test says 'folder not found'", async () => {
    const t = await authedApp();
    const cred = await savedCredential(t, "onedrive-missing");
    const res = await t.api("POST", "/api/providers/test", { destination_type: "onedrive", destination_config: { folder_path: "/Nope" }, credential_id: cred.id });
    expect(res.body.success).toBe(false);
    expect(res.body.message).toContain("folder not found");
  });
});

describe("OneDrive in the job editor (web UI)", () => {
  test("its fields and credentials render, no 'not available' note; Test connection answers inline", async () => {
    const { client } = await signedIn();
    const seed = oauth.issue();
    const made = await client.json("POST", "/api/credentials", {
      body: { name: "My OneDrive", provider_type: "onedrive", data: { client_id: seed.client_id, access_token: seed.access_token, refresh_token: seed.refresh_token, expires_at: seed.expires_at } },
    });
    expect(made.status).toBe(201);
    const form = await getPage(client, "/jobs/editor/destination?destination_type=onedrive", { htmx: true });
    expect(form.text).toContain('name="dest.folder_path"');
    expect(form.text).toContain('name="dest.drive_id"');
    expect(form.text).toContain("My OneDrive");
    expect(form.text).not.toContain("not available in this version");
    const fields = (folder: string) => {
      const f: Record<string, string> = {
        ...localJobForm("od", tempDir(), "/unused"),
        destination_type: "onedrive",
        "dest.folder_path": folder,
        "dest.drive_id": "",
        "dest.full_compare": "false",
        credential_id: String((made.body as { id: number }).id),
      };
      for (const k of ["dest.mount_point", "dest.backup_subdir", "dest.auto_mount", "dest.auto_unmount"]) delete f[k];
      return f;
    };
    const good = await postForm(client, "/jobs/editor/test", fields("/Backups"), { htmx: true });
    expect(good.text).toContain("alert-ok");
    expect(good.text).toContain("writable");
    const missing = await postForm(client, "/jobs/editor/test", fields("/Nope"), { htmx: true });
    expect(missing.text).toContain("alert-error");
    expect(missing.text).toContain("folder not found");
  });
});
