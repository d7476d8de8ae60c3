#!/usr/bin/env node
// `schedcp <command> [args]`: dispatches to the command registry; every command works without a
// running server.
import { SCHEDCP_VERSION } from '../server/version.js';
import { isSchedcpError } from '../errors.js';
import { EXIT, type CliIo } from './command.js';
import { commands } from './commands/index.js';

const io: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

async function help(): Promise<string> {
  const all = await Promise.all(commands.map((c) => c.load())); // the summaries live in each module
  const width = Math.max(...all.map((c) => c.name.length));
  return [
    `schedcp ${SCHEDCP_VERSION}: a safe API for Linux OS optimization (MCP server and tools)`,
    '',
    'Usage: schedcp <command> [options]   (schedcp <command> --help for details)',
    '',
    ...all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') { io.out(await help()); return name ? EXIT.ok : EXIT.usage; }
  if (name === '--version' || name === '-V') { io.out(SCHEDCP_VERSION); return EXIT.ok; }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.err(`schedcp: unknown command "${name}". Commands: ${commands.map((c) => c.name).join(', ')}.`);
    return EXIT.usage;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) { io.out(command.usage); return EXIT.ok; }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (isSchedcpError(error)) {
      io.err(`schedcp ${name}: ${error.code}: ${error.message}`);
      return error.code === 'invalid_argument' ? EXIT.usage : EXIT.failure;
    }
    io.err(`schedcp ${name}: ${(error as Error).stack ?? String(error)}`);
    return EXIT.infrastructure;
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
