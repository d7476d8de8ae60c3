// Sandboxed perf: allow-listed subcommands and options only, built into an argv (never a shell),
// run in bubblewrap with the few capabilities perf needs, and parsed into compact results. Pure
// parts (validation, argv, parsers) are exported for unit tests; runPerf is the I/O shell.
import { SchedcpError, quote } from '../../errors.js';

export const PERF_SUBCOMMANDS = ['stat', 'sched_latency', 'sched_timehist', 'record'] as const;
export type PerfSubcommand = (typeof PERF_SUBCOMMANDS)[number];

export const SOFTWARE_EVENTS = ['task-clock', 'cpu-clock', 'context-switches', 'cpu-migrations', 'page-faults', 'minor-faults', 'major-faults', 'alignment-faults', 'emulation-faults'] as const;
export const HARDWARE_EVENTS = ['cycles', 'instructions', 'branches', 'branch-misses', 'cache-references', 'cache-misses', 'stalled-cycles-frontend', 'stalled-cycles-backend'] as const;
/** Extra flags an agent may add, per subcommand. Everything else is refused. */
export const PERF_EXTRA_FLAGS: Record<PerfSubcommand, readonly string[]> = {
  stat: ['--no-aggr', '--per-core', '--per-socket', '--no-inherit'],
  sched_latency: ['--sort=max', '--sort=avg', '--sort=runtime', '--sort=switch'],
  sched_timehist: ['--summary', '--wakeups', '--migrations', '--state'],
  record: ['--no-inherit', '--all-user', '--all-kernel'],
};

export interface PerfRequest {
  subcommand: PerfSubcommand;
  pid?: number;
  systemWide?: boolean;
  durationS: number;
  events?: string[];
  frequencyHz?: number;
  callGraph?: 'fp' | 'dwarf' | 'none';
  extraFlags?: string[];
  maxDataMiB?: number;
  topN?: number;
}

export function validatePerf(req: PerfRequest, hasHardwarePmu: boolean): void {
  if (!PERF_SUBCOMMANDS.includes(req.subcommand)) throw new SchedcpError('invalid_argument', `perf subcommand ${quote(req.subcommand)} is not allowed; allowed: ${PERF_SUBCOMMANDS.join(', ')}.`);
  if ((req.pid === undefined) === !req.systemWide) throw new SchedcpError('invalid_argument', 'Give exactly one target: pid, or system_wide=true.');
  if (req.subcommand.startsWith('sched') && req.pid !== undefined) throw new SchedcpError('invalid_argument', `perf ${req.subcommand} records the whole system's scheduler events; use system_wide=true (filter the result by pid instead).`);
  const allowed = PERF_EXTRA_FLAGS[req.subcommand];
  for (const flag of req.extraFlags ?? []) {
    if (!allowed.includes(flag)) throw new SchedcpError('invalid_argument', `perf ${req.subcommand} flag ${quote(flag)} is not allowed; allowed extra flags: ${allowed.join(', ') || 'none'}.`);
  }
  if (req.events && req.subcommand !== 'stat' && req.subcommand !== 'record') throw new SchedcpError('invalid_argument', `events apply to perf stat and perf record only, not ${req.subcommand}.`);
  const usable: string[] = [...SOFTWARE_EVENTS, ...(hasHardwarePmu ? HARDWARE_EVENTS : [])];
  for (const ev of req.events ?? []) {
    if ((HARDWARE_EVENTS as readonly string[]).includes(ev) && !hasHardwarePmu) {
      throw new SchedcpError('unsupported', `perf event ${quote(ev)} needs a hardware PMU, which this host lacks (virtualized); use software events: ${SOFTWARE_EVENTS.join(', ')}.`);
    }
    if (!usable.includes(ev)) throw new SchedcpError('invalid_argument', `perf event ${quote(ev)} is not allowed; allowed: ${usable.join(', ')}.`);
  }
  if (req.frequencyHz !== undefined && (req.frequencyHz < 1 || req.frequencyHz > 999)) throw new SchedcpError('limit_exceeded', `frequency_hz ${req.frequencyHz} must be 1..999 (higher rates perturb the target).`);
  if (req.maxDataMiB !== undefined && (req.maxDataMiB < 1 || req.maxDataMiB > 256)) throw new SchedcpError('limit_exceeded', `max_data_mib ${req.maxDataMiB} must be 1..256.`);
}

/** argv for the recording step; `dataFile` lives in the writable sandbox directory. */
export function perfRecordArgs(req: PerfRequest, dataFile: string): string[] {
  const target = req.pid !== undefined ? ['-p', String(req.pid)] : ['-a'];
  const seconds = String(req.durationS);
  switch (req.subcommand) {
    case 'stat':
      return ['stat', '-x', ',', '-e', (req.events?.length ? req.events : ['task-clock', 'context-switches', 'cpu-migrations', 'page-faults']).join(','),
        ...(req.extraFlags ?? []), ...target, '--timeout', String(Math.round(req.durationS * 1000))];
    case 'sched_latency':
    case 'sched_timehist':
      return ['sched', 'record', '-o', dataFile, '--', 'sleep', seconds];
    case 'record': {
      const cg = req.callGraph ?? 'fp';
      return ['record', '-F', String(req.frequencyHz ?? 99), '-e', (req.events?.length ? req.events : ['cpu-clock']).join(','),
        ...(cg === 'none' ? [] : ['--call-graph', cg === 'dwarf' ? 'dwarf,16384' : 'fp']), '--max-size', `${req.maxDataMiB ?? 64}M`, '--no-buildid-cache',
        ...(req.extraFlags ?? []), '-o', dataFile, ...target, '--', 'sleep', seconds];
    }
  }
}

