// The shape of one `schedcp <command>`: components add a file under commands/ and a line to the
// registry. Commands call the same component functions the MCP tools call.
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface CliCommand {
  name: string;
  /** One line for `schedcp --help`. */
  summary: string;
  /** Full usage text for `schedcp <name> --help`. */
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[], io: CliIo): Promise<number>;
}

/** Exit codes shared by every command; `schedcp verify` adds its own stage-specific ones. */
export const EXIT = { ok: 0, failure: 1, usage: 2, infrastructure: 70 } as const;
