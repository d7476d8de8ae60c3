import { join } from 'node:path';
import { createApp } from '../../app.js';
import { SchedcpError, quote } from '../../errors.js';
import { tuningOf } from '../../tuning/index.js';
import { parseIntFlag, parseSetFlags } from '../../tuning/cli-args.js';
import { runEval } from '../../tuning/eval.js';
import type { CliCommand } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';

export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'Measure a tuning plan: workload trials before/after, ablation, sweep curve; CSV + SVG',
  usage: `Usage: schedcp eval --workload NAME [--trials N] --set KEY=VALUE... [--ablation]
                    [--sweep KEY=V1,V2,... --x-metric M --y-metric M] [--target T] [--out DIR] [--json]

Runs NAME (a workload of the analysis component) N times (default 5) on the current settings, then
under the plan, under each change alone (--ablation) and under each sweep value, rolling back after
each condition. Reports median, p95 and % change with a 95% bootstrap CI per metric; writes eval.csv,
plan.svg, ablation.svg and curve.svg (e.g. --sweep kernel.sched_base_slice_ns=1500000,3000000
--x-metric wakeup_latency_p95_us --y-metric fairness) into DIR (default <dataDir>/tuning/eval-<time>).
Live writes: needs config.tuning.liveApply=true and root; use --target netns:<name> for net.* only.`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      workload: { type: 'string' }, trials: { type: 'string' }, set: { type: 'string', multiple: true }, ablation: { type: 'boolean' },
      sweep: { type: 'string' }, 'x-metric': { type: 'string' }, 'y-metric': { type: 'string' }, target: { type: 'string' },
      out: { type: 'string' }, json: { type: 'boolean' },
    });
    if (!values.workload) throw new SchedcpError('invalid_argument', '--workload NAME is required.');
    const trials = parseIntFlag('trials', values.trials, 1, 100, 5)!;
    let sweep: { key: string; values: string[]; xMetric: string; yMetric: string } | undefined;
    if (values.sweep) {
      const eq = values.sweep.indexOf('=');
      if (eq <= 0) throw new SchedcpError('invalid_argument', `--sweep ${quote(values.sweep)} must look like KEY=V1,V2,...`);
      if (!values['x-metric'] || !values['y-metric']) throw new SchedcpError('invalid_argument', '--sweep needs --x-metric and --y-metric (the two metrics the curve plots).');
      sweep = { key: values.sweep.slice(0, eq), values: values.sweep.slice(eq + 1).split(',').map((v) => v.trim()).filter(Boolean), xMetric: values['x-metric'], yMetric: values['y-metric'] };
    }
    const app = createApp();
    try {
      const outDir = values.out ?? join(app.config.dataDir, 'tuning', `eval-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      const report = await runEval(tuningOf(app), {
        workload: values.workload, trials, changes: parseSetFlags(values.set), ablation: Boolean(values.ablation), outDir,
        ...(sweep && { sweep }), ...(values.target && { target: values.target }),
        onProgress: (done, total, message) => io.err(`[${done}/${total}] ${message}`),
      });
      if (values.json) { io.out(JSON.stringify(report, null, 2)); return 0; }
      io.out(`${'condition'.padEnd(40)} ${'metric'.padEnd(24)} ${'median'.padStart(12)} ${'p95'.padStart(12)} ${'change'.padStart(9)}  95% CI`);
      for (const r of report.rows) {
        io.out(`${r.condition.padEnd(40)} ${r.metric.padEnd(24)} ${r.median.toPrecision(6).padStart(12)} ${r.p95.toPrecision(6).padStart(12)} ${r.verdict === 'baseline' ? '        -' : `${r.changePct.toFixed(2).padStart(8)}%`}  ${r.verdict === 'baseline' ? '' : `[${r.ciLowPct.toFixed(2)}, ${r.ciHighPct.toFixed(2)}] ${r.verdict}`}`);
      }
      io.out(`files: ${report.files.join(', ')}`);
      return 0;
    } finally {
      await app.close();
    }
  },
};
