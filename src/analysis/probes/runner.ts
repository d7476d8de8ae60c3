// Runs one probe loader: validates the request (probe name, duration cap, filters), streams its
// JSON lines into progress notifications and returns the parsed result with start-up time.
import { existsSync, statSync } from 'node:fs';
import { SchedcpError, quote } from '../../errors.js';
import { run } from '../../exec/index.js';
import { recordProbeOverhead } from '../../metrics/registry.js';
import { ProbeStream, type ProbeResult } from './protocol.js';
import { PROBES, findProbe, loaderPath } from './registry.js';

export interface ProbeRequest {
  name: string;
  durationS: number;
  pid?: number;
  comm?: string;
  /** cgroup v2 directory, absolute (e.g. /sys/fs/cgroup/unified/my.slice). */
  cgroup?: string;
  topN?: number;
  maxEvents?: number;
  attach?: 'auto' | 'tp_btf' | 'tracepoint';
  /** Sampling-capable probes: 'auto' (default: 1 in N above sampleAbovePerS), 'off', or a fixed N (power of two). */
  sampling?: 'auto' | 'off' | number;
  /** 'auto' threshold in eligible events/s (default 250 000). */
  sampleAbovePerS?: number;
  /** syscalls: enter/exit latency, errors and per-process rows instead of counting only. */
  latency?: boolean;
  /** runqlat: per-task rows counted per event (exact max wait), not from the kernel's counters. */
  exactTaskMax?: boolean;
}

export interface ProbeRunOptions {
  maxProbeSeconds: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
  /** Called once the programs are attached, with their kernel ids. */
  onAttached?: (info: { attach: string; progIds: number[] }) => void;
}

export type ProbeRunResult = ProbeResult & { startupMs: number };

/** Boolean options that belong to one probe: request field, tool input name, the probe, loader flag. */
const PROBE_FLAGS = [
  { request: 'latency', input: 'latency', probe: 'syscalls', arg: '--latency' },
  { request: 'exactTaskMax', input: 'exact_task_max', probe: 'runqlat', arg: '--exact-task-max' },
] as const satisfies ReadonlyArray<{ request: keyof ProbeRequest; input: string; probe: string; arg: string }>;

export const MAX_EVENTS_CAP = 10_000;
export const MAX_SAMPLE_EVERY = 1024;

