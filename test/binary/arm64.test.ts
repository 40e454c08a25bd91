// Smoke test of the arm64 executable (Raspberry Pi, 64-bit OS). On an x86-64 machine it runs under
// qemu user-mode emulation with the arm64 C library from libc6-arm64-cross; on arm64 natively.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { describeIf, missingCommand } from "../helpers/prereq.ts";
import { binaryEnv, buildBinary, emptyFolderWith, freePort, type RunningBinary, runToEnd, startServer } from "./process.ts";

const ARM64_ROOT = "/usr/aarch64-linux-gnu";
const native = process.platform === "linux" && process.arch === "arm64";

function prerequisites(): string | null {
  if (process.platform !== "linux") return "needs Linux";
  if (!native) {
    const qemu = missingCommand("qemu-aarch64-static");
    if (qemu) return `${qemu} (apt-get install qemu-user-static)`;
    if (!existsSync(join(ARM64_ROOT, "lib/ld-linux-aarch64.so.1"))) return `no arm64 C library in ${ARM64_ROOT} (apt-get install libc6-arm64-cross)`;
  }
  // Cross-compiling fetches the arm64 Bun runtime with npm once (scripts/build caches it).
  return native ? null : missingCommand("npm");
}

const run = (exe: string, ...args: string[]) => (native ? [exe, ...args] : ["qemu-aarch64-static", "-L", ARM64_ROOT, exe, ...args]);

// bun 1.4.5 ignores bunfig's [test] timeout; processes (and qemu) need more than the default 5 s.
setDefaultTimeout(90_000);

describeIf(prerequisites())("arm64 binary from an empty folder", () => {
  let folder: ReturnType<typeof emptyFolderWith>;
  let server: RunningBinary;
  const port = freePort();

  beforeAll(async () => {
    const built = buildBinary("arm64");
    console.log(built.report);
    folder = emptyFolderWith(built.path);
    // Emulated start-up takes about a second on an idle machine; allow for a busy one.
    server = await startServer(run(folder.exe), {
      cwd: folder.dir,
      env: binaryEnv(folder.dir, { PORT: String(port), HOST: "127.0.0.1" }),
      port,
      readyWithinMs: 60_000,
    });
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    folder?.remove();
  });

  test("`version` reports arm64", async () => {
    const r = await runToEnd(run(folder.exe, "version"), { cwd: folder.dir, env: binaryEnv(folder.dir), timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`dynamight ${pkg.version} `);
    expect(r.stdout).toContain("linux-arm64");
  });

  test("creates its data folder and answers health with the database ready", async () => {
    expect(statSync(join(folder.dir, "data/secret.key")).mode & 0o777).toBe(0o600);
    const body = (await (await fetch(`${server.url}/api/system/health`)).json()) as any;
    expect(body.version).toBe(pkg.version);
    expect(body.components.database).toEqual({ ready: true, error: null });
  });

  test("health answers 200", async () => {
    const res = await fetch(`${server.url}/api/system/health`);
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 200 });
  });

  test("serves the first page and its stylesheet from the binary", async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Create the admin account");
    const css = html.match(/href="(\/assets\/app\.css[^"]*)"/)?.[1];
    expect(css).toBeDefined();
    expect((await fetch(server.url + css)).status).toBe(200);
  });
});
