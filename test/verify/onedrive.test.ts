// Verify on OneDrive through the same store contract, against the Graph fake: a fresh backup
// verifies with 0 differences; a file rewritten on the server (same size, same mtime, so only its
// content differs) is found by the quick verify through Graph's quickXorHash, hashed locally the
// way OneDrive does, and by the deep one reading it back.
import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { QuickXorHash } from "../../src/destinations/onedrive/quickxor.ts";
import { startGraphFake } from "../fakes/graph.ts";
import { startOAuthFake } from "../fakes/oauth.ts";
import { tempDir, writeTree } from "../remote/harness.ts";
import { signedIn } from "../schedules/helpers.ts";

const savedEnv = { ...process.env };
const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
});

test("onedrive: 0 differences after a backup; a same-size rewrite is found by quickXorHash and by reading back", async () => {
  const oauth = await startOAuthFake({ provider: "microsoft" });
  const graph = await startGraphFake({ validateToken: (tok) => oauth.validate(`Bearer ${tok}`) === "ok" });
  stops.push(
    () => oauth.stop(),
    () => graph.close(),
  );
  Object.assign(process.env, oauth.env, { DYNAMIGHT_GRAPH_URL: graph.url });
  graph.mkdirs("Backups");
  const t = await signedIn();
  stops.push(() => t.services.stop());
  const src = join(tempDir("verify-od"), "docs");
  writeTree(src, { "a.txt": "alpha", "Über/naïve café.txt": "crème", "sub/deep/x.bin": "deep", "empty.txt": "" });
  const seed = oauth.issue();
  const cred = await t.api("POST", "/api/credentials", {
    name: "OneDrive",
    provider_type: "onedrive",
    data: { client_id: seed.client_id, access_token: seed.access_token, refresh_token: seed.refresh_token, expires_at: seed.expires_at },
  });
  expect(cred.status, JSON.stringify(cred.body)).toBe(201);
  const job = await t.api("POST", "/api/jobs", {
    name: "OneDrive",
    source_dirs: [src],
    destination_type: "onedrive",
    destination_config: { folder_path: "/Backups" },
    credential_id: cred.body.id,
    sync_options: {},
  });
  expect(job.status, JSON.stringify(job.body)).toBe(201);
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

  // Rewritten behind our back: new bytes of the same size, the mtime kept, the hash Graph would list.
  const item = graph.itemAt("Backups/docs/Über/naïve café.txt")!;
  const bytes = Buffer.from("CRÈME");
  expect(bytes.length).toBe(item.size);
  writeFileSync(item.blob!, bytes);
  const before = item.quickXorHash;
  item.quickXorHash = new QuickXorHash().update(bytes).digest();
  expect(item.quickXorHash).not.toBe(before);

  const quick = await run(`/api/jobs/${job.body.id}/verify`, {});
  expect(quick).toMatchObject({ status: "failed", error_message: "1 difference", differences: 1 });
  expect(quick.warnings.length).toBe(1);
  expect(quick.warnings[0]).toStartWith("docs/Über/naïve café.txt: content differs (quickxor of the source");
  const deep = await run(`/api/jobs/${job.body.id}/verify`, { deep: true });
  expect(deep).toMatchObject({ status: "failed", error_message: "1 difference", differences: 1 });
  expect(deep.warnings).toEqual(["docs/Über/naïve café.txt: content differs (read back from the destination, its bytes are not the source's)"]);
});
