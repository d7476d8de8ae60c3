// Workload specs → guest command lines, and guest output → numbers. Pure: no I/O.
import { SchedcpError, quote } from '../errors.js';
import type { WorkloadSpec } from './types.js';

/** stress-ng stressors that exercise the scheduler and work in the minimal guest. */
export const STRESS_NG_STRESSORS = [
  'cpu', 'switch', 'pipe', 'futex', 'yield', 'sem', 'fork', 'vfork', 'clone', 'mutex', 'poll',
  'hrtimers', 'nanosleep', 'mq', 'sched', 'affinity', 'matrix', 'memcpy', 'malloc', 'msg', 'sigq',
] as const;

const NAME = /^[A-Za-z0-9_.-]{1,48}$/;
const DEFAULT_TIMEOUT_S = 60;

export interface GuestWorkload {
  name: string;
  timeoutSeconds: number;
  argv: string[];
}

function intIn(value: number | undefined, fallback: number, min: number, max: number, what: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new SchedcpError('invalid_argument', `workload ${what} ${quote(v)} must be an integer from ${min} to ${max}.`);
  }
  return v;
}

/** Turns one spec into the argv the guest loader executes. Throws 'invalid_argument' naming the bad field. */
export function toGuestWorkload(spec: WorkloadSpec, index: number): GuestWorkload {
  const name = spec.name ?? `${spec.kind}-${index}`;
  if (!NAME.test(name)) throw new SchedcpError('invalid_argument', `workload name ${quote(name)} must be 1-48 letters, digits, _ . - characters.`);
  const timeout = (t: number | undefined, fallback = DEFAULT_TIMEOUT_S) => intIn(t, fallback, 1, 3600, 'timeoutSeconds');
  switch (spec.kind) {
    case 'hackbench': {
      const groups = intIn(spec.groups, 2, 1, 64, 'groups');
      const loops = intIn(spec.loops, 100, 1, 100000, 'loops');
      return { name, timeoutSeconds: timeout(spec.timeoutSeconds), argv: ['hackbench', ...(spec.threads ? ['-T'] : []), '-g', String(groups), '-l', String(loops)] };
    }
    case 'stress-ng': {
      if (!(STRESS_NG_STRESSORS as readonly string[]).includes(spec.stressor)) {
        throw new SchedcpError('invalid_argument', `stress-ng stressor ${quote(spec.stressor)} is not supported in the VM; use one of: ${STRESS_NG_STRESSORS.join(', ')}.`);
      }
      const workers = intIn(spec.workers, 2, 1, 64, 'workers');
      const seconds = intIn(spec.seconds, 2, 1, 600, 'seconds');
      return {
        name, timeoutSeconds: timeout(spec.timeoutSeconds, seconds + 30),
        argv: ['stress-ng', `--${spec.stressor}`, String(workers), '--timeout', `${seconds}s`, '--metrics-brief', '--temp-path', '/tmp'],
      };
    }
    case 'forkexec': {
      const count = intIn(spec.count, 200, 1, 100000, 'count');
      const parallel = intIn(spec.parallel, 4, 1, 256, 'parallel');
      return { name, timeoutSeconds: timeout(spec.timeoutSeconds), argv: ['schedcp-probe', 'forkexec', '--count', String(count), '--parallel', String(parallel)] };
    }
    case 'wakeup-latency': {
      const threads = intIn(spec.threads, 4, 1, 256, 'threads');
      const iterations = intIn(spec.iterations, 200, 1, 100000, 'iterations');
      const sleepUs = intIn(spec.sleepUs, 1000, 1, 1_000_000, 'sleepUs');
      const hogs = intIn(spec.hogs, 0, 0, 64, 'hogs');
      const maxMs = intIn(spec.maxMs, 0, 0, 600_000, 'maxMs');
      return {
        name, timeoutSeconds: timeout(spec.timeoutSeconds),
        argv: ['schedcp-probe', 'wake', '--threads', String(threads), '--iterations', String(iterations), '--sleep-us', String(sleepUs),
          ...(hogs > 0 ? ['--hogs', String(hogs)] : []), ...(maxMs > 0 ? ['--max-ms', String(maxMs)] : [])],
      };
    }
    case 'idle': {
      // Tenths of a second: the guest's busybox sleep takes fractions.
      const tenths = spec.seconds * 10;
      if (!Number.isFinite(tenths) || Math.abs(tenths - Math.round(tenths)) > 1e-9 || tenths < 1 || tenths > 6000) {
        throw new SchedcpError('invalid_argument', `workload seconds ${quote(spec.seconds)} must be from 0.1 to 600 in steps of 0.1.`);
      }
      const seconds = Math.round(tenths) / 10;
      return { name, timeoutSeconds: Math.ceil(seconds) + 10, argv: ['sleep', String(seconds)] };
    }
    case 'command': {
      if (spec.argv.length === 0 || spec.argv.length > 64) throw new SchedcpError('invalid_argument', `command workload argv must have 1-64 elements, got ${spec.argv.length}.`);
      for (const arg of spec.argv) {
        // The guest reads workloads as tab-separated lines.
        if (arg === '' || /[\t\n\r\0]/.test(arg)) throw new SchedcpError('invalid_argument', `command argument ${quote(arg)} must be non-empty and contain no tab, newline or NUL.`);
      }
      return { name, timeoutSeconds: timeout(spec.timeoutSeconds), argv: [...spec.argv] };
    }
    default: {
      const kind = (spec as { kind?: unknown }).kind;
      throw new SchedcpError('invalid_argument', `workload kind ${quote(kind)} is unknown; use hackbench, stress-ng, forkexec, wakeup-latency, idle or command.`);
    }
  }
}

/** The guest's workloads file: "name TAB timeout_s TAB argv0 TAB argv1 ..." per line. */
export function workloadsFile(workloads: readonly GuestWorkload[]): string {
  return workloads.map((w) => [w.name, String(w.timeoutSeconds), ...w.argv].join('\t')).join('\n') + (workloads.length ? '\n' : '');
}

/** Numbers from a workload's output tail: hackbench's "Time:", stress-ng's metrics row, probe JSON. */
export function parseWorkloadMetrics(argv: readonly string[], output: string): Record<string, number> {
  const program = argv[0] ?? '';
  const metrics: Record<string, number> = {};
  if (program === 'hackbench') {
    const m = /^Time:\s*([\d.]+)/m.exec(output);
    if (m) metrics.seconds = Number(m[1]);
  } else if (program === 'stress-ng') {
    const stressor = argv[1]?.replace(/^--/, '') ?? '';
    // "stress-ng: metrc: [12] cpu   1562   1.00   0.76   0.01   1560.28   2037.40"
    const row = new RegExp(`^stress-ng: \\w+:\\s+\\[\\d+\\]\\s+${stressor}\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)`, 'm').exec(output);
    if (row) {
      metrics.bogoOps = Number(row[1]);
      metrics.realSeconds = Number(row[2]);
      metrics.bogoOpsPerSec = Number(row[5]);
      metrics.bogoOpsPerCpuSec = Number(row[6]);
    }
  } else if (program === 'schedcp-probe') {
    const line = output.split('\n').find((l) => l.startsWith('{"probe"'));
    if (line) {
      try {
        for (const [key, value] of Object.entries(JSON.parse(line) as Record<string, unknown>)) {
          if (typeof value === 'number') metrics[key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
        }
      } catch { /* a truncated line carries no metrics */ }
    }
  }
  return metrics;
}
