// Subcommands beyond `serve`. Each takes the same options as serve (for --data) after its own arguments.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { describeReset, promptNewPassword, ResetPasswordError, resetPassword } from "../auth/reset-password.ts";
import { loadConfig } from "../config.ts";
import { silentLogger } from "../logger.ts";
import { buildContext, StartupError } from "../server.ts";
import { installService, uninstallService } from "./service.ts";

export interface Command {
  name: string;
  usage: string;
  help: string;
  run(args: string[]): Promise<number>;
}

function splitPositional(args: string[]): [string[], string[]] {
  const positional: string[] = [];
  let i = 0;
  while (i < args.length && !args[i]!.startsWith("-")) positional.push(args[i++]!);
  return [positional, args.slice(i)];
}

export const COMMANDS: Command[] = [
  {
    name: "reset-password",
    usage: "reset-password USER",
    help: "set a new password for USER (asked on stdin, or DYNAMIGHT_NEW_PASSWORD), turn off 2FA, end all sessions",
    async run(args) {
      const [[username], opts] = splitPositional(args);
      if (!username) throw new StartupError("reset-password needs the USER whose password to reset");
      const ctx = buildContext(loadConfig(opts), silentLogger);
      try {
        const password = process.env.DYNAMIGHT_NEW_PASSWORD ?? (await promptNewPassword());
        process.stdout.write(describeReset(await resetPassword(ctx.db, username, password)));
      } catch (err) {
        if (err instanceof ResetPasswordError) throw new StartupError(err.message);
        throw err;
      } finally {
        ctx.db.$client.close();
      }
      return 0;
    },
  },
  {
    name: "backup-db",
    usage: "backup-db FILE",
    help: "write a consistent copy of the database to FILE",
    async run(args) {
      const [[file], opts] = splitPositional(args);
      if (!file) throw new StartupError("backup-db needs a FILE to write");
      const target = resolve(file);
      if (existsSync(target)) throw new StartupError(`${target} already exists; choose a new file name`);
      const ctx = buildContext(loadConfig(opts), silentLogger);
      try {
        ctx.db.$client.query("VACUUM INTO ?").run(target);
      } finally {
        ctx.db.$client.close();
      }
      process.stdout.write(`database copied to ${target}\n`);
      return 0;
    },
  },
  {
    name: "install-service",
    usage: "install-service [--user U]",
    help: "write a hardened systemd unit (data in /var/lib/dynamight unless --data) and enable --now it (--root DIR: write only)",
    run: (args) => installService(args),
  },
  {
    name: "uninstall-service",
    usage: "uninstall-service",
    help: "disable and remove the systemd unit (the data folder is kept)",
    run: (args) => uninstallService(args),
  },
];
