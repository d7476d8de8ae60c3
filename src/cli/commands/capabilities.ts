import { loadConfig } from '../../config/index.js';
import { hostCapabilities } from '../../host/index.js';
import type { CliCommand } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';

export const capabilitiesCommand: CliCommand = {
  name: 'capabilities',
  summary: 'Show what this host supports (BPF, tracepoints, sched_ext, PMU, qemu, ...) and why not',
  usage: 'Usage: schedcp capabilities [--json]',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    const result = await hostCapabilities({ cacheDir: loadConfig().cacheDir });
    if (values.json) { io.out(JSON.stringify(result, null, 2)); return 0; }
    io.out(`kernel ${result.kernelRelease}`);
    const width = Math.max(...result.capabilities.map((c) => c.name.length));
    for (const c of result.capabilities) io.out(`  ${c.available ? 'yes' : ' no'}  ${c.name.padEnd(width)}  ${c.detail}`);
    return 0;
  },
};
