// Named workloads for the feedback channel: how each is invoked, its parameters (with bounds), its
// metrics and which one decides "better". Pure: command lines and output parsers, no I/O.
import { SchedcpError, quote } from '../../errors.js';
import type { Direction } from '../../stats/index.js';

export interface ParamSpec { min: number; max: number; default: number; description: string }

export interface WorkloadSpec {
  name: string;
  description: string;
  params: Record<string, ParamSpec>;
  primaryMetric: string;
  direction: Direction;
  /** argv for one trial; `workDir` is a private temp directory that exists for the whole run. */
  command(params: Record<string, number>, workDir: string): { file: string; args: string[] };
  /** Metrics parsed from one trial's output (duration_ms is always added by the runner). */
  parse(stdout: string, stderr: string): Record<string, number>;
  /** Needs generated sources in workDir before the first trial. */
  prepare?: 'compile_tree';
  binary: string;
  debianPackage: string;
}

export function parseHackbench(stdout: string): Record<string, number> {
  const m = /Time:\s+([\d.]+)/.exec(stdout);
  if (!m) throw new Error('hackbench printed no "Time:" line');
  return { time_ms: Number(m[1]) * 1000 };
}

/** stress-ng --metrics-brief: "stressor bogo-ops real-time usr sys bogo-ops/s(real) bogo-ops/s(usr+sys)". */
export function parseStressNg(stderr: string, stressor: string): Record<string, number> {
  const line = stderr.split('\n').find((l) => new RegExp(`\\]\\s+${stressor}\\s+\\d+`).test(l));
  const out: Record<string, number> = {};
  if (line) {
    const f = line.slice(line.indexOf(']') + 1).trim().split(/\s+/);
    out.bogo_ops = Number(f[1]);
    out.bogo_ops_per_s = Number(f[5]);
  }
  const ns = /([\d.]+) nanosecs per context switch/.exec(stderr);
  if (ns) out.ns_per_switch = Number(ns[1]);
  return out;
}

/** cyclictest -h histogram (one column per thread, µs buckets) → merged latency percentiles. */
export function parseCyclictest(stdout: string): Record<string, number> {
  const buckets: Array<[number, number]> = [];
  let overflows = 0;
  let max = 0;
  for (const line of stdout.split('\n')) {
    if (/^\d{6}\s/.test(line)) {
      const [us, ...counts] = line.trim().split(/\s+/).map(Number);
      const n = counts.reduce((a, b) => a + b, 0);
      if (n > 0) buckets.push([us!, n]);
    } else if (line.startsWith('# Histogram Overflows:')) {
      overflows = line.split(':')[1]!.trim().split(/\s+/).map(Number).reduce((a, b) => a + b, 0);
    } else if (line.startsWith('# Max Latencies:')) {
      max = Math.max(...line.split(':')[1]!.trim().split(/\s+/).map(Number));
    }
  }
  const total = buckets.reduce((a, [, n]) => a + n, 0) + overflows;
  if (total === 0) throw new Error('cyclictest printed no histogram samples');
  const pct = (p: number) => {
    const target = Math.ceil((p / 100) * total);
    let seen = 0;
    for (const [us, n] of buckets) { seen += n; if (seen >= target) return us; }
    return max; // in the overflow bucket
  };
  return { p50_us: pct(50), p90_us: pct(90), p99_us: pct(99), max_us: max, samples: total, overflows };
}

