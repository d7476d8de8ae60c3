import { lstatSync, readlinkSync } from 'node:fs';

// Builds the argument vector that runs a tool inside bubblewrap: read-only root, private /tmp,
// no network, every capability dropped except the few the tool needs, and resource limits via prlimit.

export interface SandboxSpec {
  /**
   * Only these host paths exist inside (read-only; a symlink is recreated as the same link), instead
   * of the whole root file system. For tools fed untrusted input, e.g. clang compiling a policy.
   */
  visiblePaths?: readonly string[];
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

// Debian's /bin, /lib, /lib64 are links into /usr: recreate links, bind real directories and files.
function visibleOnly(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of new Set(paths)) {
    let target: string | undefined;
    try { target = lstatSync(path).isSymbolicLink() ? readlinkSync(path) : undefined; } catch { continue; } // absent here
    if (target !== undefined) out.push('--symlink', target, path);
    else out.push('--ro-bind', path, path);
  }
  return out;
}

/** Wrap `file args` in bwrap + prlimit. The result is run with `run()` like any command. */
export function sandboxArgs(file: string, args: readonly string[], spec: SandboxSpec = {}): SandboxCommand {
  const bwrap: string[] = [
    ...(spec.visiblePaths ? [] : ['--ro-bind', '/', '/']),
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', '/tmp',
    // After the tmpfs, so a visible path under /tmp is not hidden by it.
    ...(spec.visiblePaths ? visibleOnly(spec.visiblePaths) : []),
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
