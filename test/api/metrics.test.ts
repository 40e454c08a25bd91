// GET /metrics: auth, content type, the exposition format line by line, label escaping, values.
import { describe, expect, test } from "bun:test";
import { runs } from "../../src/db/schema.ts";
import { escapeLabelValue, render } from "../../src/metrics/format.ts";
import { VERSION } from "../../src/version.ts";
import { insertJob, signedIn } from "../schedules/helpers.ts";

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$/;

/** Checks the text exposition grammar and returns samples as "name{labels}" → value. */
function parse(text: string): Map<string, number> {
  expect(text.endsWith("\n")).toBe(true);
  const out = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.slice(0, -1).split("\n")) {
    if (line.startsWith("# HELP ")) continue;
    const type = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge)$/);
    if (type) {
      expect(typed.has(type[1]!)).toBe(false);
      typed.add(type[1]!);
      continue;
    }
    const m = line.match(SAMPLE);
    if (!m) throw new Error(`not a valid sample line: ${JSON.stringify(line)}`);
    expect(typed.has(m[1]!)).toBe(true);
    out.set(line.slice(0, line.lastIndexOf(" ")), Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return out;
}

const afterResponses = () => new Promise<void>((r) => setImmediate(() => setImmediate(r)));

describe("format", () => {
  test("label values escape backslash, quote and newline", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const text = render([{ name: "x_total", help: "line one\nline two \\ end", type: "counter", samples: [{ labels: { job_name: 'My "job"\nC:\\x' }, value: 3 }] }]);
    expect(text).toBe('# HELP x_total line one\\nline two \\\\ end\n# TYPE x_total counter\nx_total{job_name="My \\"job\\"\\nC:\\\\x"} 3\n');
    expect(parse(text).get('x_total{job_name="My \\"job\\"\\nC:\\\\x"}')).toBe(3);
  });
});

describe("GET /metrics", () => {
  test("needs a session or API key; a read-only key is enough", async () => {
    const { client, api, readKey } = await signedIn();
    expect((await client.json("GET", "/metrics")).status).toBe(401);
    const res = await api("GET", "/metrics", undefined, { "x-api-key": readKey });
    expect(res.status).toBe(200);
    expect(res.res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  test("every family, valid line by line, with the values of the database and the bus", async () => {
    const { api, ctx, services } = await signedIn();
    const a = insertJob(ctx.db, { name: 'Photos "raw"\\2026' });
    const b = insertJob(ctx.db, { name: "Never run" });
    ctx.db.insert(runs).values({ jobId: a.id, status: "failed", trigger: "manual", completedAt: "2026-01-05T02:00:00.000Z" }).run();
    ctx.db.insert(runs).values({ jobId: a.id, status: "completed", trigger: "scheduled", completedAt: "2026-01-06T02:15:00.000Z" }).run();
    ctx.db.insert(runs).values({ jobId: a.id, status: "running", trigger: "manual", startedAt: "2026-01-07T02:00:00.000Z" }).run();
    const done = (status: "completed" | "failed" | "cancelled", bytes: number, files: number) =>
      services.events.emit({
        type: "job_completed",
        kind: "backup",
        job_id: a.id,
        run_id: 1,
        job_name: "x",
        status,
        files_transferred: files,
        bytes_transferred: bytes,
        files_deleted: 0,
        error_message: null,
      });
    done("completed", 1000, 3);
    done("completed", 500, 2);
    done("failed", 10, 1);
    services.events.emit({
      type: "job_completed",
      kind: "restore",
      job_id: a.id,
      run_id: 2,
      job_name: "x",
      status: "completed",
      files_transferred: 1,
      bytes_transferred: 1,
      files_deleted: 0,
      error_message: null,
    });
    await api("GET", "/api/settings");
    await api("GET", "/api/nope");
    // The counter is bumped after the response (Elysia runs onAfterResponse on setImmediate).
    await afterResponses();

    const res = await api("GET", "/metrics");
    const m = parse(res.body);
    const ja = `job_id="${a.id}",job_name="Photos \\"raw\\"\\\\2026"`;
    const jb = `job_id="${b.id}",job_name="Never run"`;
    expect(m.get("dynamight_up")).toBe(1);
    expect(m.get(`dynamight_build_info{version="${VERSION}"}`)).toBe(1);
    expect(m.get('dynamight_runs_total{kind="backup",status="completed"}')).toBe(2);
    expect(m.get('dynamight_runs_total{kind="backup",status="failed"}')).toBe(1);
    expect(m.get('dynamight_runs_total{kind="backup",status="cancelled"}')).toBe(0);
    expect(m.get('dynamight_runs_total{kind="restore",status="completed"}')).toBe(1);
    expect(m.get('dynamight_runs_total{kind="verify",status="completed"}')).toBe(0);
    expect(m.get(`dynamight_job_last_run_timestamp_seconds{${ja}}`)).toBe(Date.parse("2026-01-06T02:15:00Z") / 1000);
    expect(m.has(`dynamight_job_last_run_timestamp_seconds{${jb}}`)).toBe(false);
    expect(m.get(`dynamight_job_last_run_status{${ja},status="completed"}`)).toBe(1);
    expect(m.get(`dynamight_job_last_run_status{${ja},status="failed"}`)).toBe(0);
    expect(m.get(`dynamight_job_running{${ja}}`)).toBe(1);
    expect(m.get(`dynamight_job_running{${jb}}`)).toBe(0);
    expect(m.get(`dynamight_job_transferred_bytes_total{${ja},kind="backup"}`)).toBe(1510);
    expect(m.get(`dynamight_job_transferred_files_total{${ja},kind="backup"}`)).toBe(6);
    expect(m.get(`dynamight_job_transferred_bytes_total{${ja},kind="restore"}`)).toBe(1);
    expect(m.get(`dynamight_job_transferred_bytes_total{${jb},kind="backup"}`)).toBe(0);
    expect(m.get("dynamight_scheduler_lag_seconds")).toBe(0);
    expect(m.get('dynamight_scheduler_fires_total{result="skipped"}')).toBe(0);
    expect(m.get('dynamight_http_requests_total{method="GET",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(m.get('dynamight_http_requests_total{method="GET",status="404"}')).toBe(1);
    // Counted after they are answered: this scrape shows up in the next one.
    await afterResponses();
    const again = parse((await api("GET", "/metrics")).body);
    expect(again.get('dynamight_http_requests_total{method="GET",status="200"}')).toBe(m.get('dynamight_http_requests_total{method="GET",status="200"}')! + 1);
    await services.stop();
  });
});
