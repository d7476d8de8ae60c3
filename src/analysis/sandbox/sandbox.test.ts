// Sandboxed perf/strace: argv building and refusals (pure), then real runs against a child process
// this test starts, inside bubblewrap.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSchedcpError } from '../../errors.js';
import { parsePerfReport, parsePerfStatCsv, parseSchedLatency, perfRecordArgs, validatePerf } from './perf.js';
import { runPerf, runStrace } from './run.js';
import { parseStraceSummary, parseStraceTrace, straceArgs, validateStrace } from './strace.js';
import { validateTargetPid } from './target.js';

const codeOf = (fn: () => unknown) => { try { fn(); return 'no error'; } catch (e) { return isSchedcpError(e) ? `${e.code}: ${e.message}` : String(e); } };

describe('perf/strace request validation', () => {
  it('refuses disallowed subcommands, flags, events and targets with what is allowed', () => {
    expect(codeOf(() => validatePerf({ subcommand: 'trace' as never, durationS: 1, systemWide: true }, false))).toMatch(/^invalid_argument: .*"trace".*allowed: stat, sched_latency/);
    expect(codeOf(() => validatePerf({ subcommand: 'stat', durationS: 1, systemWide: true, extraFlags: ['-o'] }, false))).toMatch(/flag "-o" is not allowed; allowed extra flags: --no-aggr/);
    expect(codeOf(() => validatePerf({ subcommand: 'stat', durationS: 1, systemWide: true, events: ['cycles'] }, false))).toMatch(/^unsupported: .*needs a hardware PMU/);
    expect(codeOf(() => validatePerf({ subcommand: 'stat', durationS: 1, systemWide: true, events: ['syscalls:sys_enter_read'] }, true))).toMatch(/not allowed; allowed: task-clock/);
    expect(codeOf(() => validatePerf({ subcommand: 'stat', durationS: 1 }, false))).toMatch(/exactly one target/);
    expect(codeOf(() => validatePerf({ subcommand: 'record', durationS: 1, pid: 5, frequencyHz: 5000 }, false))).toMatch(/^limit_exceeded/);
    expect(codeOf(() => validateStrace({ mode: 'trace', pid: 5, durationS: 1, extraFlags: ['-o'] }))).toMatch(/strace flag "-o" is not allowed/);
    expect(codeOf(() => validateStrace({ mode: 'trace', pid: 5, durationS: 1, syscalls: ['read;rm'] }))).toMatch(/neither a syscall name nor an allowed class/);
    expect(codeOf(() => validateStrace({ mode: 'trace', command: ['hackbench'], durationS: 1 }))).toMatch(/^invalid_argument: Tracing a workload needs syscalls/);
    expect(codeOf(() => validateTargetPid(1))).toMatch(/^permission_denied: Tracing PID 1/);
    expect(codeOf(() => validateTargetPid(process.pid))).toMatch(/^permission_denied: .*schedcp server itself/);
    expect(codeOf(() => validateTargetPid(4_194_000))).toMatch(/^not_found: pid 4194000 does not exist/);
  });

  it('builds argv arrays with caps and a seccomp filter for launched commands', () => {
    expect(perfRecordArgs({ subcommand: 'record', durationS: 2, pid: 42 }, '/tmp/x/perf.data')).toEqual(
      ['record', '-F', '99', '-e', 'cpu-clock', '--call-graph', 'fp', '--max-size', '64M', '--no-buildid-cache', '-o', '/tmp/x/perf.data', '-p', '42', '--', 'sleep', '2']);
    expect(straceArgs({ mode: 'trace', command: ['hackbench', '-l', '10'], durationS: 1, syscalls: ['write'] })).toEqual(
      ['-qq', '-T', '-s', '64', '-e', 'trace=write', '-f', '--seccomp-bpf', '--', 'hackbench', '-l', '10']);
    expect(straceArgs({ mode: 'summary', pid: 7, durationS: 1 })).toEqual(['-qq', '-c', '-p', '7']);
  });

  it('parses captured perf and strace output', () => {
    expect(parsePerfStatCsv('601.01,msec,task-clock,601010895,100.00,2.000,CPUs utilized\n1443,,context-switches,601011617,100.00,2.401,K/sec\n<not supported>,,cycles,0,100.00,,\n')).toEqual([
      { event: 'task-clock', value: 601.01, unit: 'msec', runPct: 100, derived: '2.000 CPUs utilized' },
      { event: 'context-switches', value: 1443, unit: '', runPct: 100, derived: '2.401 K/sec' },
      { event: 'cycles', value: null, unit: '', runPct: 100 },
    ]);
    const lat = parseSchedLatency('  node:(31)             |    201.102 ms |      158 | avg:   0.977 ms | max:  11.828 ms | max start: 1.0 s | max end: 1.1 s\n TOTAL:                |    977.901 ms |     3311 |\n');
    expect(lat).toEqual({ tasks: [{ task: 'node:(31)', runtimeMs: 201.102, switches: 158, avgDelayMs: 0.977, maxDelayMs: 11.828 }], totalRuntimeMs: 977.901, totalSwitches: 3311 });
    expect(parsePerfReport('# Samples: 97  of event \'cpu-clock\'\n    45.36%  node  node               [.] v8::internal::Foo\n     3.09%  swapper  [kernel.kallsyms]  [k] default_idle\n').symbols)
      .toEqual([{ overheadPct: 45.36, comm: 'node', dso: 'node', symbol: 'v8::internal::Foo' }, { overheadPct: 3.09, comm: 'swapper', dso: '[kernel.kallsyms]', symbol: 'default_idle' }]);
    const summary = parseStraceSummary('% time     seconds  usecs/call     calls    errors syscall\n------ ----------- ----------- --------- --------- ----------------\n 60.00    0.000300          30        10           write\n 40.00    0.000200          20        10         2 openat\n------ ----------- ----------- --------- --------- ----------------\n100.00    0.000500          25        20         2 total\n');
    expect(summary.rows).toEqual([{ timePct: 60, seconds: 0.0003, usecsPerCall: 30, calls: 10, errors: 0, syscall: 'write' }, { timePct: 40, seconds: 0.0002, usecsPerCall: 20, calls: 10, errors: 2, syscall: 'openat' }]);
    expect(summary.total?.calls).toBe(20);
    const trace = parseStraceTrace('[pid  4242] write(1, "x", 1) = 1 <0.000010>\nread(3, "", 4096) = 0 <0.000002>\n+++ exited with 0 +++\n', 1);
    expect(trace).toEqual({ lines: [{ pid: 4242, syscall: 'write', args: '1, "x", 1', result: '1', durationUs: 10 }], totalLines: 2, bySyscall: { write: 1, read: 1 } });
    const interleaved = parseStraceTrace('[pid 7] write(9, "ab", 2 <unfinished ...>\n[pid 8] read(3, "", 1) = 0 <0.000001>\n[pid 7] <... write resumed>) = 2 <0.000084>\n', 10);
    expect(interleaved.lines).toEqual([
      { pid: 8, syscall: 'read', args: '3, "", 1', result: '0', durationUs: 1 },
      { pid: 7, syscall: 'write', args: '9, "ab", 2', result: '2', durationUs: 84 },
    ]);
  });
});

