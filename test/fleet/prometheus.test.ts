// End to end with the real tools: a real Prometheus (Debian's package, started here on 127.0.0.1,
// 1 s scrape and rule evaluation) scrapes a real listening appliance through a read-scoped API
// key and loads deploy/prometheus/dynamight.rules.yml as shipped. After real rsync runs, PromQL
// over Prometheus's HTTP API sees each job's last-run status, the "last run failed" alert fires
// for the failing job with a link to its run page (and clears once it succeeds), credential and
// low-space alerts follow the appliance's state, and every
// expression of the Grafana dashboard is accepted by that Prometheus and returns data.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunningServer } from "../../src/server.ts";
import { startTestServer } from "../browser/harness.ts";
import { localJob, tempDir, writeTree } from "../engine/fixtures.ts";
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { addUser, apiKey } from "../schedules/helpers.ts";
import { dashboardExpressions, substitute } from "./dashboard.ts";
import { DASHBOARD, prometheusMissing, RULES, type RunningPrometheus, startPrometheus, waitFor } from "./prometheus.ts";

const PUBLIC_URL = "https://backup.fleet.example";

describeIf(prometheusMissing ?? missingCommand("rsync"))("a real Prometheus watching a real appliance", () => {
  let server: RunningServer & { dataDir: string };
  let prom: RunningPrometheus;
  let writeKey: string;
  let instance: string;
  const jobs = { ok: 0, failing: 0, full: 0, okRun: 0, failedRun: 0 };
  let failingDest = "";
  let keyDir = "";

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(server.url + path, {
      method,
      headers: { "x-api-key": writeKey, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  const runToEnd = async (jobId: number): Promise<{ id: number; status: string }> => {
    const started = await api("POST", `/api/jobs/${jobId}/run`);
    expect(started.status).toBe(202);
    const runId = started.body.run_id as number;
    return waitFor(`run ${runId} to finish`, async () => {
      const run = (await api("GET", `/api/runs/${runId}`)).body;
      return ["completed", "failed", "cancelled"].includes(run.status) ? { id: runId, status: run.status } : undefined;
    });
  };

  /** Instant query; the samples as {labels, value}. */
  const query = async (expr: string) => {
    const data = await prom.api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>("query", { query: expr });
    return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  };

  const alerts = async () => (await prom.api<{ alerts: { labels: Record<string, string>; annotations: Record<string, string>; state: string }[] }>("alerts")).alerts;

  beforeAll(async () => {
    server = await startTestServer();
    instance = new URL(server.url).host;
    const user = await addUser(server.ctx);
    writeKey = await apiKey(server.ctx, user.id, "write");
    const readKey = await apiKey(server.ctx, user.id, "read");
    keyDir = tempDir("dm-fleet-key-");
    writeFileSync(join(keyDir, "dynamight.key"), readKey, { mode: 0o600 });

    expect((await api("PUT", "/api/settings", { public_url: PUBLIC_URL })).status).toBe(200);

    const src = join(tempDir("dm-fleet-src-"), "photos");
    writeTree(src, { "a.jpg": "aaaa", "b/c.jpg": "cccccc", "d.txt": "dd" });
    const ok = await api("POST", "/api/jobs", localJob([src], tempDir("dm-fleet-dest-"), { name: "Fleet photos" }));
    expect(ok.status).toBe(201);
    jobs.ok = ok.body.id;
    expect((await api("POST", `/api/jobs/${jobs.ok}/schedules`, { schedule_type: "daily", hour: 2, minute: 0 })).status).toBe(201);
    // The destination folder disappears after the job is saved: its runs fail (a real rsync-side failure).
    failingDest = tempDir("dm-fleet-gone-");
    const failing = await api("POST", "/api/jobs", localJob([src], failingDest, { name: "Fleet unplugged" }));
    expect(failing.status).toBe(201);
    jobs.failing = failing.body.id;
    rmSync(failingDest, { recursive: true, force: true });

    // A destination whose job asks for more free space than any disk has (1 PiB): low space.
    const full = localJob([src], tempDir("dm-fleet-full-"), { name: "Fleet nearly full" });
    const nearlyFull = await api("POST", "/api/jobs", { ...full, destination_config: { ...full.destination_config, min_free_space_mb: 1024 ** 3, on_low_space: "warn" } });
    expect(nearlyFull.status).toBe(201);
    jobs.full = nearlyFull.body.id;

    const cred = await api("POST", "/api/credentials", { name: "Fleet drive", provider_type: "s3", data: { access_key_id: "AKIAFLEET", secret_access_key: "fleet-secret" } });
    expect(cred.status).toBe(201);
    // What the OAuth refresh does on invalid_grant; no API sets it directly.
    server.ctx.db.$client.run("UPDATE credentials SET needs_reconnect = 1 WHERE id = ?", [cred.body.id]);

    const okRun = await runToEnd(jobs.ok);
    expect(okRun.status).toBe("completed");
    jobs.okRun = okRun.id;
    const failedRun = await runToEnd(jobs.failing);
    expect(failedRun.status).toBe("failed");
    jobs.failedRun = failedRun.id;

    prom = await startPrometheus(
      [
        { name: "dynamight", target: instance, keyFile: join(keyDir, "dynamight.key") },
        // The same appliance without a key: proves the key is what lets Prometheus in.
        { name: "dynamight-nokey", target: instance },
      ],
      [RULES],
    );
  });

  afterAll(async () => {
    await prom?.stop();
    await server?.stop();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  });

  test("scrapes through the read-scoped API key; without a key the appliance answers 401", async () => {
    const targets = await waitFor("both targets scraped", async () => {
      const t = (await prom.api<{ activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] }>("targets")).activeTargets;
      return t.length === 2 && t.every((x) => x.health !== "unknown") ? t : undefined;
    });
    const byJob = Object.fromEntries(targets.map((t) => [t.labels.job, t]));
    expect(byJob.dynamight).toMatchObject({ health: "up", lastError: "" });
    expect(byJob["dynamight-nokey"]!.health).toBe("down");
    expect(byJob["dynamight-nokey"]!.lastError).toContain("401");
    expect(await query(`up{instance="${instance}"}`)).toEqual(
      expect.arrayContaining([
        { labels: { __name__: "up", instance, job: "dynamight" }, value: 1 },
        { labels: { __name__: "up", instance, job: "dynamight-nokey" }, value: 0 },
      ]),
    );
  });

  test("PromQL over the HTTP API returns each job's last-run status after real runs", async () => {
    const rows = await waitFor("last run status series", async () => {
      const r = await query(`dynamight_job_last_run_status{job="dynamight"} == 1`);
      return r.length === 2 ? r : undefined;
    });
    const status = Object.fromEntries(rows.map((r) => [r.labels.job_id, r.labels.status]));
    expect(status).toEqual({ [jobs.ok]: "completed", [jobs.failing]: "failed" });
    expect(rows.find((r) => r.labels.job_id === String(jobs.ok))!.labels.job_name).toBe("Fleet photos");
    // The families the rules stand on, with the appliance's values.
    expect(await query(`dynamight_job_expected_interval_seconds{job_id="${jobs.ok}"}`)).toMatchObject([{ value: 86400 }]);
    expect(await query(`dynamight_job_expected_interval_seconds{job_id="${jobs.failing}"}`)).toEqual([]);
    expect(await query(`dynamight_job_last_run_id{job_id="${jobs.failing}"}`)).toMatchObject([{ value: jobs.failedRun }]);
    expect(await query(`dynamight_job_last_run_transferred_files{job_id="${jobs.ok}"}`)).toMatchObject([{ value: 3 }]);
    expect(await query(`dynamight_appliance_info{job="dynamight"}`)).toMatchObject([{ labels: { public_url: PUBLIC_URL } }]);
    const free = await query(`dynamight_target_free_bytes{job_id="${jobs.ok}"}`);
    expect(free).toHaveLength(1);
    expect(free[0]!.value).toBeGreaterThan(0);
    // The failing job's folder is gone: no free-space sample rather than the parent disk's.
    expect(await query(`dynamight_target_free_bytes{job_id="${jobs.failing}"}`)).toEqual([]);
    expect((await query(`process_resident_memory_bytes{job="dynamight"}`))[0]!.value).toBeGreaterThan(1e6);
  });

  test("the failing job makes DynamightLastRunFailed fire with a link to its run, a later success clears it; credential and low-space alerts follow", async () => {
    const alert = await waitFor("DynamightLastRunFailed", async () => (await alerts()).find((a) => a.labels.alertname === "DynamightLastRunFailed"));
    expect(["pending", "firing"]).toContain(alert.state);
    expect(alert.labels).toMatchObject({ job_id: String(jobs.failing), job_name: "Fleet unplugged", instance, status: "failed", public_url: PUBLIC_URL, severity: "warning" });
    expect(alert.annotations.summary).toBe(`Backup job "Fleet unplugged" failed on ${instance}`);
    expect(alert.annotations.link).toBe(`${PUBLIC_URL}/runs/${jobs.failedRun}`);
    // Only the failing job alerts.
    expect((await alerts()).filter((a) => a.labels.alertname === "DynamightLastRunFailed")).toHaveLength(1);

    const cred = (await alerts()).find((a) => a.labels.alertname === "DynamightCredentialNeedsReconnect");
    expect(cred?.labels.credential_name).toBe("Fleet drive");
    expect(cred?.annotations.link).toBe(`${PUBLIC_URL}/credentials`);

    // Low space has `for: 5m`: here it is pending, with the job's own threshold behind it.
    const low = (await alerts()).filter((a) => a.labels.alertname === "DynamightTargetLowSpace");
    expect(low.map((a) => [a.labels.job_name, a.state])).toEqual([["Fleet nearly full", "pending"]]);
    expect(low[0]!.annotations.link).toBe(`${PUBLIC_URL}/jobs/${jobs.full}`);

    mkdirSync(failingDest, { recursive: true });
    expect((await runToEnd(jobs.failing)).status).toBe("completed");
    await waitFor("the alert to clear", async () => ((await alerts()).some((a) => a.labels.alertname === "DynamightLastRunFailed") ? undefined : true));
  });

  test("every expression of the Grafana dashboard is valid PromQL and returns data", async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8"));
    const exprs = dashboardExpressions(dashboard);
    expect(exprs.length).toBeGreaterThan(15);
    // /api/v1/parse_query exists from Prometheus 2.45; Debian 12 ships 2.42, where the queries
    // themselves are the check (a parse error is a 400 "bad_data").
    const parse = await prom.raw("parse_query", { query: "up" });
    for (const e of exprs) {
      const promql = substitute(e.expr, { instance, job_name: ".*" });
      if (parse.status === 200) {
        const parsed = await prom.raw("parse_query", { query: promql });
        expect({ where: e.where, status: parsed.status }).toEqual({ where: e.where, status: 200 });
      }
      const res = await prom.raw("query", { query: promql });
      expect({ where: e.where, status: res.status, error: res.body?.error }).toEqual({ where: e.where, status: 200, error: undefined });
      // Empty results would hide a misspelt metric name; "running now" is the one series that is
      // absent while no run is going on.
      if (!e.where.includes("running now")) {
        expect({ where: e.where, promql, empty: res.body.data.result.length === 0 }).toEqual({ where: e.where, promql, empty: false });
      }
    }
  });
});
