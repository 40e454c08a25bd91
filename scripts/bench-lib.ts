// What every benchmark script needs: flags, this process's memory, running a command (rclone
// with no config file and without this environment's AWS_CA_BUNDLE, which breaks it on http
// endpoints), medians and seconds.
import { readFileSync } from "node:fs";

export function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}

/** A field of /proc/self/status in kB (VmRSS now, VmHWM the peak). */
export function vm(field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) : 0;
}

export async function sh(cmd: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string; ms: number }> {
  const t0 = performance.now();
  const e = { ...process.env, RCLONE_CONFIG: "/dev/null", ...env } as Record<string, string>;
  delete e.AWS_CA_BUNDLE; // set in this environment; rclone then fails on http endpoints
  const p = Bun.spawn(cmd, { env: e, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err, ms: performance.now() - t0 };
}

export async function must(cmd: string[]) {
  const r = await sh(cmd);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")} failed (${r.code}): ${r.err.slice(0, 500)}`);
  return r;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
