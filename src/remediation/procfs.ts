// The process half of the I/O shell: read a process's identity from /proc (start time, parent,
// owner, kernel-thread flag), and get/set nice and I/O priority on every one of its threads.
import { readFileSync, readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { SchedcpError } from '../errors.js';
import { requireBinary, run } from '../exec/index.js';

const PF_KTHREAD = 0x00200000;

export interface ProcessInfo {
  pid: number;
  comm: string;
  ppid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot): with the pid, identifies one process. */
  startTime: number;
  uid: number;
  kernelThread: boolean;
  /** utime + stime of all threads, in clock ticks. */
  cpuTicks: number;
}

/** Parses /proc/<pid>/stat text; comm may contain spaces and parentheses, so split after the last ')'. */
export function parseStat(text: string): Omit<ProcessInfo, 'uid'> & { nice: number } {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const field = (n: number) => Number(fields[n - 3]);
  return {
    pid: Number(text.slice(0, open).trim()), comm: text.slice(open + 1, close), ppid: field(4),
    kernelThread: (field(9) & PF_KTHREAD) !== 0, cpuTicks: field(14) + field(15), nice: field(19), startTime: field(22),
  };
}

export function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    const { nice: _nice, ...rest } = stat;
    return { ...rest, uid };
  } catch {
    return undefined;
  }
}

export function rssBytes(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch { return undefined; }
}

/** This process and every ancestor up to (not including) pid 0. */
export function selfAndAncestors(): Set<number> {
  const out = new Set<number>();
  let pid = process.pid;
  while (pid > 0 && !out.has(pid)) {
    out.add(pid);
    pid = readProcess(pid)?.ppid ?? 0;
  }
  return out;
}

export function threadsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number).filter(Number.isInteger).sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** Nice of each thread (threads can differ; a revert restores each one). */
export function readNice(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tid of threadsOf(pid)) {
    try { out[tid] = String(getPriority(tid)); } catch { /* thread exited */ }
  }
  return out;
}

export function writeNice(values: Record<string, string>): void {
  for (const [tid, nice] of Object.entries(values)) {
    try { setPriority(Number(tid), Number(nice)); } catch (error) {
      if ((error as { code?: string }).code === 'ESRCH' || !threadsOf(Number(tid)).length) continue;
      throw new SchedcpError('subprocess_failed', `setpriority(${tid}, ${nice}) failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** `ionice -p` output ("best-effort: prio 4", "idle", "none: prio 0") → "class:level" ("idle" has no level). */
export function parseIonice(line: string): string {
  const m = /^(none|realtime|best-effort|idle)(?::\s*prio\s+(\d+))?/.exec(line.trim());
  if (!m) throw new SchedcpError('subprocess_failed', `unexpected ionice output ${JSON.stringify(line)}`);
  return m[1] === 'idle' ? 'idle' : `${m[1]}:${m[2] ?? '0'}`;
}

const CLASS_NUMBER: Record<string, string> = { none: '0', realtime: '1', 'best-effort': '2', idle: '3' };

export async function readIoprio(pid: number): Promise<Record<string, string>> {
  const ionice = requireBinary('ionice', 'util-linux', 'reading I/O priority');
  const out: Record<string, string> = {};
  for (const tid of threadsOf(pid)) {
    const r = await run(ionice, ['-p', String(tid)], { allowFailure: true, timeoutMs: 5000 });
    if (r.exitCode === 0) out[tid] = parseIonice(r.stdout);
  }
  return out;
}

export async function writeIoprio(values: Record<string, string>): Promise<void> {
  const ionice = requireBinary('ionice', 'util-linux', 'setting I/O priority');
  for (const [tid, value] of Object.entries(values)) {
    const [cls, level] = value.split(':');
    const args = ['-c', CLASS_NUMBER[cls!] ?? '0', ...(cls === 'best-effort' || cls === 'realtime' ? ['-n', level ?? '4'] : []), '-p', tid];
    const r = await run(ionice, args, { allowFailure: true, timeoutMs: 5000 });
    if (r.exitCode !== 0 && threadsOf(Number(tid)).length) throw new SchedcpError('subprocess_failed', `ionice ${args.join(' ')} failed: ${r.stderr.trim()}`);
  }
}
