// Who perf/strace may look at: a pid that exists, is not schedcp itself (or its parent chain), and
// is not PID 1 unless explicitly allowed.
import { readFileSync } from 'node:fs';
import { SchedcpError, quote } from '../../errors.js';
import { parsePidStat } from '../procfs/parse.js';

function parentOf(pid: number): number | undefined {
  try { return parsePidStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).ppid; } catch { return undefined; }
}

export function validateTargetPid(pid: number, options: { allowPid1?: boolean } = {}): void {
  if (!Number.isInteger(pid) || pid < 1) throw new SchedcpError('invalid_argument', `pid ${quote(pid)} must be a positive integer.`);
  if (pid === 1 && !options.allowPid1) throw new SchedcpError('permission_denied', 'Tracing PID 1 (init) is refused: stopping it at a syscall can stall the whole system. Pass allow_pid1=true if you really mean it.');
  if (pid === process.pid) throw new SchedcpError('permission_denied', `pid ${pid} is the schedcp server itself; it cannot trace itself.`);
  if (parentOf(pid) === undefined) throw new SchedcpError('not_found', `pid ${pid} does not exist (no /proc/${pid}).`);
  // The processes schedcp runs under (its client, shell) are off limits too: ptrace-stopping them would stall this call.
  for (let p: number | undefined = process.ppid, depth = 0; p && p > 1 && depth < 8; p = parentOf(p), depth++) {
    if (p === pid) throw new SchedcpError('permission_denied', `pid ${pid} is an ancestor of the schedcp server (the client that runs it); tracing it is refused.`);
  }
}
