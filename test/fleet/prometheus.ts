// A real Prometheus (Debian's /usr/bin/prometheus, or the one on PATH) started by the test on
// 127.0.0.1 with a free port, a temporary storage folder and a config of its own: never the
// package's systemd service.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../binary/process.ts";
import { missingCommand } from "../helpers/prereq.ts";

export const ROOT = resolve(import.meta.dir, "../..");
export const RULES = join(ROOT, "deploy/prometheus/dynamight.rules.yml");
export const RULE_TESTS = join(ROOT, "deploy/prometheus/tests/dynamight.rules.test.yml");
export const SCRAPE_EXAMPLE = join(ROOT, "deploy/prometheus/scrape.example.yml");
export const DASHBOARD = join(ROOT, "deploy/grafana/dynamight.json");

export const prometheusMissing: string | null = missingCommand("prometheus", "promtool")
  ? `${missingCommand("prometheus", "promtool")} (sudo apt-get install prometheus; scripts/install-deps does)`
  : null;

export interface ScrapeJob {
  name: string;
  target: string;
  /** Bearer token file; none: scrape without credentials. */
  keyFile?: string;
}

export function prometheusConfig(jobs: ScrapeJob[], ruleFiles: string[]): string {
  const lines = ["global:", "  scrape_interval: 1s", "  scrape_timeout: 1s", "  evaluation_interval: 1s", "rule_files:"];
  for (const f of ruleFiles) lines.push(`  - ${JSON.stringify(f)}`);
  lines.push("scrape_configs:");
  for (const j of jobs) {
    lines.push(`  - job_name: ${JSON.stringify(j.name)}`, "    metrics_path: /metrics");
    if (j.keyFile) lines.push("    authorization:", "      type: Bearer", `      credentials_file: ${JSON.stringify(j.keyFile)}`);
    lines.push("    static_configs:", `      - targets: [${JSON.stringify(j.target)}]`);
  }
  return `${lines.join("\n")}\n`;
}

export interface RunningPrometheus {
  url: string;
  dir: string;
  proc: Subprocess;
  output(): string;
  /** GET /api/v1/<path>, returning `data` (throws with Prometheus's error otherwise). */
  api<T = any>(path: string, params?: Record<string, string>): Promise<T>;
  /** The raw JSON body of GET /api/v1/<path> whatever its status. */
  raw(path: string, params?: Record<string, string>): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startPrometheus(jobs: ScrapeJob[], ruleFiles: string[]): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "dm-prometheus-"));
  const config = join(dir, "prometheus.yml");
  writeFileSync(config, prometheusConfig(jobs, ruleFiles));
  const port = freePort();
  const proc = Bun.spawn(
    [
      Bun.which("prometheus") ?? "/usr/bin/prometheus",
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=1h",
      "--log.level=warn",
    ],
    { cwd: dir, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  let out = "";
  const drain = async (s: ReadableStream<Uint8Array>) => {
    const d = new TextDecoder();
    const reader = s.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) out += d.decode(r.value, { stream: true });
  };
  void drain(proc.stdout);
  void drain(proc.stderr);
  const url = `http://127.0.0.1:${port}`;
  const raw = async (path: string, params: Record<string, string> = {}) => {
    const res = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params)}`);
    return { status: res.status, body: (await res.json().catch(() => null)) as any };
  };
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill("SIGTERM");
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
      if (!exited) proc.kill("SIGKILL");
      await proc.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const running: RunningPrometheus = {
    url,
    dir,
    proc,
    output: () => out,
    raw,
    async api(path, params) {
      const { status, body } = await raw(path, params);
      if (status !== 200 || body?.status !== "success") throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${status} ${JSON.stringify(body)}`);
      return body.data;
    },
    stop,
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`prometheus exited (${proc.exitCode}):\n${out}`);
    try {
      if ((await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })).status === 200) return running;
    } catch {
      // not listening yet
    }
    await Bun.sleep(100);
  }
  await stop();
  throw new Error(`prometheus not ready on ${url}:\n${out}`);
}

/** Polls `check` until it returns a value (not undefined), or throws with `what` after `ms`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await Bun.sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}
