import { createApp } from '../../app.js';
import { SchedcpError, quote } from '../../errors.js';
import type { CliCommand } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'Show recent audited tool calls',
  usage: 'Usage: schedcp audit [--tool NAME] [--limit N] [--json]',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { tool: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } });
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new SchedcpError('invalid_argument', `--limit ${quote(values.limit)} must be an integer from 1 to 1000.`);
    const app = createApp();
    try {
      const rows = app.audit.query({ tool: values.tool, limit });
      if (values.json) { io.out(JSON.stringify(rows, null, 2)); return 0; }
      for (const r of rows) io.out(`${r.ts}  ${r.caller.padEnd(12)} ${r.tool.padEnd(22)} ${r.outcome.padEnd(12)} ${r.durationMs.toFixed(0).padStart(6)} ms${r.justification ? `  "${r.justification}"` : ''}`);
      if (rows.length === 0) io.out('(no audited calls yet)');
      return 0;
    } finally {
      await app.close();
    }
  },
};
