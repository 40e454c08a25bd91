// `dynamight install-service` / `uninstall-service`: a hardened systemd unit for this binary,
// then `systemctl daemon-reload` and `enable --now` (argument arrays, never a shell). With
// `--root DIR` (or DYNAMIGHT_SERVICE_ROOT) the unit is written under DIR and systemctl is not
// called: for tests and image builds.
import { chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { type Config, loadConfig } from "../config.ts";
import { StartupError } from "../server.ts";

export const UNIT_NAME = "dynamight.service";
export const DEFAULT_SERVICE_DATA = "/var/lib/dynamight";
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;

export interface ServiceOptions {
  /** The command line that starts the server (binary, or bun + main.ts). */
  exec: string[];
  config: Config;
  user: string | null;
}

/** systemd's own quoting for one ExecStart argument ("%" doubles: it starts a specifier). */
function execArg(a: string): string {
  const v = a.replace(/%/g, "%%");
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(v) ? v : `"${v.replace(/(["\\])/g, "\\$1")}"`;
}

function checkUnitPath(p: string, what: string): string {
  if (!p.startsWith("/") || /[\s"'\\%;]/.test(p)) throw new StartupError(`${what} "${p}" must be an absolute path without spaces, quotes, backslashes, % or ;`);
  return p;
}

/** The unit's text. Hardened: the whole file system read-only but the data folder and the allowed paths. */
export function serviceUnit(o: ServiceOptions): string {
  const c = o.config;
  const data = checkUnitPath(c.dataDir, "The data folder");
  const rw = [data, ...c.allowedBrowsePaths.map((p) => checkUnitPath(p, "An allowed path"))];
  const args = [...o.exec, "serve", "--data", data, "--host", c.host, "--port", String(c.port), "--allowed-browse-paths", c.allowedBrowsePaths.join(","), "--log-level", c.logLevel];
  if (c.secureCookies) args.push("--secure-cookies");
  if (c.trustProxy) args.push("--trust-proxy");
  return `# Written by \`dynamight install-service\`; \`dynamight uninstall-service\` removes it.
[Unit]
Description=Dynamight backup manager
Documentation=https://github.com/moonwhaler/dynamight
After=network-online.target local-fs.target
Wants=network-online.target

[Service]
Type=simple
${o.user ? `User=${o.user}\n` : "# No User=: root, which mounting USB drives by UUID needs (install-service --user U for a folders-only setup).\n"}ExecStart=${args.map(execArg).join(" ")}
Restart=on-failure
RestartSec=5
# rsync and mount run as children: they go with the service (SPEC: children die with the server).
KillMode=control-group
TimeoutStopSec=30
UMask=0027
# Hardening. The data folder and the allowed paths (backup sources, USB mount points) stay
# writable; everything else is read-only. /dev stays visible: USB drives are mounted by UUID.
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${rw.map((p) => `-${p}`).join(" ")}
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectControlGroups=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
ProtectKernelLogs=yes
# Not set: MemoryDenyWriteExecute (Bun's JIT needs it), PrivateDevices and ProtectClock (they
# restrict /dev, and mounting a USB drive opens its block device), ProtectHome (sources live there).
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK

[Install]
WantedBy=multi-user.target
`;
}

/** How to start this same program: the compiled binary, or bun with its main.ts when run from source. */
export function selfExec(): string[] {
  const main = Bun.main;
  const compiled = main.startsWith("/$bunfs/") || main.startsWith("B:/~BUN/") || !/\.(ts|js)$/.test(main);
  return compiled ? [process.execPath] : [process.execPath, "run", resolve(main)];
}

interface ParsedArgs {
  user: string | null;
  root: string | null;
  binary: string | null;
  rest: string[];
}

function parse(args: string[]): ParsedArgs {
  const out: ParsedArgs = { user: null, root: process.env.DYNAMIGHT_SERVICE_ROOT || null, binary: null, rest: [] };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const take = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new StartupError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--user") out.user = take();
    else if (flag === "--root") out.root = take();
    else if (flag === "--binary") out.binary = take();
    else out.rest.push(args[i]!);
  }
  if (out.user !== null && !USER.test(out.user)) throw new StartupError(`--user "${out.user}" is not a user name`);
  return out;
}

async function run(argv: string[]): Promise<string> {
  const p = Bun.spawn(argv, { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new StartupError(`${argv.join(" ")} failed: ${err.trim() || `exit code ${code}`}`);
  return out.trim();
}

export async function installService(args: string[], log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const a = parse(args);
  const hasData = a.rest.some((x) => x === "--data" || x.startsWith("--data=")) || !!process.env.DYNAMIGHT_DATA_DIR;
  const config = loadConfig(hasData ? a.rest : [...a.rest, "--data", DEFAULT_SERVICE_DATA]);
  const exec = a.binary ? [resolve(a.binary)] : selfExec();
  const unit = serviceUnit({ exec, config, user: a.user });
  const root = a.root ? resolve(a.root) : "/";
  const unitPath = join(root, "etc/systemd/system", UNIT_NAME);
  mkdirSync(dirname(unitPath), { recursive: true });
  writeFileSync(unitPath, unit, { mode: 0o644 });
  log(`wrote ${unitPath}`);
  if (a.root) {
    log("--root given: systemctl not called");
    return 0;
  }
  // The data folder must exist for ReadWritePaths and belong to the service's user.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o750 });
  if (a.user) chownSync(config.dataDir, Number(await run(["id", "-u", a.user])), Number(await run(["id", "-g", a.user])));
  await run(["systemctl", "daemon-reload"]);
  await run(["systemctl", "enable", "--now", UNIT_NAME]);
  log(`enabled and started ${basename(UNIT_NAME, ".service")}: open http://<this machine>:${config.port}/ (logs: journalctl -u dynamight)`);
  return 0;
}

export async function uninstallService(args: string[], log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const a = parse(args);
  const root = a.root ? resolve(a.root) : "/";
  const unitPath = join(root, "etc/systemd/system", UNIT_NAME);
  if (!a.root && existsSync(unitPath)) await run(["systemctl", "disable", "--now", UNIT_NAME]);
  rmSync(unitPath, { force: true });
  log(`removed ${unitPath} (the data folder is kept)`);
  if (!a.root) await run(["systemctl", "daemon-reload"]);
  return 0;
}
