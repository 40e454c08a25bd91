// Both WebSockets against a real listening server (127.0.0.1, port 0, temp data folder), with
// real clients. Runs are rows plus events on the bus, as the engine produces them (stored row
// first, then the event carrying its id); the end-to-end test with rsync is in engine-ws.test.ts.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { runLogs, runs, sessions } from "../../src/db/schema.ts";
import { PAGE_LINES } from "../../src/live/log-stream.ts";
import type { RunningServer } from "../../src/server.ts";
import { startTestServer } from "../browser/harness.ts";
import { addUser, apiKey, insertJob, sessionToken } from "../schedules/helpers.ts";
import { connect, upgradeRequest } from "./client.ts";

let server: RunningServer & { dataDir: string };
let token: string;
let key: string;
let ws: string;

beforeAll(async () => {
  server = await startTestServer();
  const user = await addUser(server.ctx);
  token = await sessionToken(server.ctx, user.id);
  key = await apiKey(server.ctx, user.id, "read");
  ws = server.url.replace(/^http/, "ws");
});
afterAll(async () => {
  await server.stop();
});

function newRun(status: "running" | "completed" = "running") {
  const job = insertJob(server.ctx.db, { name: "Live job" });
  const run = server.ctx.db.insert(runs).values({ jobId: job.id, status, trigger: "manual", startedAt: new Date().toISOString() }).returning().get();
  return { job, run };
}

/** What the engine does for one line: store it, then announce it with its row id. */
function writeLine(runId: number, message: string, level: "info" | "warning" | "error" = "info") {
  const row = server.ctx.db.insert(runLogs).values({ runId, timestamp: new Date().toISOString(), level, message }).returning().get();
  server.services.events.emit({ type: "log", run_id: runId, id: row.id, timestamp: row.timestamp, level, message });
  return row;
}

function complete(jobId: number, runId: number, status: "completed" | "failed" = "completed") {
  server.ctx.db.update(runs).set({ status, completedAt: new Date().toISOString(), filesTransferred: 3, bytesTransferred: 42 }).where(eq(runs.id, runId)).run();
  server.services.events.emit({
    type: "job_completed",
    kind: "backup",
    job_id: jobId,
    run_id: runId,
    job_name: "Live job",
    status,
    files_transferred: 3,
    bytes_transferred: 42,
    files_deleted: 0,
    error_message: null,
  });
}

describe("authentication on the upgrade", () => {
  test("no token, a bad token or a deleted session: refused with 401, never opened", async () => {
    const { run } = newRun();
    for (const path of [`/api/ws/status`, `/api/ws/logs/${run.id}`, `/api/ws/status?token=not.a.jwt`]) {
      const res = await upgradeRequest(server.url + path);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "Unauthorized", message: "Invalid or expired token" });
    }
    const client = connect(`${ws}/api/ws/status`);
    await expect(client.opened).rejects.toThrow(/401/);
    expect(client.messages).toEqual([]);
    // A token whose session was ended (logout) dies with it.
    const user = await addUser(server.ctx, `gone-${run.id}`);
    const stale = await sessionToken(server.ctx, user.id);
    server.ctx.db.delete(sessions).where(eq(sessions.userId, user.id)).run();
    expect((await upgradeRequest(`${server.url}/api/ws/status?token=${stale}`)).status).toBe(401);
  });

  test("token in the query, session cookie or API key header are accepted", async () => {
    for (const client of [
      connect(`${ws}/api/ws/status?token=${token}`),
      // A browser names the page's origin on the upgrade; the cookie is accepted from there.
      connect(`${ws}/api/ws/status`, { headers: { cookie: `token=${token}`, origin: server.url } }),
      connect(`${ws}/api/ws/status`, { headers: { "x-api-key": key } }),
    ]) {
      await client.opened;
      client.ws.close();
      await client.closed;
    }
  });

  test("a cookie upgrade from another origin, or naming none, is refused with 403 and never opened", async () => {
    const { run } = newRun();
    const refused: Record<string, string>[] = [{ origin: "http://evil.example" }, {}, { origin: "null" }, { referer: "http://evil.example/page" }];
    for (const headers of refused) {
      for (const path of ["/api/ws/status", `/api/ws/logs/${run.id}`]) {
        const res = await upgradeRequest(server.url + path, { cookie: `token=${token}`, ...headers });
        expect(res.status).toBe(403);
        expect((await res.json()).error).toBe("Forbidden");
      }
    }
    const client = connect(`${ws}/api/ws/status`, { headers: { cookie: `token=${token}`, origin: "http://evil.example" } });
    await expect(client.opened).rejects.toThrow(/403/);
    // The Referer names this server: accepted (a browser that hides Origin still sends it).
    const ok = connect(`${ws}/api/ws/status`, { headers: { cookie: `token=${token}`, referer: `${server.url}/` } });
    await ok.opened;
    ok.ws.close();
    await ok.closed;
  });

  test("unknown run: 404 on the upgrade; bad run id: 400", async () => {
    expect((await upgradeRequest(`${server.url}/api/ws/logs/999999?token=${token}`)).status).toBe(404);
    expect((await upgradeRequest(`${server.url}/api/ws/logs/abc?token=${token}`)).status).toBe(400);
    // Only plain decimal ids: a run that exists is not opened under another spelling of its id.
    const { run } = newRun("completed");
    for (const spelling of [`0x${run.id.toString(16)}`, `${run.id}e0`, `+${run.id}`, `0${run.id}`]) {
      const res = await upgradeRequest(`${server.url}/api/ws/logs/${encodeURIComponent(spelling)}?token=${token}`);
      expect([spelling, res.status]).toEqual([spelling, 400]);
      expect((await res.json()).message).toContain("'run_id'");
    }
  });
});