/** argv for the report step (runs on the recorded file, no privileges needed). */
export function perfReportArgs(req: PerfRequest, dataFile: string): string[] | undefined {
  switch (req.subcommand) {
    case 'stat': return undefined;
    case 'sched_latency': return ['sched', 'latency', '-i', dataFile, ...(req.extraFlags ?? [])];
    case 'sched_timehist': return ['sched', 'timehist', '-i', dataFile, '--summary', ...(req.extraFlags ?? []).filter((f) => f !== '--summary')];
    case 'record': return ['report', '-i', dataFile, '--stdio', '--no-children', '--sort', 'comm,dso,sym', '-g', 'none', '--percent-limit', '0.5'];
  }
}

export interface PerfCounter { event: string; value: number | null; unit: string; runPct: number; derived?: string }

/** perf stat -x, lines: value,unit,event,run_time,run_pct,metric_value,metric_unit */
export function parsePerfStatCsv(text: string): PerfCounter[] {
  const out: PerfCounter[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(',');
    if (f.length < 5 || line.startsWith('#')) continue;
    const [value, unit, event, , runPct, metricValue, metricUnit] = f;
    if (!event) continue;
    const counter: PerfCounter = { event: event.trim(), value: /^[\d.]+$/.test(value!.trim()) ? Number(value) : null, unit: unit!.trim(), runPct: Number(runPct) || 0 };
    if (metricValue && metricUnit) counter.derived = `${metricValue.trim()} ${metricUnit.trim()}`;
    out.push(counter);
  }
  return out;
}

export interface SchedLatencyRow { task: string; runtimeMs: number; switches: number; avgDelayMs: number; maxDelayMs: number }

export function parseSchedLatency(text: string): { tasks: SchedLatencyRow[]; totalRuntimeMs?: number; totalSwitches?: number } {
  const tasks: SchedLatencyRow[] = [];
  let totalRuntimeMs: number | undefined;
  let totalSwitches: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^\s*(.+?)\s*\|\s*([\d.]+) ms\s*\|\s*(\d+)\s*\|\s*avg:\s*([\d.]+) ms\s*\|\s*max:\s*([\d.]+) ms/.exec(line);
    if (m) tasks.push({ task: m[1]!, runtimeMs: Number(m[2]), switches: Number(m[3]), avgDelayMs: Number(m[4]), maxDelayMs: Number(m[5]) });
    const t = /TOTAL:\s*\|\s*([\d.]+) ms\s*\|\s*(\d+)/.exec(line);
    if (t) { totalRuntimeMs = Number(t[1]); totalSwitches = Number(t[2]); }
  }
  return { tasks, ...(totalRuntimeMs !== undefined && { totalRuntimeMs }), ...(totalSwitches !== undefined && { totalSwitches }) };
}

export interface TimehistRow { task: string; tid: string; switches: number; runtimeMs: number; minMs: number; avgMs: number; maxMs: number; stddevPct: number }

/** perf sched timehist --summary: the per-task runtime table plus the totals. */
export function parseSchedTimehist(text: string): { tasks: TimehistRow[]; totals: Record<string, number> } {
  const tasks: TimehistRow[] = [];
  const totals: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+?)\[([\d/]+)\]\s+\d+\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(line);
    if (m) tasks.push({ task: m[1]!, tid: m[2]!, switches: Number(m[3]), runtimeMs: Number(m[4]), minMs: Number(m[5]), avgMs: Number(m[6]), maxMs: Number(m[7]), stddevPct: Number(m[8]) });
    const u = /Total number of unique tasks:\s*(\d+)/.exec(line); if (u) totals.uniqueTasks = Number(u[1]);
    const c = /Total number of context switches:\s*(\d+)/.exec(line); if (c) totals.contextSwitches = Number(c[1]);
    const r = /Total run time \(msec\):\s*([\d.]+)/.exec(line); if (r) totals.runTimeMs = Number(r[1]);
  }
  return { tasks, totals };
}

export interface HotSymbol { overheadPct: number; comm: string; dso: string; symbol: string }

/** perf report --stdio --sort comm,dso,sym -g none */
export function parsePerfReport(text: string): { samples?: number; symbols: HotSymbol[] } {
  const symbols: HotSymbol[] = [];
  let samples: number | undefined;
  for (const line of text.split('\n')) {
    const s = /^# Samples: (\d+)/.exec(line); if (s) samples = Number(s[1]);
    const m = /^\s+([\d.]+)%\s+(\S+)\s+(\S+)\s+\[[.kgu]\]\s+(.+?)\s*$/.exec(line);
    if (m) symbols.push({ overheadPct: Number(m[1]), comm: m[2]!, dso: m[3]!, symbol: m[4]! });
  }
  return samples === undefined ? { symbols } : { samples, symbols };
}
