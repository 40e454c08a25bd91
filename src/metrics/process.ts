// The standard process_* families every Prometheus client library exports, under the names the
// Go and Node clients use, so existing dashboards and alerts for them work unchanged.
import { readdirSync, readFileSync } from "node:fs";
import type { Family } from "./format.ts";

/** Open file descriptors (Linux /proc), or null elsewhere. */
function openFds(): number | null {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return null;
  }
}

/** The soft limit on open files, or null when /proc says nothing. */
function maxFds(): number | null {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch {
    return null;
  }
}

/** Virtual memory size in bytes (/proc/self/stat field 23), or null elsewhere. */
function virtualBytes(): number | null {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // The command name (field 2) may hold spaces: count from the closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const v = Number(fields[20]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

const gauge = (name: string, help: string, value: number | null): Family => ({ name, help, type: "gauge", samples: value === null ? [] : [{ value }] });

export function processFamilies(now = Date.now()): Family[] {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  return [
    {
      name: "process_cpu_seconds_total",
      help: "Total user and system CPU time spent in seconds.",
      type: "counter",
      samples: [{ value: (cpu.user + cpu.system) / 1e6 }],
    },
    gauge("process_resident_memory_bytes", "Resident memory size in bytes.", mem.rss),
    gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", virtualBytes()),
    gauge("process_heap_bytes", "JavaScript heap in use, in bytes.", mem.heapUsed),
    gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", Math.round((now / 1000 - process.uptime()) * 1000) / 1000),
    gauge("process_open_fds", "Number of open file descriptors.", openFds()),
    gauge("process_max_fds", "Maximum number of open file descriptors.", maxFds()),
  ];
}