describe("/api/ws/logs/:run_id", () => {
  test("a finished run: its stored lines, the final status, then a normal close", async () => {
    const { run } = newRun("completed");
    server.ctx.db.update(runs).set({ filesTransferred: 150, bytesTransferred: 52428800 }).where(eq(runs.id, run.id)).run();
    const a = writeLine(run.id, "Starting sync of /home/user/documents");
    const b = writeLine(run.id, "rsync exited with code 23", "error");
    const client = connect(`${ws}/api/ws/logs/${run.id}?token=${token}`);
    const closed = await client.closed;
    expect(closed.code).toBe(1000);
    expect(client.messages).toEqual([
      { type: "log", run_id: run.id, id: a.id, timestamp: a.timestamp, level: "info", message: "Starting sync of /home/user/documents" },
      { type: "log", run_id: run.id, id: b.id, timestamp: b.timestamp, level: "error", message: "rsync exited with code 23" },
      { type: "status", run_id: run.id, status: "completed", files_transferred: 150, bytes_transferred: 52428800, files_deleted: 0, error_message: null },
    ]);
  });

  test("stored then live with no gap and no duplicate while lines keep coming during the connect", async () => {
    const { job, run } = newRun();
    const stored = PAGE_LINES * 2 + 123; // several pages of replay, so live lines arrive in between
    for (let i = 0; i < stored; i++) writeLine(run.id, `line ${i}`);
    let written = stored;
    let writing = true;
    // A writer that keeps emitting on every turn of the event loop, concurrently with the replay.
    const writer = (async () => {
      while (writing) {
        writeLine(run.id, `line ${written++}`);
        await new Promise((r) => setImmediate(r));
      }
    })();
    const client = connect(`${ws}/api/ws/logs/${run.id}?token=${token}`);
    await client.opened;
    // Wait until the client is past the stored lines and into lines written after it connected.
    await client.waitFor((m) => m.type === "log" && m.message === `line ${stored + 200}`);
    writing = false;
    await writer;
    for (let i = 0; i < 50; i++) writeLine(run.id, `line ${written++}`);
    complete(job.id, run.id);
    const closed = await client.closed;
    expect(closed.code).toBe(1000);

    const logs = client.messages.filter((m) => m.type === "log");
    expect(logs.map((m) => m.message)).toEqual(Array.from({ length: written }, (_, i) => `line ${i}`));
    const ids = logs.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
    expect(client.messages.at(-1)).toEqual({ type: "status", run_id: run.id, status: "completed", files_transferred: 3, bytes_transferred: 42, files_deleted: 0, error_message: null });
  });

  test("lines of other runs are not sent", async () => {
    const one = newRun();
    const two = newRun();
    const client = connect(`${ws}/api/ws/logs/${one.run.id}?token=${token}`);
    await client.opened;
    writeLine(two.run.id, "other run");
    writeLine(one.run.id, "mine");
    complete(one.job.id, one.run.id, "failed");
    await client.closed;
    expect(client.messages.map((m) => m.message ?? m.status)).toEqual(["mine", "failed"]);
  });
});

describe("/api/ws/status", () => {
  test("job_started, job_progress and job_completed as the seed shows; log lines are not sent", async () => {
    const client = connect(`${ws}/api/ws/status?token=${token}`);
    await client.opened;
    const { events } = server.services;
    events.emit({ type: "job_started", kind: "backup", job_id: 1, run_id: 10, job_name: "Daily Backup" });
    events.emit({ type: "log", run_id: 10, id: 1, timestamp: "t", level: "info", message: "not for this stream" });
    events.emit({ type: "job_progress", kind: "backup", job_id: 1, run_id: 10, files_transferred: 50, bytes_transferred: 10485760, files_deleted: 0, files_total: null, bytes_total: null });
    events.emit({
      type: "job_completed",
      kind: "backup",
      job_id: 1,
      run_id: 10,
      job_name: "Daily Backup",
      status: "completed",
      files_transferred: 150,
      bytes_transferred: 52428800,
      files_deleted: 0,
      error_message: null,
    });
    await client.waitFor((m) => m.type === "job_completed");
    expect(client.messages.map((m) => m.type)).toEqual(["job_started", "job_progress", "job_completed"]);
    expect(client.messages[0]).toEqual({ type: "job_started", kind: "backup", job_id: 1, run_id: 10, job_name: "Daily Backup" });
    expect(client.messages[1]).toMatchObject({ type: "job_progress", kind: "backup", job_id: 1, run_id: 10, files_transferred: 50, bytes_transferred: 10485760 });
    expect(client.messages[2]).toMatchObject({ type: "job_completed", kind: "backup", job_id: 1, run_id: 10, job_name: "Daily Backup", status: "completed" });
    client.ws.close();
    await client.closed;
  });
});
