// deploy/ checked by Debian's promtool: the rules load, their unit tests (series in, alerts out)
// pass and cover every alert, the scrape example is a valid Prometheus config, and a real
// appliance's /metrics passes promtool's linter (naming conventions, _total counters, units).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runs } from "../../src/db/schema.ts";
import { tempDir } from "../engine/fixtures.ts";
import { describeIf } from "../helpers/prereq.ts";
import { insertJob, signedIn } from "../schedules/helpers.ts";
import { prometheusMissing, ROOT, RULE_TESTS, RULES, SCRAPE_EXAMPLE } from "./prometheus.ts";

const promtool = (args: string[], stdin?: string) => {
  const r = Bun.spawnSync(["promtool", ...args], { cwd: ROOT, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
};

type RuleFile = { groups: { name: string; rules: { alert?: string; expr: string; annotations?: Record<string, string> }[] }[] };
type RuleTests = { rule_files: string[]; tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] };

describeIf(prometheusMissing)("promtool on deploy/prometheus", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir("dm-promtool-");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("promtool check rules: the shipped rules load", () => {
    const r = promtool(["check", "rules", RULES]);
    expect(r.out).toContain("SUCCESS: 7 rules found");
    expect(r.code).toBe(0);
  });

  test("every alert has a summary, a description and a link, and its unit tests expect it to fire", () => {
    const rules = Bun.YAML.parse(readFileSync(RULES, "utf8")) as RuleFile;
    const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert);
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      "DynamightApplianceDown",
      "DynamightCredentialNeedsReconnect",
      "DynamightLastRunFailed",
      "DynamightNoRecentSuccess",
      "DynamightRunTooLong",
      "DynamightSchedulerLagging",
      "DynamightTargetLowSpace",
    ]);
    for (const a of alerts) expect({ alert: a.alert, keys: Object.keys(a.annotations ?? {}).sort() }).toEqual({ alert: a.alert, keys: ["description", "link", "summary"] });
    const tests = Bun.YAML.parse(readFileSync(RULE_TESTS, "utf8")) as RuleTests;
    const firing = new Set(tests.tests.flatMap((t) => (t.alert_rule_test ?? []).filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname)));
    const quiet = new Set(tests.tests.flatMap((t) => (t.alert_rule_test ?? []).filter((c) => c.exp_alerts.length === 0).map((c) => c.alertname)));
    for (const a of alerts) {
      expect({ alert: a.alert, fires: firing.has(a.alert!), staysQuiet: quiet.has(a.alert!) }).toEqual({ alert: a.alert, fires: true, staysQuiet: true });
    }
  });

  test("promtool test rules: series in, alerts out, for every alert", () => {
    const r = promtool(["test", "rules", RULE_TESTS]);
    expect(r.out).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });

  test("promtool test rules fails when an expected alert is wrong (the tests can fail)", () => {
    const broken = join(dir, "broken.test.yml");
    copyFileSync(RULES, join(dir, "dynamight.rules.yml"));
    writeFileSync(
      broken,
      readFileSync(RULE_TESTS, "utf8").replace("- ../dynamight.rules.yml", "- dynamight.rules.yml").replace("link: https://pi1.example/runs/42", "link: https://pi1.example/runs/41"),
    );
    const r = promtool(["test", "rules", broken]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("https://pi1.example/runs/42");
  });

  test("promtool check config: the scrape example is a valid config for several appliances", () => {
    // Its absolute /etc/prometheus paths point at copies here (promtool checks that they exist).
    const text = readFileSync(SCRAPE_EXAMPLE, "utf8");
    const config = join(dir, "prometheus.yml");
    copyFileSync(RULES, join(dir, "dynamight.rules.yml"));
    for (const key of text.matchAll(/credentials_file: \/etc\/prometheus\/(\S+)/g)) writeFileSync(join(dir, key[1]!), "dm_example", { mode: 0o600 });
    writeFileSync(config, text.replaceAll("/etc/prometheus/", `${dir}/`));
    const r = promtool(["check", "config", config]);
    expect(r.out).toContain("SUCCESS");
    expect(r.code).toBe(0);
    const parsed = Bun.YAML.parse(text) as { scrape_configs: { job_name: string; authorization: { type: string; credentials_file: string } }[] };
    expect(parsed.scrape_configs.length).toBeGreaterThanOrEqual(2);
    for (const j of parsed.scrape_configs) {
      expect(j.job_name.startsWith("dynamight")).toBe(true);
      expect(j.authorization.type).toBe("Bearer");
      expect(j.authorization.credentials_file).toMatch(/^\/etc\/prometheus\/.+\.key$/);
    }
  });

  test("promtool check metrics: a real appliance's /metrics, read with a read-scoped key, has no lint problems", async () => {
    const { api, ctx, readKey } = await signedIn();
    const job = insertJob(ctx.db, { name: "Lint" });
    ctx.db.insert(runs).values({ jobId: job.id, status: "completed", trigger: "manual", startedAt: "2026-01-06T02:00:00.000Z", completedAt: "2026-01-06T02:15:00.000Z" }).run();
    const res = await api("GET", "/metrics", undefined, { "x-api-key": readKey });
    expect(res.status).toBe(200);
    const r = promtool(["check", "metrics"], res.body);
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
    // The linter does find problems when there are some (so the empty answer above means something).
    const bad = promtool(["check", "metrics"], "# HELP dynamight_things Things.\n# TYPE dynamight_things counter\ndynamight_things 1\n");
    expect(bad.out).toContain('counter metrics should have "_total" suffix');
  });
});
