// Delivery through real local receivers: each type's request format, retries, a hanging
// receiver, restart safety, email over STARTTLS with AUTH, run_missed, no_success.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { jobs, notificationDeliveries, runs } from "../../src/db/schema.ts";
import { Notifier } from "../../src/notifications/notifier.ts";
import { RunEvents } from "../../src/runs/events.ts";
import { testApp, testContext } from "../helpers/app.ts";
import { insertJob, signedIn } from "../schedules/helpers.ts";
import { receiver, simulateRun } from "./helpers.ts";

const stops: (() => void)[] = [];
afterAll(() => {
  for (const s of stops) s();
});

async function setup(logLines?: string[]) {
  const t = await signedIn({ logLines });
  t.services.notifier.retryDelaysMs = [20, 20, 20];
  const job = insertJob(t.ctx.db, { name: "Photos" });
  const add = async (type: string, config: Record<string, unknown>, events = ["run_failed", "run_succeeded"]) => {
    const res = await t.api("POST", "/api/notifications", { name: type, type, config, events });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as number;
  };
  return { ...t, job, add };
}

describe("request formats", () => {
  test("ntfy, gotify, discord, slack, telegram, webhook, healthchecks", async () => {
    const logLines: string[] = [];
    const t = await setup(logLines);
    const r = receiver();
    stops.push(r.stop);
    await t.api("PUT", "/api/settings", { public_url: "https://backup.example.com" });
    await t.add("ntfy", { server_url: r.url, topic: "my-topic", token: "ntfy-SECRET-1", priority: 4 });
    await t.add("gotify", { server_url: r.url, token: "gotify-SECRET-2" });
    await t.add("discord", { webhook_url: `${r.url}/discord/hook-SECRET-3` });
    await t.add("slack", { webhook_url: `${r.url}/slack/hook-SECRET-4` });
    await t.add("telegram", { bot_token: "123:tg-SECRET-5", chat_id: "42", api_url: r.url });
    await t.add("webhook", { url: `${r.url}/webhook/SECRET-6`, headers: { "x-extra": "yes" } });
    await t.add("healthchecks", { ping_url: `${r.url}/hc/uuid-SECRET-7` });
    const runId = simulateRun(t.ctx, t.services.events, t.job.id, "failed", "Source folder /srv/photos is missing", ["rsync: change_dir failed"]);
    await t.services.notifier.drain();
    const by = (p: string) => r.got.filter((g) => g.path.startsWith(p));
    const ntfy = by("/my-topic")[0]!;
    expect(ntfy.method).toBe("POST");
    expect(ntfy.headers.title).toBe(`Backup failed: Photos (run ${runId})`);
    expect(ntfy.headers.priority).toBe("4");
    expect(ntfy.headers.authorization).toBe("Bearer ntfy-SECRET-1");
    expect(ntfy.headers.click).toBe(`https://backup.example.com/runs/${runId}`);
    expect(ntfy.body).toContain("Source folder /srv/photos is missing");
    expect(ntfy.body).toContain("rsync: change_dir failed");
    const gotify = by("/message")[0]!;
    expect(gotify.headers["x-gotify-key"]).toBe("gotify-SECRET-2");
    expect(JSON.parse(gotify.body)).toMatchObject({ title: `Backup failed: Photos (run ${runId})`, priority: 5 });
    expect(JSON.parse(by("/discord/")[0]!.body).content).toContain("Photos");
    expect(JSON.parse(by("/slack/")[0]!.body).text).toContain("Reason: Source folder /srv/photos is missing");
    const tg = by("/bot123:tg-SECRET-5/sendMessage")[0]!;
    expect(JSON.parse(tg.body)).toMatchObject({ chat_id: "42" });
    expect(JSON.parse(by("/webhook/")[0]!.body)).toMatchObject({ event: "run_failed", job_name: "Photos", run_id: runId, url: `https://backup.example.com/runs/${runId}` });
    expect(by("/webhook/")[0]!.headers["x-extra"]).toBe("yes");
    const hc = by("/hc/");
    expect(hc.map((h) => h.path)).toEqual(["/hc/uuid-SECRET-7/start", "/hc/uuid-SECRET-7/fail"]);
    expect(hc[1]!.body).toContain("rsync: change_dir failed");
    // Success: healthchecks gets /start then the URL itself.
    r.got.length = 0;
    simulateRun(t.ctx, t.services.events, t.job.id, "completed");
    await t.services.notifier.drain();
    expect(by("/hc/").map((h) => h.path)).toEqual(["/hc/uuid-SECRET-7/start", "/hc/uuid-SECRET-7"]);
    expect(by("/my-topic")[0]!.headers.title).toContain("Backup succeeded");
    // No secret in any response or log line.
    const list = await t.api("GET", "/api/notifications");
    const all = JSON.stringify(list.body) + logLines.join("\n");
    for (const s of ["ntfy-SECRET-1", "gotify-SECRET-2", "SECRET-3", "SECRET-4", "SECRET-5", "SECRET-6", "SECRET-7"]) expect(all).not.toContain(s);
  });
});