const WORKLOADS: readonly WorkloadSpec[] = [
  {
    name: 'hackbench', description: 'hackbench (rt-tests): groups of senders and receivers passing messages over pipes; a scheduler wakeup/switch stress. Primary metric: its reported time.',
    params: {
      groups: { min: 1, max: 64, default: 4, description: 'groups of 20 senders + 20 receivers' },
      loops: { min: 10, max: 100_000, default: 200, description: 'messages each sender sends' },
      threads: { min: 0, max: 1, default: 0, description: '1: threads instead of processes' },
    },
    primaryMetric: 'time_ms', direction: 'lower_is_better', binary: 'hackbench', debianPackage: 'rt-tests',
    command: (p) => ({ file: 'hackbench', args: ['-p', '-g', String(p.groups), '-l', String(p.loops), ...(p.threads ? ['-T'] : [])] }),
    parse: (out) => parseHackbench(out),
  },
  {
    name: 'stress_switch', description: 'stress-ng --switch: pairs of processes ping-ponging over a pipe, a fixed number of operations. Primary metric: makespan.',
    params: {
      workers: { min: 1, max: 64, default: 2, description: 'switch stressor instances' },
      ops: { min: 1000, max: 10_000_000, default: 200_000, description: 'bogo operations per instance' },
    },
    primaryMetric: 'duration_ms', direction: 'lower_is_better', binary: 'stress-ng', debianPackage: 'stress-ng',
    command: (p) => ({ file: 'stress-ng', args: ['--switch', String(p.workers), '--switch-ops', String(p.ops), '--metrics-brief'] }),
    parse: (_out, err) => parseStressNg(err, 'switch'),
  },
  {
    name: 'stress_mix', description: 'stress-ng mix: CPU-bound workers plus a memory streamer and a pipe ping-pong, fixed work. Primary metric: makespan.',
    params: {
      cpu_workers: { min: 1, max: 64, default: 2, description: 'cpu stressor instances' },
      ops: { min: 100, max: 1_000_000, default: 2000, description: 'bogo operations per stressor' },
      vm_mib: { min: 8, max: 2048, default: 64, description: 'memory the vm stressor cycles through (MiB)' },
    },
    primaryMetric: 'duration_ms', direction: 'lower_is_better', binary: 'stress-ng', debianPackage: 'stress-ng',
    command: (p) => ({
      file: 'stress-ng',
      args: ['--cpu', String(p.cpu_workers), '--cpu-ops', String(p.ops), '--vm', '1', '--vm-bytes', `${p.vm_mib}M`, '--vm-ops', String(p.ops),
        '--pipe', '1', '--pipe-ops', String((p.ops ?? 0) * 50), '--metrics-brief'],
    }),
    parse: (_out, err) => parseStressNg(err, 'cpu'),
  },
  {
    name: 'compile', description: 'kernel-build-like parallel compile: N generated C files built with make -jJOBS (cc -O2) in a private temp dir, rebuilt from scratch each trial. Primary metric: makespan.',
    params: {
      files: { min: 1, max: 2000, default: 40, description: 'C files to compile' },
      jobs: { min: 1, max: 64, default: 2, description: 'make -j' },
    },
    primaryMetric: 'duration_ms', direction: 'lower_is_better', binary: 'make', debianPackage: 'build-essential', prepare: 'compile_tree',
    command: (p, dir) => ({ file: 'make', args: ['-B', '-s', '-C', dir, `-j${p.jobs}`] }),
    parse: () => ({}),
  },
  {
    name: 'wakeup_latency', description: 'schbench-style wakeup latency: cyclictest (SCHED_OTHER, --laptop so /dev/cpu_dma_latency is not touched) timer wakeups, merged µs histogram. Primary metric: p99 wakeup latency.',
    params: {
      threads: { min: 1, max: 64, default: 2, description: 'measurement threads' },
      seconds: { min: 1, max: 300, default: 3, description: 'duration of each trial' },
      interval_us: { min: 100, max: 100_000, default: 1000, description: 'timer interval' },
    },
    primaryMetric: 'p99_us', direction: 'lower_is_better', binary: 'cyclictest', debianPackage: 'rt-tests',
    command: (p) => ({ file: 'cyclictest', args: ['-q', '--laptop', '-D', String(p.seconds), '-i', String(p.interval_us), '-t', String(p.threads), '-h', '20000'] }),
    parse: (out) => parseCyclictest(out),
  },
];

/** A user workload from config.analysis.workloadCommands: run as given, makespan only. */
export function customWorkload(name: string, argv: readonly string[]): WorkloadSpec {
  return {
    name, description: `user command from config: ${argv.join(' ')}`, params: {}, primaryMetric: 'duration_ms', direction: 'lower_is_better',
    binary: argv[0]!, debianPackage: '(user command)', command: () => ({ file: argv[0]!, args: argv.slice(1) }), parse: () => ({}),
  };
}

export function workloadNames(custom: Record<string, readonly string[]>): string[] {
  return [...WORKLOADS.map((w) => w.name), ...Object.keys(custom)];
}

export function findWorkload(name: string, custom: Record<string, readonly string[]>): WorkloadSpec {
  const builtin = WORKLOADS.find((w) => w.name === name);
  if (builtin) return builtin;
  const argv = custom[name];
  if (argv) return customWorkload(name, argv);
  throw new SchedcpError('not_found', `Unknown workload ${quote(name)}. Available: ${workloadNames(custom).join(', ')} (add your own under analysis.workloadCommands in the config).`);
}

export function listWorkloads(custom: Record<string, readonly string[]>): Array<Pick<WorkloadSpec, 'name' | 'description' | 'params' | 'primaryMetric' | 'direction'>> {
  return workloadNames(custom).map((n) => {
    const w = findWorkload(n, custom);
    return { name: w.name, description: w.description, params: w.params, primaryMetric: w.primaryMetric, direction: w.direction };
  });
}

export function resolveParams(spec: WorkloadSpec, given: Record<string, string | number> = {}): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(given)) {
    if (!spec.params[key]) {
      const allowed = Object.keys(spec.params);
      throw new SchedcpError('invalid_argument', `Workload ${spec.name} has no parameter ${quote(key)}; allowed: ${allowed.length ? allowed.join(', ') : 'none'}.`);
    }
  }
  for (const [key, p] of Object.entries(spec.params)) {
    const raw = given[key] ?? p.default;
    const value = typeof raw === 'number' ? raw : /^-?\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(value) || value < p.min || value > p.max) {
      throw new SchedcpError('invalid_argument', `Parameter ${key}=${quote(raw)} of workload ${spec.name} must be an integer in ${p.min}..${p.max} (${p.description}).`);
    }
    out[key] = value;
  }
  return out;
}

/** Sources and Makefile for the compile workload: independent translation units with some real work each. */
export function compileTree(files: number): Record<string, string> {
  const tree: Record<string, string> = {};
  const objs: string[] = [];
  for (let i = 0; i < files; i++) {
    tree[`unit${i}.c`] = `/* generated */\n#include <string.h>\n${Array.from({ length: 12 }, (_, j) => `static int f${j}(int x) { int a[64]; memset(a, x, sizeof a); for (int k = 0; k < 64; k++) a[k] = a[(k * ${j + 3}) % 64] * ${i + j + 1} + k; return a[${j}]; }`).join('\n')}\nint unit${i}(int x) { return ${Array.from({ length: 12 }, (_, j) => `f${j}(x)`).join(' + ')}; }\n`;
    objs.push(`unit${i}.o`);
  }
  tree.Makefile = `OBJS := ${objs.join(' ')}\nall: $(OBJS)\n%.o: %.c\n\tcc -O2 -c $< -o $@\n`;
  return tree;
}
