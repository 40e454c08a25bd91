// End to end: a real local job (real rsync) run through the API of a listening server, watched
// over both WebSockets by real clients.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { RunningServer } from "../../src/server.ts";
import { startTestServer } from "../browser/harness.ts";
import { localJob, tempDir, writeTree } from "../engine/fixtures.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { addUser, apiKey, sessionToken } from "../schedules/helpers.ts";
import { connect } from "./client.ts";

describeIf(missingCommand("rsync"))("live streams of a real rsync run", () => {
  let server: RunningServer & { dataDir: string };
  let key: string;
  let token: string;
  beforeAll(async () => {
    server = await startTestServer();
    const user = await addUser(server.ctx);
    key = await apiKey(server.ctx, user.id, "write");
    token = await sessionToken(server.ctx, user.id);
  });
  afterAll(async () => {
    await server.stop();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { "x-api-key": key, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  test("status stream sees start and completion; log stream gets every stored line once, then the status", async () => {
    const src = join(tempDir("dm-live-"), "docs");
    writeTree(src, Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}.txt`, `content ${i}`])));
    const created = await api("POST", "/api/jobs", localJob([src], tempDir("dm-live-dest-"), { name: "Live rsync" }));
    expect(created.status).toBe(201);
    const ws = server.url.replace(/^http/, "ws");
    const status = connect(`${ws}/api/ws/status?token=${token}`);
    await status.opened;

    const started = await api("POST", `/api/jobs/${created.body.id}/run`);
    expect(started.status).toBe(202);
    const runId = started.body.run_id;
    const logs = connect(`${ws}/api/ws/logs/${runId}?token=${token}`);
    const final = await logs.waitFor((m) => m.type === "status");
    await logs.closed;
    await status.waitFor((m) => m.type === "job_completed" && m.run_id === runId);

    expect(final).toMatchObject({ type: "status", run_id: runId, status: "completed", files_transferred: 40 });
    const stored = (await api("GET", `/api/runs/${runId}/logs?limit=10000`)).body as { id: number; message: string }[];
    const got = logs.messages.filter((m) => m.type === "log");
    expect(got.map((m) => m.id)).toEqual(stored.map((l) => l.id));
    expect(got.map((m) => m.message)).toEqual(stored.map((l) => l.message));
    expect(logs.messages.at(-1)).toBe(final);

    const mine = status.messages.filter((m) => m.run_id === runId);
    expect(mine[0]).toEqual({ type: "job_started", kind: "backup", job_id: created.body.id, run_id: runId, job_name: "Live rsync" });
    expect(mine.at(-1)).toMatchObject({ type: "job_completed", job_id: created.body.id, run_id: runId, job_name: "Live rsync", status: "completed" });
    expect(mine.every((m) => m.type !== "log")).toBe(true);
    status.ws.close();
    await status.closed;
  });
});
