// Builds the argument vector that runs a tool inside bubblewrap: read-only root, private /tmp,
// no network, every capability dropped except the few the tool needs, and resource limits via prlimit.

export interface SandboxSpec {
  /** Capabilities the tool keeps, e.g. ['CAP_PERFMON', 'CAP_SYS_PTRACE']. Everything else is dropped. */
  keepCapabilities?: readonly string[];
  /** Host PIDs must stay visible for tools that attach to a running process (perf -p, strace -p). */
  shareHostPids?: boolean;
  /** Writable directory bound at the same path inside (for output files). */
  writableDir?: string;
  /** Address-space limit in bytes (prlimit --as). */
  maxMemoryBytes?: number;
  /** Max file size the tool may write, in bytes (prlimit --fsize). */
  maxFileBytes?: number;
  /** CPU seconds (prlimit --cpu). */
  maxCpuSeconds?: number;
}

export interface SandboxCommand {
  file: string;
  args: string[];
}

/** Wrap `file args` in bwrap + prlimit. The result is run with `run()` like any command. */
export function sandboxArgs(file: string, args: readonly string[], spec: SandboxSpec = {}): SandboxCommand {
  const bwrap: string[] = [
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', '/tmp',
    '--unshare-net', '--unshare-ipc', '--unshare-uts',
    '--die-with-parent', '--new-session',
    '--cap-drop', 'ALL',
  ];
  if (!spec.shareHostPids) bwrap.push('--unshare-pid');
  for (const cap of spec.keepCapabilities ?? []) bwrap.push('--cap-add', cap);
  // /sys/kernel/debug and tracefs must stay reachable for perf's tracepoint events.
  if (spec.writableDir) bwrap.push('--bind', spec.writableDir, spec.writableDir);
  const limits: string[] = [];
  if (spec.maxMemoryBytes) limits.push(`--as=${spec.maxMemoryBytes}`);
  if (spec.maxFileBytes) limits.push(`--fsize=${spec.maxFileBytes}`);
  if (spec.maxCpuSeconds) limits.push(`--cpu=${spec.maxCpuSeconds}`);
  const inner = limits.length > 0 ? ['prlimit', ...limits, '--', file, ...args] : [file, ...args];
  return { file: 'bwrap', args: [...bwrap, '--', ...inner] };
}
