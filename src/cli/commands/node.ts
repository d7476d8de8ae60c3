// `schedcp node start|stop|status|list`: node VMs for the deployer (same functions as the tools).
import { createApp } from '../../app.js';
import { SchedcpError, quote } from '../../errors.js';
import { listNodes, startNode, stopNode } from '../../deployer/index.js';
import { EXIT, type CliCommand } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';

const USAGE = `Usage:
  schedcp node start NAME [--cpus N] [--memory-mib M] [--batch-workers N] [--interval-ms MS] [--json]
      Boot a long-running node VM (detached; it outlives this command) and wait for its agent.
  schedcp node stop NAME        Stop it and remove its state dir (refused during a deployment).
  schedcp node status NAME [--json]
  schedcp node list [--json]`;

function num(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new SchedcpError('invalid_argument', `${flag} ${quote(v)} is not a whole number.`);
  return Number(v);
}

export const nodeCommand: CliCommand = {
  name: 'node',
  summary: 'Manage deploy nodes (long-running sched_ext VMs with the node agent)',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseCommandArgs(rest, {
      cpus: { type: 'string' }, 'memory-mib': { type: 'string' }, 'batch-workers': { type: 'string' }, 'interval-ms': { type: 'string' }, json: { type: 'boolean' },
    }, true);
    const name = positionals[0];
    if (!sub || !['start', 'stop', 'status', 'list'].includes(sub) || (sub !== 'list' && !name)) { io.err(USAGE); return EXIT.usage; }
    const app = createApp();
    try {
      let result: unknown;
      if (sub === 'start') {
        const opts = { cpus: num(values.cpus, '--cpus'), memoryMiB: num(values['memory-mib'], '--memory-mib'), batchWorkers: num(values['batch-workers'], '--batch-workers'), intervalMs: num(values['interval-ms'], '--interval-ms') };
        result = await startNode(app, name!, Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)));
      } else if (sub === 'stop') result = await stopNode(app, name!);
      else {
        const nodes = await listNodes(app);
        result = sub === 'list' ? nodes : nodes.find((n) => n.name === name);
        if (result === undefined) throw new SchedcpError('not_found', `No node named ${quote(name)}.`);
      }
      if (values.json) io.out(JSON.stringify(result, null, 2));
      else for (const n of Array.isArray(result) ? result : [result]) io.out(JSON.stringify(n));
      return EXIT.ok;
    } finally {
      await app.close();
    }
  },
};
