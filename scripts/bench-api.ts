// The API and footprint figures of issue 17, all in one run on 127.0.0.1:
//   - cold start of the compiled binary from an empty folder to a healthy /api/system/health;
//   - RSS at idle after setup and one visit of each page, and the peak (VmHWM) since start;
//   - authenticated GET /api/jobs under 50 concurrent clients (ab, apache2-utils) and the RSS
//     during that load, beside a bare Bun.serve answering `[]` under the same load.
//   scripts/bench-api [--binary dist/dynamight-linux-x64] [--requests 20000] [--concurrency 50] [--runs 3] [--keepalive]
// Without --binary it builds the x64 binary (scripts/build x64) when dist/ has none.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { arg, median } from "./bench-lib.ts";

const ROOT = join(import.meta.dir, "..");

function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

function vmKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

const mb = (kb: number) => (kb / 1024).toFixed(1);

async function until(ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (await ok().catch(() => false)) return;
    await Bun.sleep(2);
  }
  throw new Error("timed out");
}

/** Runs ab; returns requests per second and the highest RSS of `pid` seen while it ran. */
async function load(url: string, headers: string[], requests: number, concurrency: number, pid: number) {
  const cmd = ["ab", "-q", ...(keepAlive ? ["-k"] : []), "-n", String(requests), "-c", String(concurrency), ...headers.flatMap((h) => ["-H", h]), url];
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe" });
  let peakRss = 0;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, vmKb(pid, "VmRSS"));
    } catch {}
  }, 20);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearInterval(sampler);
  if (code !== 0) throw new Error(`ab failed (${code}): ${err}${out.slice(-500)}`);
  const rps = Number(/Requests per second:\s+([\d.]+)/.exec(out)?.[1]);
  const failed = Number(/Failed requests:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (failed || non2xx) throw new Error(`ab: ${failed} failed, ${non2xx} non-2xx requests against ${url}`);
  return { rps, peakRss };
}

function binaryPath(): string {
  const given = arg("binary", "");
  if (given) return given;
  const path = join(ROOT, "dist/dynamight-linux-x64");
  if (!existsSync(path)) {
    const b = Bun.spawnSync(["bash", join(ROOT, "scripts/build"), "x64"], { stdout: "inherit", stderr: "inherit" });
    if (b.exitCode !== 0) throw new Error("scripts/build x64 failed");
  }
  return path;
}

async function startAppliance(exe: string) {
  const dir = mkdtempSync(join(tmpdir(), "dm-bench-api-"));
  const port = freePort();
  const t0 = performance.now();
  const proc = Bun.spawn([exe, "serve", "--host", "127.0.0.1", "--port", String(port), "--data", join(dir, "data")], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, TZ: "UTC", LOG_LEVEL: "warn", ALLOWED_BROWSE_PATHS: dir },
    stdout: "ignore",
    stderr: "pipe",
  });
  const base = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${base}/api/system/health`)).ok, 20_000);
  const startMs = performance.now() - t0;
  return { proc, base, dir, startMs, stop: () => (proc.kill(), proc.exited.then(() => rmSync(dir, { recursive: true, force: true }))) };
}

async function setUp(base: string): Promise<string> {
  const r = await fetch(`${base}/api/auth/setup`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify({ username: "bench", password: "bench-password-123" }),
  });
  if (!r.ok) throw new Error(`setup: ${r.status} ${await r.text()}`);
  const cookie = /token=([^;]+)/.exec(r.headers.get("set-cookie") ?? "")?.[1];
  if (!cookie) throw new Error("setup set no session cookie");
  return cookie;
}

async function visitPages(base: string, token: string) {
  for (const page of ["/", "/jobs", "/jobs/new", "/credentials", "/drives", "/notifications", "/settings", "/account", "/swagger"]) {
    const r = await fetch(`${base}${page}`, { headers: { cookie: `token=${token}` } });
    await r.arrayBuffer();
    if (r.status >= 500) throw new Error(`${page}: ${r.status}`);
  }
}

async function bareServer() {
  const port = freePort();
  const src = `Bun.serve({ hostname: "127.0.0.1", port: ${port}, fetch: () => Response.json([]) }); console.log("up");`;
  const proc = Bun.spawn([process.execPath, "-e", src], { stdout: "pipe", stderr: "inherit" });
  const base = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(base)).ok, 10_000);
  return { proc, url: `${base}/api/jobs` };
}

const requests = Number(arg("requests", "20000"));
const concurrency = Number(arg("concurrency", "50"));
const runs = Number(arg("runs", "3"));
// ab without -k by default: a new connection per request, as browsers and scrapers mostly do.
const keepAlive = process.argv.includes("--keepalive");
const exe = binaryPath();

const starts: number[] = [];
for (let i = 0; i < runs; i++) {
  const a = await startAppliance(exe);
  starts.push(a.startMs);
  await a.stop();
}

const app = await startAppliance(exe);
const token = await setUp(app.base);
await visitPages(app.base, token);
await Bun.sleep(2000);
const idleKb = vmKb(app.proc.pid, "VmRSS");
const startPeakKb = vmKb(app.proc.pid, "VmHWM");
const bare = await bareServer();

const appRps: number[] = [];
const bareRps: number[] = [];
let loadPeakKb = 0;
for (let i = 0; i < runs; i++) {
  const b = await load(bare.url, [], requests, concurrency, bare.proc.pid);
  bareRps.push(b.rps);
  const a = await load(`${app.base}/api/jobs`, [`Authorization: Bearer ${token}`], requests, concurrency, app.proc.pid);
  appRps.push(a.rps);
  loadPeakKb = Math.max(loadPeakKb, a.peakRss);
}
await Bun.sleep(1000);
const afterKb = vmKb(app.proc.pid, "VmRSS");
bare.proc.kill();
await app.stop();

const size = Bun.file(exe).size;
console.log(`bench-api: ${exe} (${(size / 1048576).toFixed(0)} MB), ${runs} runs, ab -n ${requests} -c ${concurrency}${keepAlive ? " -k" : ""}, medians`);
console.log(`cold start to healthy        ${median(starts).toFixed(0)} ms  (runs: ${starts.map((s) => s.toFixed(0)).join(", ")})`);
console.log(`idle RSS after setup + pages ${mb(idleKb)} MB  (peak since start ${mb(startPeakKb)} MB)`);
console.log(`RSS under ${concurrency} clients        ${mb(loadPeakKb)} MB  (idle + ${mb(loadPeakKb - idleKb)} MB; ${mb(afterKb)} MB after)`);
console.log(`GET /api/jobs                ${median(appRps).toFixed(0)} req/s  vs bare Bun.serve ${median(bareRps).toFixed(0)} req/s  = ${(median(appRps) / median(bareRps)).toFixed(2)} x`);
