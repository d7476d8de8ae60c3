import { describe, expect, it } from 'vitest';
import { parseWorkloadMetrics, toGuestWorkload, workloadsFile } from './workloads.js';

describe('toGuestWorkload', () => {
  it('builds guest command lines with defaults', () => {
    expect(toGuestWorkload({ kind: 'hackbench' }, 0)).toEqual({ name: 'hackbench-0', timeoutSeconds: 60, argv: ['hackbench', '-g', '2', '-l', '100'] });
    expect(toGuestWorkload({ kind: 'hackbench', threads: true, groups: 4, loops: 10, name: 'hb' }, 1).argv).toEqual(['hackbench', '-T', '-g', '4', '-l', '10']);
    expect(toGuestWorkload({ kind: 'stress-ng', stressor: 'switch', seconds: 3 }, 2)).toMatchObject({ timeoutSeconds: 33, argv: ['stress-ng', '--switch', '2', '--timeout', '3s', '--metrics-brief', '--temp-path', '/tmp'] });
    expect(toGuestWorkload({ kind: 'forkexec', count: 50 }, 3).argv).toEqual(['schedcp-probe', 'forkexec', '--count', '50', '--parallel', '4']);
    expect(toGuestWorkload({ kind: 'wakeup-latency' }, 4).argv[1]).toBe('wake');
    expect(toGuestWorkload({ kind: 'idle', seconds: 2 }, 5)).toEqual({ name: 'idle-5', timeoutSeconds: 12, argv: ['sleep', '2'] });
    expect(toGuestWorkload({ kind: 'idle', seconds: 0.3, name: 'idle' }, 0)).toEqual({ name: 'idle', timeoutSeconds: 11, argv: ['sleep', '0.3'] });
    expect(() => toGuestWorkload({ kind: 'idle', seconds: 0.05 }, 0)).toThrow(/seconds "?0.05"? must be from 0.1 to 600 in steps of 0.1/);
  });

  it('rejects bad values naming the field and the allowed range', () => {
    expect(() => toGuestWorkload({ kind: 'hackbench', groups: 0 }, 0)).toThrow(/groups "0" must be an integer from 1 to 64/);
    expect(() => toGuestWorkload({ kind: 'stress-ng', stressor: 'rm-rf' }, 0)).toThrow(/stressor "rm-rf" is not supported.*cpu, switch/);
    expect(() => toGuestWorkload({ kind: 'command', argv: ['sh', 'a\tb'] }, 0)).toThrow(/no tab, newline or NUL/);
    expect(() => toGuestWorkload({ kind: 'command', argv: [] }, 0)).toThrow(/1-64 elements/);
    expect(() => toGuestWorkload({ kind: 'idle', seconds: 1, name: 'bad name' }, 0)).toThrow(/workload name "bad name"/);
    expect(() => toGuestWorkload({ kind: 'nope' } as never, 0)).toThrow(/workload kind "nope" is unknown/);
  });

  it('writes the tab-separated workloads file', () => {
    expect(workloadsFile([{ name: 'a', timeoutSeconds: 5, argv: ['sleep', '1'] }])).toBe('a\t5\tsleep\t1\n');
    expect(workloadsFile([])).toBe('');
  });
});

describe('parseWorkloadMetrics', () => {
  it('parses hackbench, stress-ng and probe output', () => {
    expect(parseWorkloadMetrics(['hackbench'], 'Running in process mode\nTime: 0.525\n')).toEqual({ seconds: 0.525 });
    const stress = [
      'stress-ng: metrc: [7993] stressor       bogo ops real time  usr time  sys time   bogo ops/s     bogo ops/s',
      'stress-ng: metrc: [7993] cpu                1562      1.00      0.76      0.01      1560.28        2037.40',
    ].join('\n');
    expect(parseWorkloadMetrics(['stress-ng', '--cpu', '1'], stress)).toEqual({ bogoOps: 1562, realSeconds: 1, bogoOpsPerSec: 1560.28, bogoOpsPerCpuSec: 2037.4 });
    expect(parseWorkloadMetrics(['schedcp-probe', 'forkexec'], '{"probe":"forkexec","spawned":100,"failed":0,"duration_ms":164.5,"per_sec":607.8}\n'))
      .toEqual({ spawned: 100, failed: 0, durationMs: 164.5, perSec: 607.8 });
    expect(parseWorkloadMetrics(['sleep', '1'], '')).toEqual({});
  });
});
