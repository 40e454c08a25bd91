// Reading deploy/grafana/dynamight.json the way Grafana does: the PromQL of every panel target
// (rows included) and of every query variable, and Grafana's variable substitution.

export interface DashboardExpr {
  /** "panel title / legend or refId", or "variable name": for failure messages. */
  where: string;
  expr: string;
}

type Panel = { title?: string; targets?: { expr?: string; refId?: string; legendFormat?: string }[]; panels?: Panel[] };

function panelsOf(list: Panel[]): Panel[] {
  return list.flatMap((p) => [p, ...panelsOf(p.panels ?? [])]);
}

/** label_values(selector, label) is Grafana's, not PromQL: the selector is what Prometheus sees. */
function variableExpr(query: string): string {
  const m = query.match(/^label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/s);
  return m ? m[1]!.trim() : query;
}

export function dashboardExpressions(dashboard: { panels?: Panel[]; templating?: { list?: { name: string; type: string; query?: unknown }[] } }): DashboardExpr[] {
  const out: DashboardExpr[] = [];
  for (const p of panelsOf(dashboard.panels ?? [])) {
    for (const t of p.targets ?? []) {
      if (typeof t.expr === "string") out.push({ where: `${p.title} / ${t.legendFormat ?? t.refId}`, expr: t.expr });
    }
  }
  for (const v of dashboard.templating?.list ?? []) {
    if (v.type !== "query") continue;
    const q = typeof v.query === "string" ? v.query : (v.query as { query?: string } | undefined)?.query;
    if (q) out.push({ where: `variable ${v.name}`, expr: variableExpr(q) });
  }
  return out;
}

/** Grafana's built-ins and the dashboard's variables, replaced as Grafana would before querying. */
export function substitute(expr: string, vars: Record<string, string>): string {
  let out = expr.replace(/\$__rate_interval|\$__interval|\$__range/g, "1m");
  for (const [name, value] of Object.entries(vars)) {
    const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, (c) => (value === ".*" ? c : `\\\\${c}`));
    out = out.replace(new RegExp(`\\$\\{${name}\\}|\\$${name}\\b`, "g"), () => escaped);
  }
  return out;
}
