#!/usr/bin/env bun
import { COMMANDS } from "./cli/commands.ts";
// The `dynamight` command. No arguments means `serve`.
import { ConfigError, loadConfig, optionsHelp } from "./config.ts";
import { DatabaseOpenError } from "./db/client.ts";
import { StartupError, serve } from "./server.ts";
import { VERSION } from "./version.ts";

const USAGE = `Dynamight ${VERSION}: self-hosted backup manager

Usage:
  dynamight [serve] [options]       start the server (the default)
${COMMANDS.map((c) => `  dynamight ${c.usage.padEnd(23)} ${c.help}`).join("\n")}
  dynamight version                 print the version
  dynamight help                    this text

Options (flags win over environment variables):
${optionsHelp()}
  TZ                             time zone for schedules without their own (env only)
`;

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (first === "version" || first === "--version" || first === "-v") {
    process.stdout.write(`dynamight ${VERSION} (bun ${Bun.version}, ${process.platform}-${process.arch})\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (command) return command.run(rest);
  if (first !== undefined && first !== "serve" && !first.startsWith("-")) {
    process.stderr.write(`dynamight: unknown command "${first}" (see dynamight --help)\n`);
    return 2;
  }
  const args = first === "serve" ? rest : argv;
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = loadConfig(args);
  const server = await serve(config);
  const shutdown = async (signal: string) => {
    server.ctx.logger.info(`received ${signal}, shutting down`);
    await server.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError || err instanceof StartupError || err instanceof DatabaseOpenError) {
      process.stderr.write(`dynamight: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`dynamight: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