export function validateProbeRequest(req: ProbeRequest, maxProbeSeconds: number): { probe: NonNullable<ReturnType<typeof findProbe>>; args: string[] } {
  const probe = findProbe(req.name);
  if (!probe) throw new SchedcpError('not_found', `Unknown probe ${quote(req.name)}. Available probes: ${PROBES.map((p) => p.name).join(', ')}.`);
  if (!Number.isFinite(req.durationS) || req.durationS <= 0) throw new SchedcpError('invalid_argument', `duration_s ${quote(req.durationS)} must be a positive number of seconds.`);
  if (req.durationS > maxProbeSeconds) {
    throw new SchedcpError('limit_exceeded', `duration_s ${req.durationS} exceeds the cap of ${maxProbeSeconds} s (config analysis.maxProbeSeconds).`);
  }
  const args = ['--duration-ms', String(Math.round(req.durationS * 1000)), '--top', String(req.topN ?? 20)];
  const filtered = req.pid !== undefined || req.comm !== undefined || req.cgroup !== undefined;
  if (filtered && !probe.taskFilters) throw new SchedcpError('invalid_argument', `Probe ${probe.name} cannot filter by pid, comm or cgroup (${probe.description}). Run it without filters.`);
  if (req.pid !== undefined) {
    if (!Number.isInteger(req.pid) || req.pid < 1 || !existsSync(`/proc/${req.pid}`)) throw new SchedcpError('not_found', `pid ${quote(req.pid)} does not exist (no /proc/${req.pid}).`);
    args.push('--pid', String(req.pid));
  }
  if (req.comm !== undefined) {
    if (!/^[\x20-\x7e]{1,15}$/.test(req.comm)) throw new SchedcpError('invalid_argument', `comm ${quote(req.comm)} must be 1..15 printable ASCII characters (the kernel truncates command names to 15).`);
    args.push('--comm', req.comm);
  }
  if (req.cgroup !== undefined) {
    let ino: number;
    try {
      const st = statSync(req.cgroup);
      if (!st.isDirectory() || !req.cgroup.startsWith('/sys/fs/cgroup')) throw new Error('not a cgroup directory');
      if (!existsSync(`${req.cgroup}/cgroup.procs`) || existsSync(`${req.cgroup}/tasks`)) throw new Error('not a cgroup v2 directory');
      ino = st.ino;
    } catch (error) {
      throw new SchedcpError('invalid_argument', `cgroup ${quote(req.cgroup)} is not a cgroup v2 directory under /sys/fs/cgroup (${(error as Error).message}). Give the absolute path of a directory in the cgroup2 mount.`);
    }
    args.push('--cgroup-id', String(ino));
  }
  if (req.maxEvents !== undefined) {
    if (!Number.isInteger(req.maxEvents) || req.maxEvents < 0 || req.maxEvents > MAX_EVENTS_CAP) throw new SchedcpError('limit_exceeded', `max_events ${quote(req.maxEvents)} must be 0..${MAX_EVENTS_CAP}.`);
    args.push('--max-events', String(req.maxEvents));
  }
  if (req.attach && req.attach !== 'auto') args.push('--attach', req.attach);
  const samplingAsked = (req.sampling !== undefined && req.sampling !== 'auto') || req.sampleAbovePerS !== undefined;
  if (samplingAsked && !probe.sampling) throw new SchedcpError('invalid_argument', `Probe ${probe.name} does not sample; sampling applies to ${PROBES.filter((p) => p.sampling).map((p) => p.name).join(', ')}.`);
  if (typeof req.sampling === 'number') {
    const n = req.sampling;
    if (!Number.isInteger(n) || n < 2 || n > MAX_SAMPLE_EVERY || (n & (n - 1)) !== 0) throw new SchedcpError('invalid_argument', `sample_every ${quote(n)} must be a power of two from 2 to ${MAX_SAMPLE_EVERY} (or sampling "auto" / "off").`);
    args.push('--sample', String(n));
  } else if (req.sampling === 'off') args.push('--sample', 'off');
  if (req.sampleAbovePerS !== undefined) {
    if (!Number.isInteger(req.sampleAbovePerS) || req.sampleAbovePerS < 1000) throw new SchedcpError('invalid_argument', `sample_above_per_s ${quote(req.sampleAbovePerS)} must be an integer of at least 1000 events/s.`);
    args.push('--sample-above', String(req.sampleAbovePerS));
  }
  for (const flag of PROBE_FLAGS) {
    if (!req[flag.request]) continue;
    if (probe.name !== flag.probe) throw new SchedcpError('invalid_argument', `${flag.input} applies to the ${flag.probe} probe only, not ${quote(probe.name)}.`);
    args.push(flag.arg);
  }
  return { probe, args };
}

export async function runProbeLoader(req: ProbeRequest, options: ProbeRunOptions): Promise<ProbeRunResult> {
  const { probe, args } = validateProbeRequest(req, options.maxProbeSeconds);
  const binary = loaderPath(probe.name);
  if (!existsSync(binary)) throw new SchedcpError('precondition_failed', `The probe loader ${quote(binary)} is not built: run \`make -C bpf\` (part of \`npm run build\`; needs clang-19, bpftool and libbpf-dev from scripts/setup.sh).`);
  const stream = new ProbeStream();
  const started = performance.now();
  let startupMs = 0;
  const durationMs = req.durationS * 1000;
  const result = await run(binary, args, {
    signal: options.signal, timeoutMs: durationMs + 15_000, allowFailure: true, maxOutputBytes: 64 * 1024 * 1024,
    onStdoutLine: (line) => {
      const type = stream.push(line);
      if (type === 'attached') {
        startupMs = performance.now() - started;
        options.onAttached?.({ attach: stream.attached!.attach, progIds: stream.attached!.progIds });
        options.onProgress?.(0, durationMs, `${probe.name} attached via ${stream.attached?.attach} in ${stream.attached?.attachMs} ms`);
      } else if (type === 'tick' && stream.lastTick) {
        options.onProgress?.(stream.lastTick.elapsedMs, durationMs, `${probe.name}: ${Math.round(stream.lastTick.elapsedMs / 1000)} of ${req.durationS} s`);
      }
    },
  });
  if (stream.error) {
    const code = /attach|load/.test(stream.error) ? 'unsupported' : 'invalid_argument';
    throw new SchedcpError(code, `Probe ${probe.name} failed: ${stream.error}`);
  }
  if (result.timedOut) throw new SchedcpError('timeout', `Probe ${probe.name} did not finish within ${durationMs + 15_000} ms and was killed.`);
  if (!stream.result) {
    throw new SchedcpError('subprocess_failed', `Probe ${probe.name} exited with ${result.exitCode ?? result.signal} without a result: ${result.stderr.trim().slice(-800) || 'no output'}`);
  }
  recordProbeOverhead(probe.name, stream.result.overhead);
  return { ...stream.result, events: stream.events, startupMs: Math.round(startupMs * 10) / 10 };
}
