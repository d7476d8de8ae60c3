// Sandboxed strace: attach to a validated pid (or run a registered workload under strace with a
// narrow --seccomp-bpf filter), either a -c summary or a filtered trace. Pure argv/parsers here.
import { SchedcpError, quote } from '../../errors.js';

export const STRACE_MODES = ['summary', 'trace'] as const;
export const SYSCALL_CLASSES = ['%file', '%process', '%network', '%signal', '%ipc', '%desc', '%memory', '%creds', '%clock'] as const;
export const STRACE_EXTRA_FLAGS = ['-f', '-T', '-tt', '-y', '-C', '-w'] as const;

export interface StraceRequest {
  mode: (typeof STRACE_MODES)[number];
  /** attach target */
  pid?: number;
  /** or argv of a command strace starts (a registered workload), which enables --seccomp-bpf */
  command?: string[];
  durationS: number;
  /** syscall names or classes (%file…) to trace; required for trace mode with a command (narrow seccomp filter). */
  syscalls?: string[];
  extraFlags?: string[];
  maxLines?: number;
}

export function validateStrace(req: StraceRequest): void {
  if (!STRACE_MODES.includes(req.mode)) throw new SchedcpError('invalid_argument', `strace mode ${quote(req.mode)} is not allowed; allowed: ${STRACE_MODES.join(', ')}.`);
  if ((req.pid === undefined) === (req.command === undefined)) throw new SchedcpError('invalid_argument', 'Give exactly one target: pid or workload.');
  if (req.mode === 'trace' && req.command && !req.syscalls?.length) {
    throw new SchedcpError('invalid_argument', `Tracing a workload needs syscalls (names or classes: ${SYSCALL_CLASSES.join(', ')}): they become its --seccomp-bpf filter. For every syscall use mode summary.`);
  }
  for (const s of req.syscalls ?? []) {
    if (!(SYSCALL_CLASSES as readonly string[]).includes(s) && !/^[a-z][a-z0-9_]{1,31}$/.test(s)) {
      throw new SchedcpError('invalid_argument', `syscall filter ${quote(s)} is neither a syscall name nor an allowed class (${SYSCALL_CLASSES.join(', ')}).`);
    }
  }
  for (const flag of req.extraFlags ?? []) {
    if (!(STRACE_EXTRA_FLAGS as readonly string[]).includes(flag)) throw new SchedcpError('invalid_argument', `strace flag ${quote(flag)} is not allowed; allowed extra flags: ${STRACE_EXTRA_FLAGS.join(', ')} (output files, -p and -e are set by schedcp).`);
  }
  if (req.maxLines !== undefined && (req.maxLines < 1 || req.maxLines > 5000)) throw new SchedcpError('limit_exceeded', `max_lines ${req.maxLines} must be 1..5000.`);
}

/** argv after `timeout -s INT <duration>` (SIGINT makes strace print its -c summary and detach). */
export function straceArgs(req: StraceRequest): string[] {
  const args: string[] = ['-qq'];
  if (req.mode === 'summary') args.push('-c');
  else args.push('-T', '-s', '64');
  for (const f of req.extraFlags ?? []) if (!args.includes(f)) args.push(f);
  if (req.syscalls?.length) args.push('-e', `trace=${req.syscalls.join(',')}`);
  if (req.command) {
    if (!args.includes('-f')) args.push('-f');
    // seccomp-bpf stops only at the traced syscalls: the target runs near full speed.
    if (req.syscalls?.length) args.push('--seccomp-bpf');
    args.push('--', ...req.command);
  } else {
    args.push('-p', String(req.pid));
  }
  return args;
}

export interface SyscallSummaryRow { syscall: string; timePct: number; seconds: number; usecsPerCall: number; calls: number; errors: number }

export function parseStraceSummary(text: string): { rows: SyscallSummaryRow[]; total?: SyscallSummaryRow } {
  const rows: SyscallSummaryRow[] = [];
  let total: SyscallSummaryRow | undefined;
  for (const line of text.split('\n')) {
    const m = /^\s*([\d.]+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)?\s*(\S+)\s*$/.exec(line);
    if (!m) continue;
    const row = { timePct: Number(m[1]), seconds: Number(m[2]), usecsPerCall: Number(m[3]), calls: Number(m[4]), errors: Number(m[5] ?? 0), syscall: m[6]! };
    if (row.syscall === 'total') total = row;
    else rows.push(row);
  }
  return total ? { rows, total } : { rows };
}

export interface TraceLine { pid?: number; syscall: string; args: string; result: string; durationUs?: number }

export function parseStraceTrace(text: string, maxLines: number): { lines: TraceLine[]; totalLines: number; bySyscall: Record<string, number> } {
  const lines: TraceLine[] = [];
  const bySyscall: Record<string, number> = {};
  let totalLines = 0;
  // Interleaved threads print "name(args <unfinished ...>" and later "<... name resumed>rest) = r":
  // the call is counted once, at its completion.
  const pending = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const unfinished = /^(?:\[pid\s+(\d+)\]\s+)?([a-z_0-9]+)\((.*) <unfinished \.\.\.>$/.exec(line);
    if (unfinished) { pending.set(`${unfinished[1] ?? ''}:${unfinished[2]}`, unfinished[3]!); continue; }
    const resumed = /^(?:\[pid\s+(\d+)\]\s+)?<\.\.\. ([a-z_0-9]+) resumed>(.*)\)\s+=\s+(.+?)(?:\s+<([\d.]+)>)?$/.exec(line);
    const m = resumed
      ? [line, resumed[1], undefined, resumed[2], (pending.get(`${resumed[1] ?? ''}:${resumed[2]}`) ?? '') + resumed[3], resumed[4], resumed[5]]
      : /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?([a-z_0-9]+)\((.*)\)\s+=\s+(.+?)(?:\s+<([\d.]+)>)?$/.exec(line);
    if (!m) continue;
    if (resumed) pending.delete(`${resumed[1] ?? ''}:${resumed[2]}`);
    totalLines++;
    bySyscall[m[3]!] = (bySyscall[m[3]!] ?? 0) + 1;
    if (lines.length >= maxLines) continue;
    const entry: TraceLine = { syscall: m[3]!, args: m[4]!.slice(0, 200), result: m[5]! };
    const pid = m[1] ?? m[2];
    if (pid) entry.pid = Number(pid);
    if (m[6]) entry.durationUs = Math.round(Number(m[6]) * 1e6);
    lines.push(entry);
  }
  return { lines, totalLines, bySyscall };
}
