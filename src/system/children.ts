// Child processes that must not outlive the server (rsync, mount, ...).
// Each child starts in a new session and process group (Bun's `detached`: setsid in the child,
// so its pid is also its group id), and is signalled as a group: rsync forks a generator and a
// receiver, and a kill of the first pid alone leaves the receiver writing.
// While a run is the current async context (withChildOwner), every child spawned is reported to
// it with what identifies the process beyond its pid: its start time (clock ticks since boot,
// /proc/<pid>/stat field 22) and the boot id, so a later server process can tell "still the
// rsync of that run" from "a pid the kernel has since given to something else".
import { AsyncLocalStorage } from "node:async_hooks";
import { readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import type { Subprocess } from "bun";

export interface ChildRecord {
  /** Also the process group id (the child is its group's leader). */
  pid: number;
  /** Field 22 of /proc/<pid>/stat; null where there is no /proc (nothing can be verified then). */
  startTime: number | null;
  bootId: string | null;
  /** The program's name, for logs. */
  command: string;
}

/** Told about each child spawned in its async context, and when that child has exited. */
export interface ChildOwner {
  added(child: ChildRecord): void;
  removed(child: ChildRecord): void;
}

const owners = new AsyncLocalStorage<ChildOwner>();

/** Runs fn with `owner` told about every child spawned inside it (across awaits). */
export function withChildOwner<T>(owner: ChildOwner, fn: () => T): T {
  return owners.run(owner, fn);
}

export interface ProcStat {
  state: string;
  pgrp: number;
  session: number;
  startTime: number;
}

/** The fields of /proc/<pid>/stat we need, or null when the process does not exist. */
export function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // f[0] is field 3 (state); field n is f[n - 3].
  return { state: f[0]!, pgrp: Number(f[2]), session: Number(f[3]), startTime: Number(f[19]) };
}

let cachedBootId: string | null | undefined;
export function bootId(): string | null {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
    } catch {
      cachedBootId = null;
    }
  }
  return cachedBootId;
}

const dead = (s: ProcStat) => s.state === "Z" || s.state === "X";

export type Child = Subprocess<"ignore", "pipe", "pipe">;

/**
 * Bun.spawn in a process group of its own, with stdin closed and stdout/stderr piped; the
 * owner of the current async context (if any) is told about the child until it exits.
 */
export function spawnChild(argv: string[], opts: { env: Record<string, string | undefined> }): Child {
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: opts.env, detached: true });
  // Not yet reaped (that happens on a later tick), so /proc/<pid> is this child even if it has
  // already exited.
  const record: ChildRecord = { pid: proc.pid, startTime: procStat(proc.pid)?.startTime ?? null, bootId: bootId(), command: basename(argv[0] ?? "?") };
  const owner = owners.getStore();
  if (owner) {
    try {
      owner.added(record);
    } catch {}
    void proc.exited.finally(() => {
      try {
        owner.removed(record);
      } catch {}
    });
  }
  return proc;
}

/**
 * Signals the child's whole process group. Only while the child has not been reaped: until
 * then its pid (and so its group id) cannot belong to anyone else.
 */
export function killChild(proc: Subprocess, signal: NodeJS.Signals) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  if (!signalGroup(proc.pid, signal)) proc.kill(signal);
}

/** kill(-pgid, signal); false when there is no such group (or it cannot be signalled). */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Live (not zombie) processes of a process group, from /proc; [] when there is no /proc. */
export function groupMembers(pgid: number): number[] {
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(Number(name));
    if (s && s.pgrp === pgid && !dead(s)) out.push(Number(name));
  }
  return out;
}

/**
 * Whether a child recorded by an earlier server process (or its process group) is still
 * running as that same process: same boot, and the leader has the recorded start time. If
 * the leader has exited but members of its group live on, they are ours: a group id stays
 * reserved while the group has members, so the kernel cannot have reused it.
 */
export function recordedChildAlive(c: ChildRecord): boolean {
  if (c.startTime === null) return false;
  const boot = bootId();
  if (c.bootId && boot && c.bootId !== boot) return false;
  const leader = procStat(c.pid);
  if (leader && !dead(leader)) return leader.startTime === c.startTime && leader.pgrp === c.pid;
  return groupMembers(c.pid).some((pid) => {
    const s = procStat(pid);
    return s !== null && s.session === c.pid && s.startTime >= c.startTime!;
  });
}

/** Polls every 25 ms until none of the groups has a live member, or the time is up; true when all are gone. */
async function groupsGone(pgids: number[], withinMs: number): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    if (pgids.every((g) => groupMembers(g).length === 0)) return true;
    if (performance.now() >= deadline) return false;
    await Bun.sleep(25);
  }
}

function groupsGoneSync(pgids: number[], withinMs: number): boolean {
  const deadline = performance.now() + withinMs;
  for (;;) {
    if (pgids.every((g) => groupMembers(g).length === 0)) return true;
    if (performance.now() >= deadline) return false;
    Bun.sleepSync(25);
  }
}

/** After SIGKILL, how long a process may take to be gone (it may be finishing a disk write). */
const AFTER_KILL_MS = 3000;

/**
 * SIGTERM to each process group, SIGKILL to what is left after `graceMs`; resolves with the
 * groups that still have live members after that (stuck in uninterruptible I/O: with SIGKILL
 * pending they cannot write again once the call returns).
 */
export async function stopGroups(pgids: number[], graceMs: number): Promise<number[]> {
  if (pgids.length === 0) return [];
  for (const g of pgids) signalGroup(g, "SIGTERM");
  if (await groupsGone(pgids, graceMs)) return [];
  for (const g of pgids) signalGroup(g, "SIGKILL");
  await groupsGone(pgids, AFTER_KILL_MS);
  return pgids.filter((g) => groupMembers(g).length > 0);
}

/** stopGroups for start-up, before the server serves anything: blocking is what is wanted. */
export function stopGroupsSync(pgids: number[], graceMs: number): number[] {
  if (pgids.length === 0) return [];
  for (const g of pgids) signalGroup(g, "SIGTERM");
  if (groupsGoneSync(pgids, graceMs)) return [];
  for (const g of pgids) signalGroup(g, "SIGKILL");
  groupsGoneSync(pgids, AFTER_KILL_MS);
  return pgids.filter((g) => groupMembers(g).length > 0);
}
