// deploy/grafana: the dashboard is valid JSON Grafana can provision from a file (uid, no import
// inputs, datasource through a variable), with the appliance and job variables and the panels the
// fleet needs; the provisioning files point at it. (That every expression is PromQL a real
// Prometheus accepts and answers is checked in prometheus.test.ts.)
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dashboardExpressions, substitute } from "./dashboard.ts";
import { DASHBOARD, ROOT } from "./prometheus.ts";

const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8"));
type Panel = { id: number; type: string; title: string; datasource?: { uid: string }; targets?: { datasource?: { uid: string }; expr: string }[]; gridPos: Record<string, number> };
const panels = dashboard.panels as Panel[];
/** Grafana's own variable syntax, literally (not a JavaScript template). */
const DATASOURCE_VAR = ["$", "{datasource}"].join("");

describe("the Grafana dashboard", () => {
  test("is provisioning-ready: a fixed uid, no __inputs, datasource chosen by a variable", () => {
    expect(dashboard.uid).toBe("dynamight-fleet");
    expect(dashboard.title).toBe("Dynamight fleet");
    expect(dashboard.__inputs).toBeUndefined();
    expect(typeof dashboard.schemaVersion).toBe("number");
    const vars = Object.fromEntries((dashboard.templating.list as { name: string }[]).map((v) => [v.name, v]));
    expect(vars.datasource).toMatchObject({ type: "datasource", query: "prometheus" });
    for (const p of panels.filter((p) => p.type !== "row")) {
      expect({ panel: p.title, uid: p.datasource?.uid }).toEqual({ panel: p.title, uid: DATASOURCE_VAR });
      for (const t of p.targets ?? []) expect({ panel: p.title, uid: t.datasource?.uid }).toEqual({ panel: p.title, uid: DATASOURCE_VAR });
    }
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("appliance and job variables, multi-select, used by the panels", () => {
    const vars = Object.fromEntries((dashboard.templating.list as { name: string; [k: string]: any }[]).map((v) => [v.name, v]));
    expect(vars.instance).toMatchObject({ type: "query", multi: true, includeAll: true, allValue: ".*" });
    expect(vars.instance.query.query).toBe("label_values(dynamight_appliance_info, instance)");
    expect(vars.job_name).toMatchObject({ type: "query", multi: true, includeAll: true, allValue: ".*" });
    expect(vars.job_name.query.query).toContain('instance=~"$instance"');
    const exprs = dashboardExpressions(dashboard).filter((e) => !e.where.startsWith("variable"));
    // Every panel query is narrowed to the chosen appliances, the per-job ones to the chosen jobs.
    for (const e of exprs) expect({ where: e.where, filtered: e.expr.includes('instance=~"$instance"') }).toEqual({ where: e.where, filtered: true });
    expect(exprs.filter((e) => e.expr.includes('job_name=~"$job_name"')).length).toBeGreaterThanOrEqual(8);
  });

  test("has the panels the fleet needs", () => {
    const titles = panels.map((p) => p.title);
    for (const t of ["Last status per job", "Bytes transferred per run", "Files transferred per run", "Run durations", "Failures", "Scheduler lag", "Process memory"]) {
      expect(titles).toContain(t);
    }
    const metricOf = (title: string) =>
      panels
        .find((p) => p.title === title)!
        .targets!.map((t) => t.expr)
        .join(" ");
    expect(metricOf("Last status per job")).toContain("dynamight_job_last_run_status");
    expect(metricOf("Bytes transferred per run")).toContain("dynamight_job_last_run_transferred_bytes");
    expect(metricOf("Files transferred per run")).toContain("dynamight_job_last_run_transferred_files");
    expect(metricOf("Run durations")).toContain("dynamight_job_last_run_duration_seconds");
    expect(metricOf("Failures")).toContain('dynamight_runs_total{instance=~"$instance", status="failed"}');
    expect(metricOf("Scheduler lag")).toContain("dynamight_scheduler_lag_seconds");
    expect(metricOf("Process memory")).toContain("process_resident_memory_bytes");
    // Panels do not overlap on the 24-column grid.
    const cells = new Set<string>();
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos as { x: number; y: number; w: number; h: number };
      expect(x + w).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          expect({ panel: p.title, cell: `${i},${j}`, taken: cells.has(`${i},${j}`) }).toEqual({ panel: p.title, cell: `${i},${j}`, taken: false });
          cells.add(`${i},${j}`);
        }
      }
    }
  });

  test("the provisioning files load it from a folder and define a Prometheus datasource", () => {
    const dash = Bun.YAML.parse(readFileSync(join(ROOT, "deploy/grafana/provisioning/dashboards/dynamight.yml"), "utf8")) as any;
    expect(dash.apiVersion).toBe(1);
    expect(dash.providers).toHaveLength(1);
    expect(dash.providers[0]).toMatchObject({ type: "file", folder: "Dynamight", options: { path: "/var/lib/grafana/dashboards/dynamight" } });
    // deploy/README.md tells users to put the JSON in that folder.
    expect(readFileSync(join(ROOT, "deploy/README.md"), "utf8")).toContain("/var/lib/grafana/dashboards/dynamight/dynamight.json");
    const ds = Bun.YAML.parse(readFileSync(join(ROOT, "deploy/grafana/provisioning/datasources/dynamight.yml"), "utf8")) as any;
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources[0]).toMatchObject({ type: "prometheus", access: "proxy" });
    expect(ds.datasources[0].url).toMatch(/^https?:\/\//);
  });

  test("variable substitution as Grafana does it (regex-escaped values, .* for All)", () => {
    expect(substitute('up{instance=~"$instance"}[$__rate_interval]', { instance: "127.0.0.1:80" })).toBe('up{instance=~"127\\\\.0\\\\.0\\\\.1:80"}[1m]');
    expect(substitute('x{job_name=~"$job_name"}', { job_name: ".*" })).toBe('x{job_name=~".*"}');
  });
});
