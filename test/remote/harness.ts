// Shared pieces of the remote tests: a recording reporter, a SyncRequest builder, source trees,
// rclone (the independent checker) and a TCP proxy that can play "server down mid-run".
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { recordInFolder } from "../../src/db/record.ts";
import type { RunReporter, SyncOptions, SyncRequest } from "../../src/destinations/contract.ts";

export class RecordingReporter implements RunReporter {
  lines: { level: string; message: string }[] = [];
  files = 0;
  bytes = 0;
  deleted = 0;
  total: { files: number; bytes: number } | null = null;
  log(level: "info" | "warning" | "error", message: string) {
    this.lines.push({ level, message });
  }
  progress(d: { files?: number; bytes?: number; deleted?: number }) {
    this.files += d.files ?? 0;
    this.bytes += d.bytes ?? 0;
    this.deleted += d.deleted ?? 0;
  }
  totals(t: { files: number; bytes: number }) {
    this.total = t;
  }
  text(): string {
    return this.lines.map((l) => l.message).join("\n");
  }
}

export function syncRequest<C>(
  config: C,
  credential: Record<string, string> | null,
  sources: string[],
  dataDir: string,
  options: Partial<SyncOptions> = {},
  signal: AbortSignal = new AbortController().signal,
): SyncRequest<C> & { report: RecordingReporter } {
  return {
    runId: 1,
    jobId: 1,
    sources,
    config,
    credential,
    options: {
      delete_extraneous: false,
      exclude_patterns: [],
      bandwidth_limit_kbps: null,
      dry_run: false,
      verbosity: "normal",
      exclude_dirs: [],
      provider_options: null,
      space_check: "none",
      keep_versions_days: null,
      ...options,
    },
    signal,
    report: new RecordingReporter(),
    dataDir,
    record: recordInFolder(dataDir),
    updateCredential: async () => {},
    allowedRoots: ["/"],
  };
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `dm-${tag}-`));
}

/** Writes files (path → content or byte count) under dir, with a fixed old mtime so reruns compare equal. */
export function writeTree(dir: string, files: Record<string, string | number>, mtimeSec = 1_700_000_000) {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, typeof content === "number" ? Buffer.alloc(content, 0x61) : content);
    utimesSync(p, mtimeSec, mtimeSec);
  }
}

/** Writes a file of `bytes` pseudo-random bytes without holding it all in memory. */
export async function writeBigFile(path: string, bytes: number) {
  mkdirSync(dirname(path), { recursive: true });
  const w = Bun.file(path).writer();
  const chunk = crypto.getRandomValues(new Uint8Array(1 << 16));
  for (let done = 0; done < bytes; done += chunk.length) {
    w.write(done + chunk.length <= bytes ? chunk : chunk.subarray(0, bytes - done));
    if (done % (8 << 20) === 0) await w.flush();
  }
  await w.end();
}

/** Runs rclone without AWS_CA_BUNDLE (set in this environment; rclone then fails on http endpoints). */
export async function rclone(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env = { ...process.env, RCLONE_CONFIG: "/dev/null" } as Record<string, string>;
  delete env.AWS_CA_BUNDLE;
  const p = Bun.spawn(["rclone", ...args], { env, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

export interface RcloneFile {
  Path: string;
  Size: number;
  ModTime: string;
}

/** The remote's files as rclone sees them (an independent reader). */
export async function rcloneFiles(remote: string): Promise<Map<string, RcloneFile>> {
  const r = await rclone("lsjson", "-R", "--files-only", remote);
  if (r.code !== 0) {
    if (/directory not found|not found/i.test(r.err)) return new Map();
    throw new Error(`rclone lsjson ${r.code}: ${r.err}`);
  }
  const list = JSON.parse(r.out) as RcloneFile[];
  return new Map(list.map((f) => [f.Path, f]));
}

/** Writes everything, queueing what the socket did not take until it drains. */
class Pipe {
  private queue: Uint8Array[] = [];
  constructor(public sock: any) {}
  write(chunk: Uint8Array) {
    if (this.queue.length) return void this.queue.push(new Uint8Array(chunk));
    const n = this.sock.write(chunk);
    if (n < chunk.length) this.queue.push(new Uint8Array(chunk.subarray(Math.max(n, 0))));
  }
  drain() {
    while (this.queue.length) {
      const c = this.queue[0]!;
      const n = this.sock.write(c);
      if (n < c.length) {
        this.queue[0] = c.subarray(Math.max(n, 0));
        return;
      }
      this.queue.shift();
    }
  }
}

/**
 * A TCP proxy on 127.0.0.1 to a real server. `down()` drops every connection and refuses new
 * ones (the server "goes away" mid-run without touching the shared server); `up()` restores it
 * on the same port.
 */
export class TcpProxy {
  private listener: { stop(force?: boolean): void; port: number } | null = null;
  private sockets = new Set<{ end(): void }>();
  port = 0;
  constructor(private target: { host: string; port: number }) {}

  up(): this {
    type Side = { out: Pipe | null; pending: Uint8Array[]; self: Pipe };
    const listener = Bun.listen<Side>({
      hostname: "127.0.0.1",
      port: this.port,
      socket: {
        open: (client) => {
          client.data = { out: null, pending: [], self: new Pipe(client) };
          this.sockets.add(client);
          Bun.connect<Side>({
            hostname: this.target.host,
            port: this.target.port,
            socket: {
              open: (server) => {
                server.data = { out: client.data.self, pending: [], self: new Pipe(server) };
                this.sockets.add(server);
                client.data.out = server.data.self;
                for (const c of client.data.pending) server.data.self.write(c);
                client.data.pending = [];
              },
              data: (server, chunk) => server.data.out!.write(chunk),
              drain: (server) => server.data.self.drain(),
              close: (server) => {
                this.sockets.delete(server);
                client.end();
              },
              error: () => void client.end(),
            },
          }).catch(() => client.end());
        },
        data: (client, chunk) => {
          if (client.data.out) client.data.out.write(chunk);
          else client.data.pending.push(new Uint8Array(chunk));
        },
        drain: (client) => client.data.self.drain(),
        close: (client) => {
          this.sockets.delete(client);
          client.data.out?.sock.end();
        },
      },
    });
    this.listener = listener;
    this.port = listener.port;
    return this;
  }

  down() {
    this.listener?.stop(true);
    this.listener = null;
    for (const s of this.sockets) s.end();
    this.sockets.clear();
  }
}
