// Subcommands beyond `serve`. Each takes the same options as serve (for --data) after its own arguments.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig } from "../config.ts";
import { buildContext, StartupError } from "../server.ts";
import { silentLogger } from "../logger.ts";

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
];

