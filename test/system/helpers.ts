// Shared by the System tests: an authenticated test app with its own allowed paths, and the
// fake USB drive (scripts/peers/usb.sh) with a per-test base folder and UUID.
import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashApiKey } from "../../src/auth/guard.ts";
import { apiKeys, users } from "../../src/db/schema.ts";
import { testApp } from "../helpers/app.ts";

const SCRIPT = join(import.meta.dir, "../../scripts/peers/usb.sh");

/** A temp folder with real path (no /tmp symlink surprises in assertions). */
export function tempDir(prefix: string): string {
  return realpathSync(mkdtempSync(join(tmpdir(), prefix)));
}

/** testApp with `allowedBrowsePaths` and a write API key sent on every request. */
export async function systemApp(allowedBrowsePaths: string[]) {
  const t = testApp({ config: { allowedBrowsePaths } });
  const user = t.ctx.db.insert(users).values({ username: "admin", passwordHash: "x" }).returning().get();
  const key = `dm_${crypto.randomUUID().replaceAll("-", "")}`;
  t.ctx.db
    .insert(apiKeys)
    .values({ userId: user.id, name: "tests", prefix: key.slice(0, 8), keyHash: await hashApiKey(key), scope: "write" })
    .run();
  const headers = { "x-api-key": key };
  const call = <T = any>(method: string, path: string, body?: unknown) => t.client.json<T>(method, path, { body, headers });
  return { ...t, call, key };
}

export interface UsbDrive {
  base: string;
  uuid: string;
  dev: string;
  image: string;
  detach(): Promise<void>;
  attach(): Promise<string>;
  stop(): Promise<void>;
}

async function usb(base: string, env: Record<string, string>, action: string): Promise<Record<string, string>> {
  const proc = Bun.spawn(["bash", SCRIPT, action], { env: { ...process.env, USB_BASE: base, ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`usb.sh ${action} failed (${code}): ${err}`);
  return Object.fromEntries(
    out
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** Creates and attaches a fresh image with a random UUID (USB_FS: ext4 by default). */
export async function startUsb(opts: { fs?: string; label?: string } = {}): Promise<UsbDrive> {
  const base = tempDir("dm-usb-");
  const uuid = crypto.randomUUID();
  const env = { USB_UUID: uuid, USB_FS: opts.fs ?? "ext4", USB_LABEL: opts.label ?? "DMTEST" };
  const info = await usb(base, env, "start");
  const drive: UsbDrive = {
    base,
    uuid,
    dev: info.dev!,
    image: info.image!,
    detach: async () => void (await usb(base, env, "detach")),
    attach: async () => (drive.dev = (await usb(base, env, "attach")).dev!),
    stop: async () => void (await usb(base, env, "stop")),
  };
  return drive;
}

/** Runs a command (test-side checks only), returning its exit code and output. */
export async function sh(argv: string[]): Promise<{ code: number; out: string }> {
  const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, out: out + err };
}

export const silentReport = () => {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    log(level: string, message: string) {
      lines.push({ level, message });
    },
    progress() {},
  };
};
