// Building the executables and running them as a user would: from an empty folder, with a
// small explicit environment (nothing of the test runner's env leaks into the binary).

import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const ROOT = resolve(import.meta.dir, "../..");
export type Arch = "x64" | "arm64";

/** Runs scripts/build for one target; returns the binary's path and the script's report line. */
export function buildBinary(arch: Arch): { path: string; report: string } {
  const result = Bun.spawnSync(["bash", join(ROOT, "scripts/build"), arch], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const out = result.stdout.toString() + result.stderr.toString();
  if (result.exitCode !== 0) throw new Error(`scripts/build ${arch} failed (exit ${result.exitCode}):\n${out}`);
  const path = join(ROOT, "dist", `dynamight-linux-${arch}`);
  if (!existsSync(path)) throw new Error(`scripts/build ${arch} did not produce ${path}:\n${out}`);
  return { path, report: out.trim() };
}

/** A new empty folder holding only a copy of the binary (no node_modules, drizzle/ or public/). */
export function emptyFolderWith(binary: string): { dir: string; exe: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "dm-binary-"));
  const exe = join(dir, basename(binary));
  copyFileSync(binary, exe);
  chmodSync(exe, 0o755);
  return { dir, exe, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

export function binaryEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin", HOME: home, TZ: "UTC", ...extra };
}

async function collect(stream: ReadableStream<Uint8Array> | undefined, sink: { text: string }) {
  if (!stream) return;
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) sink.text += decoder.decode(r.value, { stream: true });
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; a command still running after `timeoutMs` is killed (code null). */
export async function runToEnd(cmd: string[], opts: { cwd: string; env: Record<string, string>; timeoutMs?: number }): Promise<Finished> {
  const proc = Bun.spawn(cmd, { cwd: opts.cwd, env: opts.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const out = { text: "" };
  const err = { text: "" };
  const reading = Promise.all([collect(proc.stdout, out), collect(proc.stderr, err)]);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs ?? 20_000);
  const code = await proc.exited;
  clearTimeout(timer);
  await reading;
  return { code: killed ? null : code, stdout: out.text, stderr: err.text };
}

export interface RunningBinary {
  proc: Subprocess;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the server and waits until it answers HTTP (any status: health may be 503 while a
 * component is not ready). Throws with the process output if it exits or never answers.
 */
export async function startServer(cmd: string[], opts: { cwd: string; env: Record<string, string>; port: number; readyWithinMs?: number }): Promise<RunningBinary> {
  const proc = Bun.spawn(cmd, { cwd: opts.cwd, env: opts.env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const out = { text: "" };
  void collect(proc.stdout, out);
  void collect(proc.stderr, out);
  const url = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill("SIGTERM");
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(10_000).then(() => false)]);
    if (!exited) proc.kill("SIGKILL");
    await proc.exited;
  };
  const deadline = Date.now() + (opts.readyWithinMs ?? 20_000);
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`${cmd.join(" ")} exited (${proc.exitCode ?? proc.signalCode}) before answering:\n${out.text}`);
    }
    try {
      await fetch(`${url}/api/system/health`, { signal: AbortSignal.timeout(2_000) });
      return { proc, url, output: () => out.text, stop };
    } catch {
      await Bun.sleep(100);
    }
  }
  await stop();
  throw new Error(`${cmd.join(" ")} did not answer on ${url} in time:\n${out.text}`);
}

/** The lines of a process's output that look like a JavaScript stack frame. */
export function stackLines(text: string): string[] {
  return text.split("\n").filter((l) => /^\s+at\s/.test(l) || /^\s*\d+ \| /.test(l));
}
