// `schedcp analyze <sub>`: the analysis engine from the shell, calling the same functions as the MCP tools.
import { createApp, type App } from '../../app.js';
import {
  compareToBaseline, currentSignals, listBaselines, listProbes, perfProfile, runProbe, runWorkload, saveBaseline, signalsSince,
  straceProfile, systemSummary, workloadCatalog,
} from '../../analysis/index.js';
import { PERF_SUBCOMMANDS, type PerfSubcommand } from '../../analysis/sandbox/perf.js';
import { SchedcpError, quote } from '../../errors.js';
import type { CliCommand, CliIo } from '../command.js';
import { parseCommandArgs } from '../parse-args.js';

const SUBCOMMANDS = ['summary', 'signals', 'probes', 'probe', 'perf', 'strace', 'workload', 'workloads', 'baseline', 'compare'] as const;

const USAGE = `Usage: schedcp analyze <subcommand> [options]
  summary   [--level 0|1|2] [--window-ms N] [--top N] [--comm NAME] [--json]
  signals   [--window-ms N] [--since-minutes N] [--json]
  probes                                  list the eBPF probes
  probe     NAME [--duration S] [--pid P] [--comm C] [--cgroup DIR] [--top N] [--json]
  perf      ${PERF_SUBCOMMANDS.join('|')} (--pid P | --all) [--duration S] [--event E]... [--json]
  strace    (--pid P | --workload NAME) [--mode summary|trace] [--duration S] [--syscall S]... [--json]
  workloads                               list workloads and their parameters
  workload  NAME [--trials N] [--param key=value]... [--save-as BASELINE] [--replace] [--json]
  baseline  list | save NAME RUN_ID [--replace]
  compare   BASELINE RUN_ID [--min-effect-pct N] [--json]`;

function int(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new SchedcpError('invalid_argument', `${flag} ${quote(value)} must be an integer in ${min}..${max}.`);
  return n;
}

function num(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new SchedcpError('invalid_argument', `${flag} ${quote(value)} must be a positive number.`);
  return n;
}

const print = (io: CliIo, json: boolean | undefined, value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());