describe("restore and verify runs", () => {
  test("their failures are told by kind; healthchecks pings and no_success follow backups only", async () => {
    const t = await setup();
    const r = receiver();
    stops.push(r.stop);
    await t.add("webhook", { url: `${r.url}/webhook/` });
    await t.add("healthchecks", { ping_url: `${r.url}/hc/uuid` });
    const restoreRun = simulateRun(t.ctx, t.services.events, t.job.id, "failed", "1 file missing from the store", [], "restore");
    const verifyRun = simulateRun(t.ctx, t.services.events, t.job.id, "failed", "2 differences", [], "verify");
    simulateRun(t.ctx, t.services.events, t.job.id, "completed", null, [], "verify");
    await t.services.notifier.drain();
    const hooks = r.got.filter((g) => g.path.startsWith("/webhook/")).map((g) => JSON.parse(g.body));
    expect(hooks.map((h) => [h.event, h.title])).toEqual([
      ["run_failed", `Restore failed: Photos (run ${restoreRun})`],
      ["run_failed", `Verify failed: Photos (run ${verifyRun})`],
      ["run_succeeded", `Verify succeeded: Photos (run ${verifyRun + 1})`],
    ]);
    expect(hooks[1].reason).toBe("2 differences");
    // A restore or verify is not the backup's heartbeat.
    expect(r.got.filter((g) => g.path.startsWith("/hc/"))).toEqual([]);
    simulateRun(t.ctx, t.services.events, t.job.id, "completed");
    await t.services.notifier.drain();
    expect(r.got.filter((g) => g.path.startsWith("/hc/")).map((g) => g.path)).toEqual(["/hc/uuid/start", "/hc/uuid"]);
  });
});

describe("reliability", () => {
  test("fails twice then accepts: 3 attempts recorded", async () => {
    const t = await setup();
    const r = receiver((_, n) => new Response("busy", { status: n <= 2 ? 503 : 200 }));
    stops.push(r.stop);
    const id = await t.add("slack", { webhook_url: `${r.url}/hook` });
    simulateRun(t.ctx, t.services.events, t.job.id, "failed", "boom");
    await t.services.notifier.drain();
    const d = (await t.api("GET", `/api/notifications/${id}/deliveries`)).body;
    expect(d.map((x: { status: string }) => x.status)).toEqual(["sent", "failed", "failed"]);
    expect(d[1].error).toContain("HTTP 503");
    expect(r.got.length).toBe(3);
  });

  test("gives up after 3 retries (4 attempts)", async () => {
    const t = await setup();
    const r = receiver(() => new Response("no", { status: 500 }));
    stops.push(r.stop);
    const id = await t.add("discord", { webhook_url: `${r.url}/hook` });
    simulateRun(t.ctx, t.services.events, t.job.id, "failed", "boom");
    await t.services.notifier.drain();
    const d = (await t.api("GET", `/api/notifications/${id}/deliveries`)).body;
    expect(d.length).toBe(4);
    expect(r.got.length).toBe(4);
  });

  test("a hanging receiver does not hold up the run; the attempt times out", async () => {
    const t = await setup();
    t.services.notifier.timeoutMs = 300;
    t.services.notifier.retryDelaysMs = [];
    const r = receiver(() => new Promise<Response>(() => {}));
    stops.push(r.stop);
    const id = await t.add("slack", { webhook_url: `${r.url}/hook` });
    const t0 = performance.now();
    simulateRun(t.ctx, t.services.events, t.job.id, "failed", "boom");
    expect(performance.now() - t0).toBeLessThan(100);
    await t.services.notifier.drain();
    const d = (await t.api("GET", `/api/notifications/${id}/deliveries`)).body;
    expect(d[0]).toMatchObject({ status: "failed" });
    expect(d[0].error).toContain("did not answer in time");
  });

  test("undelivered messages are sent after a restart, once", async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), "dm-notify-")), "db.sqlite");
    const r = receiver();
    stops.push(r.stop);
    const first = testApp({ dbPath });
    const job = insertJob(first.ctx.db, { name: "Docs" });
    const ch = (await import("../../src/notifications/service.ts")).createChannel(first.ctx.db, first.ctx.secret, {
      name: "s",
      type: "slack",
      config: { webhook_url: `${r.url}/hook` },
      events: ["run_failed"],
    });
    // The process "dies" before sending: stop the notifier's sending by stopping it right after the event.
    await first.services.notifier.stop();
    first.services.notifier.start(first.services.events);
    (first.services.notifier as unknown as { kick: () => void }).kick = () => {};
    simulateRun(first.ctx, first.services.events, job.id, "failed", "boom");
    await Bun.sleep(50);
    expect(r.got.length).toBe(0);
    await first.services.stop();
    // A new service instance on the same database file and key.
    const ctx2 = testContext({ dbPath });
    const notifier = new Notifier({ db: ctx2.db, secret: first.ctx.secret, logger: ctx2.logger, timers: false });
    notifier.start(new RunEvents());
    await notifier.drain();
    await notifier.drain();
    expect(r.got.length).toBe(1);
    expect(r.got[0]!.body).toContain("Docs");
    const notifier3 = new Notifier({ db: ctx2.db, secret: first.ctx.secret, logger: ctx2.logger, timers: false });
    await notifier3.drain();
    expect(r.got.length).toBe(1);
    expect(
      ctx2.db
        .select()
        .from(notificationDeliveries)
        .where(eq(notificationDeliveries.channelId, ch.id))
        .all()
        .map((d) => d.status),
    ).toEqual(["sent"]);
  });
});

