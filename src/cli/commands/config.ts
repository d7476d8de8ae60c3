import { loadConfig, defaultConfigPath } from '../../config/index.js';
import type { CliCommand } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';

export const configCommand: CliCommand = {
  name: 'config',
  summary: 'Validate the configuration and print the effective settings (tokens hidden)',
  usage: `Usage: schedcp config [--json]

Reads $SCHEDCP_CONFIG or ${defaultConfigPath()}, applies SCHEDCP_* environment overrides
(SCHEDCP_HTTP__PORT=8080 sets http.port; SCHEDCP_DATA_DIR sets dataDir), validates, and prints the result.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    const config = loadConfig();
    const shown = { ...config, tokens: config.tokens.map((t) => ({ name: t.name, scopes: t.scopes, token: '[hidden]' })) };
    io.out(values.json ? JSON.stringify(shown, null, 2) : `config: ${config.configPath ?? '(no file; defaults)'}\n${JSON.stringify(shown, null, 2)}`);
    return 0;
  },
};