async function dispatch(sub: string, rest: string[], io: CliIo, app: App, signal: AbortSignal): Promise<number> {
  const common = { json: { type: 'boolean' as const } };
  switch (sub) {
    case 'summary': {
      const { values } = parseCommandArgs(rest, { ...common, level: { type: 'string' }, 'window-ms': { type: 'string' }, top: { type: 'string' }, comm: { type: 'string' } });
      const level = (int(values.level, '--level', 0, 2) ?? 0) as 0 | 1 | 2;
      const r = await systemSummary(app, {
        level, windowMs: int(values['window-ms'], '--window-ms', 0, 60_000) ?? (level === 0 ? 200 : 1000), topN: int(values.top, '--top', 1, 200) ?? 10, signal,
        ...(values.comm !== undefined && { filter: { comm: values.comm } }),
      });
      print(io, values.json, r, () => r.digest.join('\n'));
      return 0;
    }
    case 'signals': {
      const { values } = parseCommandArgs(rest, { ...common, 'window-ms': { type: 'string' }, 'since-minutes': { type: 'string' } });
      const current = await currentSignals(app, { windowMs: int(values['window-ms'], '--window-ms', 100, 60_000) ?? 1000, signal });
      const since = values['since-minutes'] !== undefined ? new Date(Date.now() - (num(values['since-minutes'], '--since-minutes') ?? 0) * 60_000).toISOString() : undefined;
      const history = since ? signalsSince(app, { sinceIso: since }) : undefined;
      print(io, values.json, { current, history }, () => [
        ...current.map((s) => `${s.severity.padEnd(8)} ${s.score.toFixed(2)}  ${s.summary}`),
        ...(history ? history.trends.map((t) => `trend ${t.name}: ${t.first.severity} → ${t.last.severity}, max ${t.maxSeverity} (${t.samples} samples)`) : []),
      ].join('\n'));
      return 0;
    }
    case 'probes':
      for (const p of listProbes()) io.out(`${p.name.padEnd(11)} ${p.title}: ${p.description}`);
      return 0;
    case 'probe': {
      const { values, positionals } = parseCommandArgs(rest, { ...common, duration: { type: 'string' }, pid: { type: 'string' }, comm: { type: 'string' }, cgroup: { type: 'string' }, top: { type: 'string' } }, true);
      if (positionals.length !== 1) throw new SchedcpError('invalid_argument', `analyze probe needs exactly one probe name; available: ${listProbes().map((p) => p.name).join(', ')}.`);
      const pid = int(values.pid, '--pid', 1, 2 ** 22);
      const r = await runProbe(app, {
        name: positionals[0]!, durationS: num(values.duration, '--duration') ?? 5, topN: int(values.top, '--top', 1, 500) ?? 20,
        ...(pid !== undefined && { pid }), ...(values.comm !== undefined && { comm: values.comm }), ...(values.cgroup !== undefined && { cgroup: values.cgroup }),
      }, { signal, onProgress: (_d, _t, message) => { if (!values.json) io.err(message); } });
      print(io, values.json, r, () => `${r.probe} via ${r.attach}: ${r.overhead.runCount} events, ${r.overhead.nsPerEvent} ns/event\n${JSON.stringify(r.data, null, 2)}`);
      return 0;
    }
    case 'perf': {
      const { values, positionals } = parseCommandArgs(rest, { ...common, pid: { type: 'string' }, all: { type: 'boolean' }, duration: { type: 'string' }, event: { type: 'string', multiple: true } }, true);
      if (positionals.length !== 1 || !PERF_SUBCOMMANDS.includes(positionals[0] as PerfSubcommand)) throw new SchedcpError('invalid_argument', `analyze perf needs one of: ${PERF_SUBCOMMANDS.join(', ')}.`);
      const pid = int(values.pid, '--pid', 1, 2 ** 22);
      const r = await perfProfile(app, {
        subcommand: positionals[0] as PerfSubcommand, durationS: num(values.duration, '--duration') ?? 5, systemWide: values.all ?? false,
        ...(pid !== undefined && { pid }), ...(values.event && { events: values.event }),
      }, { signal });
      print(io, values.json, r, () => JSON.stringify(r, null, 2));
      return 0;
    }
    case 'strace': {
      const { values } = parseCommandArgs(rest, { ...common, pid: { type: 'string' }, workload: { type: 'string' }, mode: { type: 'string' }, duration: { type: 'string' }, syscall: { type: 'string', multiple: true } });
      if (values.mode !== undefined && values.mode !== 'summary' && values.mode !== 'trace') throw new SchedcpError('invalid_argument', `--mode ${quote(values.mode)}: use summary or trace.`);
      const pid = int(values.pid, '--pid', 1, 2 ** 22);
      const r = await straceProfile(app, {
        mode: (values.mode ?? 'summary') as 'summary' | 'trace', durationS: num(values.duration, '--duration') ?? 3,
        ...(pid !== undefined && { pid }), ...(values.workload !== undefined && { workload: values.workload }), ...(values.syscall && { syscalls: values.syscall }),
      }, { signal });
      print(io, values.json, r, () => JSON.stringify(r, null, 2));
      return 0;
    }
    case 'workloads':
      for (const w of workloadCatalog(app)) io.out(`${w.name.padEnd(15)} ${w.description}\n${Object.entries(w.params).map(([k, p]) => `    ${k}=${p.default} (${p.min}..${p.max}) ${p.description}`).join('\n')}`);
      return 0;
    case 'workload': {
      const { values, positionals } = parseCommandArgs(rest, { ...common, trials: { type: 'string' }, param: { type: 'string', multiple: true }, 'save-as': { type: 'string' }, replace: { type: 'boolean' } }, true);
      if (positionals.length !== 1) throw new SchedcpError('invalid_argument', `analyze workload needs one workload name; available: ${workloadCatalog(app).map((w) => w.name).join(', ')}.`);
      const params: Record<string, string> = {};
      for (const p of values.param ?? []) {
        const m = /^([a-z_]+)=(.+)$/.exec(p);
        if (!m) throw new SchedcpError('invalid_argument', `--param ${quote(p)} must look like key=value.`);
        params[m[1]!] = m[2]!;
      }
      const run = await runWorkload(app, { workload: positionals[0]!, trials: int(values.trials, '--trials', 1, 50) ?? 5, params, signal, onProgress: (_d, _t, m) => { if (!values.json) io.err(m); } });
      const saved = values['save-as'] ? saveBaseline(app, values['save-as'], run.id, { replace: values.replace ?? false }) : undefined;
      print(io, values.json, { run, baseline: saved }, () => `run ${run.id} ${run.workload}: ${run.primaryMetric} p50 ${run.summary[run.primaryMetric]?.p50.toFixed(2)} (trials ${run.trials.length})${saved ? `; saved as baseline ${saved.name}` : ''}`);
      return 0;
    }
    case 'baseline': {
      const { values, positionals } = parseCommandArgs(rest, { replace: { type: 'boolean' } }, true);
      if (positionals[0] === 'list') { for (const b of listBaselines(app)) io.out(`${b.name}  run ${b.runId}  ${b.workload}  ${b.createdAt}`); return 0; }
      if (positionals[0] === 'save' && positionals.length === 3) {
        const b = saveBaseline(app, positionals[1]!, int(positionals[2], 'RUN_ID', 1, Number.MAX_SAFE_INTEGER)!, { replace: values.replace ?? false });
        io.out(`baseline ${b.name} → run ${b.runId} (${b.workload})`);
        return 0;
      }
      throw new SchedcpError('invalid_argument', 'Use `analyze baseline list` or `analyze baseline save NAME RUN_ID [--replace]`.');
    }
    case 'compare': {
      const { values, positionals } = parseCommandArgs(rest, { ...common, 'min-effect-pct': { type: 'string' } }, true);
      if (positionals.length !== 2) throw new SchedcpError('invalid_argument', 'analyze compare needs BASELINE RUN_ID.');
      const r = compareToBaseline(app, { baseline: positionals[0]!, runId: int(positionals[1], 'RUN_ID', 1, Number.MAX_SAFE_INTEGER)!, minEffectPct: num(values['min-effect-pct'], '--min-effect-pct') ?? 5 });
      print(io, values.json, r, () => r.summary);
      return r.comparison.verdict === 'worse' ? 1 : 0;
    }
    default:
      throw new SchedcpError('invalid_argument', `Unknown analyze subcommand ${quote(sub)}; allowed: ${SUBCOMMANDS.join(', ')}.`);
  }
}

export const analyzeCommand: CliCommand = {
  name: 'analyze',
  summary: 'Workload analysis: summaries, signals, eBPF probes, perf/strace, workloads and baselines',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (!sub || sub === '--help' || sub === '-h') { io.out(USAGE); return sub ? 0 : 2; }
    if (!(SUBCOMMANDS as readonly string[]).includes(sub)) throw new SchedcpError('invalid_argument', `Unknown analyze subcommand ${quote(sub)}; allowed: ${SUBCOMMANDS.join(', ')}.`);
    const app = createApp();
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    try {
      return await dispatch(sub, rest, io, app, controller.signal);
    } finally {
      process.off('SIGINT', onSigint);
      await app.close();
    }
  },
};
