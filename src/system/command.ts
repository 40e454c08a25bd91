// Runs the system tools behind drives and mounts (lsblk, blkid, mount, umount, findmnt).
// Always an argument array, never a shell; always a deadline, because mount and umount can block
// for a long time on a dying USB disk and an HTTP request must not hang with them.
// Spawned through spawnChild: in a process group of its own, and recorded with the run when a
// run is what runs it (so it is stopped with the server, see children.ts).
import { killChild, spawnChild } from "./children.ts";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

// lsblk, blkid, mount and umount live in /sbin and /usr/sbin, which a non-root user's PATH (and
// a minimal service environment) often lacks: they are always looked for there too.
const SYSTEM_DIRS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

export function toolPath(path: string | undefined): string {
  const dirs = (path ?? "").split(":").filter(Boolean);
  for (const d of SYSTEM_DIRS) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(":");
}

/**
 * Runs `argv` with stdin closed and an English C locale (error messages are matched on text).
 * After `timeoutMs` the process gets SIGKILL and the result resolves at once with timedOut
 * true: a process stuck in uninterruptible I/O is not waited for. A program that is not
 * installed is exit code 127 with a stderr that says so (what a shell answers), not a throw.
 */
export async function runCommand(argv: string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CommandResult> {
  let proc: ReturnType<typeof spawnChild>;
  try {
    proc = spawnChild(argv, { env: { PATH: toolPath(process.env.PATH), LC_ALL: "C", LANG: "C" } });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT" && !/not found/i.test(String((err as Error).message))) throw err;
    return { code: 127, stdout: "", stderr: `${argv[0]} is not installed (not found in ${toolPath(process.env.PATH)})`, timedOut: false };
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      killChild(proc, "SIGKILL");
      resolve("timeout");
    }, timeoutMs);
  });
  const finished = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const outcome = await Promise.race([finished, deadline]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    finished.catch(() => {});
    return { code: -1, stdout: "", stderr: `${argv[0]} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`, timedOut: true };
  }
  const [stdout, stderr, code] = outcome;
  return { code, stdout, stderr: stderr.trim(), timedOut: false };
}