describe("events", () => {
  test("run_missed from the scheduler's skip, no_success from the periodic check (once)", async () => {
    const t = await setup();
    const r = receiver();
    stops.push(r.stop);
    await t.add("slack", { webhook_url: `${r.url}/hook` }, ["run_missed", "no_success"]);
    t.services.notifier.runMissed({ job_id: t.job.id, due: "2026-01-01T02:00:00.000Z", active_run_id: 9 });
    t.ctx.db.update(jobs).set({ alertAfterHours: 1, createdAt: "2020-01-01T00:00:00.000Z" }).where(eq(jobs.id, t.job.id)).run();
    t.services.notifier.checkNoSuccess();
    t.services.notifier.checkNoSuccess();
    await t.services.notifier.drain();
    const texts = r.got.map((g) => JSON.parse(g.body).text as string);
    expect(texts.length).toBe(2);
    expect(texts[0]).toContain("Scheduled backup skipped: Photos");
    expect(texts[1]).toContain("No successful backup: Photos");
    // A success ends the spell; a new stale spell alerts again.
    t.ctx.db.insert(runs).values({ jobId: t.job.id, status: "completed", trigger: "manual", completedAt: "2021-01-01T00:00:00.000Z" }).run();
    t.services.notifier.checkNoSuccess();
    await t.services.notifier.drain();
    expect(r.got.length).toBe(3);
  });

  test("job_ids and enabled filter channels", async () => {
    const t = await setup();
    const r = receiver();
    stops.push(r.stop);
    const other = insertJob(t.ctx.db, { name: "Other" });
    await t.api("POST", "/api/notifications", { name: "only other", type: "slack", config: { webhook_url: `${r.url}/a` }, events: ["run_failed"], job_ids: [other.id] });
    await t.api("POST", "/api/notifications", { name: "off", type: "slack", config: { webhook_url: `${r.url}/b` }, events: ["run_failed"], enabled: false });
    simulateRun(t.ctx, t.services.events, t.job.id, "failed", "boom");
    await t.services.notifier.drain();
    expect(r.got.length).toBe(0);
  });
});

describe("email", () => {
  test("STARTTLS with a self-signed certificate and AUTH", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dm-smtp-"));
    const p = Bun.spawnSync(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1"]);
    expect(p.exitCode).toBe(0);
    const mails: { from: string; to: string[]; data: string; user: string }[] = [];
    let secured = false;
    const server = new SMTPServer({
      key: readFileSync(join(dir, "key.pem")),
      cert: readFileSync(join(dir, "cert.pem")),
      authMethods: ["PLAIN", "LOGIN"],
      onSecure(_socket, _session, cb) {
        secured = true;
        cb();
      },
      onAuth(auth, _session, cb) {
        if (auth.username === "mailer" && auth.password === "smtp-PASS-SECRET") return cb(null, { user: auth.username });
        cb(new Error("Invalid username or password"));
      },
      onData(stream, session, cb) {
        let data = "";
        stream.on("data", (c: Buffer) => (data += c.toString()));
        stream.on("end", () => {
          mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address), data, user: String(session.user) });
          cb();
        });
      },
    });
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", () => res()));
    stops.push(() => server.close());
    const port = (server.server.address() as { port: number }).port;
    const logLines: string[] = [];
    const t = await setup(logLines);
    const base = { host: "127.0.0.1", port, tls_mode: "starttls", username: "mailer", from: "backup@example.com", to: ["ops@example.com", "me@example.com"], tls_verify: false };
    const id = await t.add("email", { ...base, password: "smtp-PASS-SECRET" });
    simulateRun(t.ctx, t.services.events, t.job.id, "failed", "Disk full");
    await t.services.notifier.drain();
    expect(secured).toBe(true);
    expect(mails.length).toBe(1);
    expect(mails[0]).toMatchObject({ from: "backup@example.com", to: ["ops@example.com", "me@example.com"], user: "mailer" });
    expect(mails[0]!.data).toContain("Subject: Backup failed: Photos");
    expect(mails[0]!.data).toContain("Disk full");
    // A wrong password: the test says why, without the password.
    const bad = await t.add("email", { ...base, password: "wrong-PASS" });
    const res = await t.api("POST", `/api/notifications/${bad}/test`);
    expect(res.body.success).toBe(false);
    expect(res.body.message).toContain("EAUTH");
    expect(res.body.message).not.toContain("wrong-PASS");
    expect(JSON.stringify((await t.api("GET", `/api/notifications/${id}`)).body)).not.toContain("smtp-PASS-SECRET");
    expect(logLines.join("\n")).not.toContain("smtp-PASS-SECRET");
  });
});
