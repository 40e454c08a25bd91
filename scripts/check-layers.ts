#!/usr/bin/env bun
// Fails (exit 1) on an import that runs against the layering of docs/ARCHITECTURE.md, one line per
// violation. Run by .ci/run (`npm run lint:layers`).
//
// Layers, lowest first (a module may import its own layer and the ones below):
//   contract     src/destinations/contract.ts: a leaf, imports nothing of src/
//   host         src/system/{children,command,mounts,drives,paths,automount}.ts: processes, mounts
//                and host paths, which the local destination needs; they import only the contract
//                and infra
//   infra        config, logger, secret, version, crypto/, db/, http/ (but http/app.ts), types/,
//                docs/examples.ts (the API reference's examples, plain data for the schemas)
//   destinations src/destinations/** (may import the contract, each other, host and infra errors
//                are NOT allowed: their vocabulary is DestinationError; the engine never imports db/)
//   features     auth/ credentials/ jobs/ live/ metrics/ providers/ runs/ schedules/ settings/ system/
//   web          src/web/**, src/docs/openapi.ts (it serves the Swagger page) and views/** (a view may
//                import src/web/assets.ts, for the URLs of the files it links)
//   app          main.ts server.ts services.ts context.ts http/app.ts cli/
// Also: two folders never import each other (value imports), a page never imports an API route
// module, and a view imports no src/ value (type-only imports of models are how views get their
// prop types from the schemas). Type-only imports of context.ts and services.ts (the type hubs
// every feature is handed) are allowed anywhere.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dir, "..");
const files: string[] = [];
function walk(dir: string) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) files.push(p);
  }
}
walk(join(root, "src"));
walk(join(root, "views"));

type Zone = "contract" | "host" | "infra" | "dest" | "engine" | "feature" | "web" | "view" | "app";
const HOST = ["children", "command", "mounts", "drives", "paths", "automount"].map((n) => `system/${n}.ts`);

function zone(r: string): Zone {
  if (r.startsWith("views/")) return "view";
  const s = r.slice("src/".length);
  if (s === "destinations/contract.ts") return "contract";
  if (s.startsWith("destinations/engine/")) return "engine";
  if (s.startsWith("destinations/")) return "dest";
  if (HOST.includes(s)) return "host";
  if (["main.ts", "server.ts", "services.ts", "context.ts", "http/app.ts"].includes(s) || s.startsWith("cli/")) return "app";
  if (/^(config|logger|secret|version)\.ts$/.test(s) || /^(crypto|db|http|types)\//.test(s) || s === "docs/examples.ts") return "infra";
  if (s.startsWith("web/") || s.startsWith("docs/")) return "web";
  return "feature";
}

const RANK: Record<Zone, number> = { contract: 0, host: 1, infra: 1, dest: 2, engine: 2, feature: 3, web: 4, view: 4, app: 5 };

function resolveSpec(from: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  const base = resolve(dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")]) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

/** The unit two of which must not import each other: src/<folder>, or src/destinations/<type>. */
function unit(r: string): string | null {
  const parts = r.split("/");
  if (parts[0] !== "src" || parts.length < 3 || zone(r) === "app") return null;
  if (parts[1] === "destinations") return parts.length > 3 ? `destinations/${parts[2]}` : null;
  return parts[1]!;
}

const IMPORT_RE = /(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g;
const problems: string[] = [];
const edges = new Map<string, string>();
for (const f of files) {
  const text = readFileSync(f, "utf8");
  const from = relative(root, f);
  const zf = zone(from);
  for (const m of text.matchAll(IMPORT_RE)) {
    const abs = resolveSpec(f, m[1] ?? m[2] ?? m[3]!);
    if (!abs) continue;
    const to = relative(root, abs);
    if (!to.startsWith("src/") && !to.startsWith("views/")) continue;
    const zt = zone(to);
    const typeOnly = /^(?:import|export)\s+type\s/.test(m[0]);
    const at = `${from}:${text.slice(0, m.index).split("\n").length} -> ${to}`;
    const say = (why: string) => problems.push(`${at}: ${why}`);
    const [uf, ut] = [unit(from), unit(to)];
    if (uf && ut && uf !== ut && !typeOnly && !edges.has(`${uf}>${ut}`)) edges.set(`${uf}>${ut}`, at);
    if (zf === "contract") say("the contract is a leaf");
    else if (zf === "view") {
      if (!typeOnly && zt !== "view" && to !== "src/web/assets.ts") say("a view imports only types from src/");
    } else if ((zf === "dest" || zf === "engine") && (zt === "infra" || RANK[zt] > RANK[zf])) say("destinations import the contract, each other and host modules only");
    else if (zf === "engine" && zt === "dest") say("the mirror engine knows stores only through the contract");
    else if (zf === "web" && zt === "feature" && /\/routes\.tsx?$/.test(to)) say("a page never imports an API route module");
    else if (RANK[zt] > RANK[zf] && !(typeOnly && (to === "src/context.ts" || to === "src/services.ts"))) say(`${zf} imports ${zt}, a higher layer`);
  }
}
for (const [k, at] of edges) {
  const [a, b] = k.split(">") as [string, string];
  if (a < b && edges.has(`${b}>${a}`)) problems.push(`${a} <-> ${b} import each other: ${at} ; ${edges.get(`${b}>${a}`)}`);
}
for (const p of problems.sort()) console.log(p);
console.log(problems.length ? `${problems.length} import(s) against the layering (scripts/check-layers.ts)` : `layers: ${files.length} files, no import against the layering`);
process.exit(problems.length ? 1 : 0);