describe('sandboxed runs against a real process', () => {
  let child: ChildProcess;
  beforeAll(() => {
    // A target that makes a steady stream of syscalls: dd copying zeros in 512-byte blocks.
    child = spawn('dd', ['if=/dev/zero', 'of=/dev/null', 'bs=512', 'count=2000000000'], { stdio: 'ignore' });
  });
  afterAll(() => { child.kill('SIGKILL'); });

  const opts = { hasHardwarePmu: false, maxSeconds: 60 };

  it('perf stat counts software events of the target pid', async () => {
    const r = await runPerf({ subcommand: 'stat', pid: child.pid!, durationS: 0.5, events: ['task-clock', 'context-switches'] }, opts);
    const counters = r.counters as Array<{ event: string; value: number | null }>;
    expect(counters.map((c) => c.event)).toEqual(['task-clock', 'context-switches']);
    expect(counters[0]!.value).toBeGreaterThan(50); // ms of CPU: dd spins
  });

  it('perf record finds the hot symbols of the target', async () => {
    const r = await runPerf({ subcommand: 'record', pid: child.pid!, durationS: 0.6, frequencyHz: 499, topN: 5 }, { ...opts, raw: true });
    const symbols = r.symbols as Array<{ comm: string }>;
    expect(symbols.length).toBeGreaterThan(0);
    expect(symbols[0]!.comm).toBe('dd');
    expect(typeof r.raw).toBe('string');
  });

  it('perf sched latency records scheduler tracepoints with a private tracefs and leaves no mount', async () => {
    const { readFileSync } = await import('node:fs');
    const mountedBefore = readFileSync('/proc/self/mounts', 'utf8').includes(' tracefs ');
    const r = await runPerf({ subcommand: 'sched_latency', systemWide: true, durationS: 0.5, topN: 50 }, opts);
    const tasks = r.tasks as Array<{ task: string; switches: number }>;
    expect(tasks.some((t) => t.task.startsWith('dd:') && t.switches > 0)).toBe(true);
    expect(readFileSync('/proc/self/mounts', 'utf8').includes(' tracefs ')).toBe(mountedBefore);
  });

  it('strace -c summarizes the target syscalls and detaches', async () => {
    const r = await runStrace({ mode: 'summary', pid: child.pid!, durationS: 0.6 }, opts);
    const rows = r.rows as Array<{ syscall: string; calls: number }>;
    expect(rows.find((x) => x.syscall === 'read')!.calls).toBeGreaterThan(100);
    expect(rows.find((x) => x.syscall === 'write')!.calls).toBeGreaterThan(100);
    // Detached: the target is no longer traced.
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`/proc/${child.pid}/status`, 'utf8')).toMatch(/TracerPid:\s+0\n/);
  });

  it('traces a command it starts with a narrow seccomp-bpf filter', async () => {
    const r = await runStrace({ mode: 'trace', command: ['hackbench', '-p', '-g', '1', '-l', '5'], syscalls: ['write'], durationS: 10, maxLines: 5 }, opts);
    expect(Object.keys(r.bySyscall as object)).toEqual(['write']);
    expect(r.totalLines as number).toBeGreaterThanOrEqual(100); // 20 senders × 5 messages
    expect((r.lines as unknown[]).length).toBe(5);
  });

  it('refuses caps it must: durations beyond the cap, PID 1', async () => {
    await expect(runStrace({ mode: 'summary', pid: child.pid!, durationS: 500 }, opts)).rejects.toThrow(/duration_s 500 must be in \(0, 60\]/);
    await expect(runPerf({ subcommand: 'stat', pid: 1, durationS: 1 }, opts)).rejects.toThrow(/PID 1/);
    // A command strace cannot start is an error, not an empty summary.
    await expect(runStrace({ mode: 'summary', command: ['/nonexistent/schedcp-test'], durationS: 1 }, opts)).rejects.toThrow(/strace failed: strace: Can't stat/);
  });
});
