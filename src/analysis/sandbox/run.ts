// The I/O shell of sandboxed perf/strace: temp dir, bubblewrap + prlimit, timeouts, output caps,
// then the pure parsers. Raw text only when asked for (and capped).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchedcpError } from '../../errors.js';
import { requireBinary, run, sandboxArgs } from '../../exec/index.js';
import { loaderPath } from '../probes/registry.js';
import {
  parsePerfReport, parsePerfStatCsv, parseSchedLatency, parseSchedTimehist, perfRecordArgs, perfReportArgs, validatePerf, type PerfRequest,
} from './perf.js';
import { parseStraceSummary, parseStraceTrace, straceArgs, validateStrace, type StraceRequest } from './strace.js';
import { validateTargetPid } from './target.js';

export const MAX_TRACE_SECONDS = 120;
const RAW_CAP = 64 * 1024;

function checkDuration(durationS: number, cap: number): void {
  if (!(durationS > 0) || durationS > cap) throw new SchedcpError('limit_exceeded', `duration_s ${durationS} must be in (0, ${cap}] seconds.`);
}

export interface SandboxRunOptions { signal?: AbortSignal; raw?: boolean; allowPid1?: boolean; hasHardwarePmu: boolean; maxSeconds: number }

export async function runPerf(req: PerfRequest, options: SandboxRunOptions): Promise<Record<string, unknown>> {
  validatePerf(req, options.hasHardwarePmu);
  checkDuration(req.durationS, Math.min(options.maxSeconds, MAX_TRACE_SECONDS));
  if (req.pid !== undefined) validateTargetPid(req.pid, { allowPid1: options.allowPid1 ?? false });
  requireBinary('perf', 'linux-perf');
  requireBinary('bwrap', 'bubblewrap');
  const dir = mkdtempSync(join(tmpdir(), 'schedcp-perf-'));
  try {
    const dataFile = join(dir, 'perf.data');
    const maxFile = (req.maxDataMiB ?? 64) * 1024 * 1024;
    const caps = ['CAP_PERFMON', 'CAP_SYS_PTRACE', ...(req.subcommand.startsWith('sched') ? ['CAP_SYS_ADMIN'] : [])];
    const box = sandboxArgs('perf', perfRecordArgs(req, dataFile), {
      keepCapabilities: caps, shareHostPids: true, writableDir: dir, maxFileBytes: maxFile + 1024 * 1024, maxCpuSeconds: Math.ceil(req.durationS) + 60,
    });
    // Scheduler tracepoints need tracefs: mount it in a private namespace around the sandbox.
    const [file, args] = req.subcommand.startsWith('sched') ? [loaderPath('with-tracefs'), [box.file, ...box.args]] : [box.file, box.args];
    const recorded = await run(file, args, { signal: options.signal, timeoutMs: req.durationS * 1000 + 30_000, maxOutputBytes: 1024 * 1024, allowFailure: true });
    if (recorded.exitCode !== 0) {
      throw new SchedcpError('subprocess_failed', `perf ${req.subcommand} failed (exit ${recorded.exitCode ?? recorded.signal}): ${recorded.stderr.trim().slice(-800)}`);
    }
    const reportArgs = perfReportArgs(req, dataFile);
    let text = recorded.stderr;
    if (reportArgs) {
      const rbox = sandboxArgs('perf', reportArgs, { writableDir: dir, maxCpuSeconds: 120 });
      const report = await run(rbox.file, rbox.args, { signal: options.signal, timeoutMs: 120_000, maxOutputBytes: 8 * 1024 * 1024, allowFailure: true });
      if (report.exitCode !== 0) throw new SchedcpError('subprocess_failed', `perf ${reportArgs[0]} failed: ${report.stderr.trim().slice(-800)}`);
      text = report.stdout;
    }
    const topN = req.topN ?? 20;
    let parsed: Record<string, unknown>;
    switch (req.subcommand) {
      case 'stat': parsed = { counters: parsePerfStatCsv(recorded.stderr) }; break;
      case 'sched_latency': { const r = parseSchedLatency(text); parsed = { ...r, tasks: r.tasks.slice(0, topN) }; break; }
      case 'sched_timehist': { const r = parseSchedTimehist(text); parsed = { ...r, tasks: r.tasks.sort((a, b) => b.runtimeMs - a.runtimeMs).slice(0, topN) }; break; }
      case 'record': { const r = parsePerfReport(text); parsed = { ...r, symbols: r.symbols.slice(0, topN) }; break; }
    }
    return { subcommand: req.subcommand, durationS: req.durationS, ...parsed, ...(options.raw && { raw: text.slice(0, RAW_CAP), rawTruncated: text.length > RAW_CAP }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runStrace(req: StraceRequest, options: SandboxRunOptions): Promise<Record<string, unknown>> {
  validateStrace(req);
  checkDuration(req.durationS, Math.min(options.maxSeconds, MAX_TRACE_SECONDS));
  if (req.pid !== undefined) validateTargetPid(req.pid, { allowPid1: options.allowPid1 ?? false });
  requireBinary('strace', 'strace');
  requireBinary('bwrap', 'bubblewrap');
  const dir = mkdtempSync(join(tmpdir(), 'schedcp-strace-'));
  try {
    const box = sandboxArgs('timeout', ['-s', 'INT', '-k', '5', String(req.durationS), 'strace', ...straceArgs(req)], {
      keepCapabilities: ['CAP_SYS_PTRACE'], shareHostPids: req.pid !== undefined, writableDir: dir,
      maxMemoryBytes: 2 * 1024 * 1024 * 1024, maxFileBytes: 64 * 1024 * 1024, maxCpuSeconds: Math.ceil(req.durationS) + 60,
    });
    const result = await run(box.file, box.args, { cwd: dir, signal: options.signal, timeoutMs: req.durationS * 1000 + 30_000, maxOutputBytes: 16 * 1024 * 1024, allowFailure: true });
    // timeout exits 124 when it had to interrupt strace (normal for -p); strace's own errors land in stderr.
    if (result.exitCode !== 0 && result.exitCode !== 124 && /strace: (attach|Could not|Can't|Operation not permitted|invalid)/.test(result.stderr)) {
      throw new SchedcpError('subprocess_failed', `strace failed: ${result.stderr.trim().split('\n').filter((l) => l.startsWith('strace:')).join('; ').slice(0, 800)}`);
    }
    const text = result.stderr;
    const parsed = req.mode === 'summary'
      ? parseStraceSummary(text)
      : parseStraceTrace(text, req.maxLines ?? 200);
    return {
      mode: req.mode, durationS: req.durationS, target: req.pid !== undefined ? { pid: req.pid } : { command: req.command },
      outputTruncated: result.truncated, ...parsed, ...(options.raw && { raw: text.slice(0, RAW_CAP), rawTruncated: text.length > RAW_CAP }),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
