// Reading and writing kernel tunables behind one small interface. Two targets: the host's
// /proc/sys (+ debugfs for sched tunables that moved there), and a named network namespace
// (reads/writes run through `ip netns exec`, so only that namespace's net.* values are touched).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SchedcpError, quote } from '../errors.js';
import { run } from '../exec/index.js';
import { normalizeValue, type Tunable } from './kb.js';
import type { TargetKind } from './guardrails.js';

export interface SysctlTarget {
  readonly kind: TargetKind;
  /** Stable identity stored with backups: "host" or "netns:<name>". */
  readonly label: string;
  /** Current values (normalized); undefined when the tunable does not exist on this target. */
  readMany(tunables: readonly Tunable[]): Promise<Map<string, string | undefined>>;
  /** Writes one value; throws a SchedcpError naming the key and the kernel's reason. */
  write(tunable: Tunable, value: string): Promise<void>;
  /** Where the value lives (for messages and the staged file). */
  locate(tunable: Tunable): string | undefined;
  /** Why a tunable is absent here, when the target can tell more than the KB's availability note. */
  absentReason(tunable: Tunable): string | undefined;
  /** Why writes cannot happen at all (read-only /proc/sys, missing namespace), or undefined. */
  writeBlocker(): Promise<string | undefined>;
}

export function procPath(root: string, key: string): string {
  return join(root, ...key.split('.'));
}

function writeError(key: string, where: string, reason: string, cause?: unknown): SchedcpError {
  if (/read-only file system|EROFS/i.test(reason)) return new SchedcpError('precondition_failed', `${key}: ${where} is on a read-only file system (as in containers); nothing can be written there.`, { cause });
  if (/permission denied|operation not permitted|EACCES|EPERM/i.test(reason)) return new SchedcpError('permission_denied', `${key}: the kernel refused the write to ${where} (permission denied; the value may be read-only in this namespace).`, { cause });
  if (/invalid argument|EINVAL/i.test(reason)) return new SchedcpError('invalid_argument', `${key}: the kernel rejected the value written to ${where} (invalid argument).`, { cause });
  return new SchedcpError('subprocess_failed', `${key}: writing ${where} failed: ${reason.trim()}`, { cause });
}

/** Mount options of the mount that holds `path`, from /proc/self/mountinfo text. Pure. */
export function mountOptionsFor(mountinfo: string, path: string): string[] | undefined {
  let best: { point: string; options: string[] } | undefined;
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    if (fields.length < 6) continue;
    const point = fields[4]!.replace(/\\040/g, ' ');
    const inside = path === point || path.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (inside && (!best || point.length >= best.point.length)) best = { point, options: fields[5]!.split(',') };
  }
  return best?.options;
}

export interface HostTargetOptions {
  procRoot?: string;
  debugfsRoot?: string;
}

/** The running kernel's /proc/sys (or another root, e.g. a test tree), with debugfs fallback. */
export class HostSysctlTarget implements SysctlTarget {
  readonly kind = 'host' as const;
  readonly label: string;
  private readonly procRoot: string;
  private readonly debugfsRoot: string;

  constructor(options: HostTargetOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc/sys';
    this.debugfsRoot = options.debugfsRoot ?? '/sys/kernel/debug';
    this.label = this.procRoot === '/proc/sys' ? 'host' : `root:${this.procRoot}`;
  }

  locate(t: Tunable): string | undefined {
    const proc = procPath(this.procRoot, t.key);
    if (existsSync(proc)) return proc;
    if (t.debugfs) {
      const debug = join(this.debugfsRoot, t.debugfs);
      if (existsSync(debug)) return debug;
    }
    return undefined;
  }

  absentReason(t: Tunable): string | undefined {
    if (t.debugfs && !existsSync(join(this.debugfsRoot, 'sched'))) {
      return `not in ${this.procRoot}, and debugfs is not mounted at ${this.debugfsRoot} where newer kernels keep it (mount -t debugfs none ${this.debugfsRoot})`;
    }
    return undefined;
  }

  async readMany(tunables: readonly Tunable[]): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>();
    for (const t of tunables) {
      const path = this.locate(t);
      let value: string | undefined;
      if (path) { try { value = normalizeValue(readFileSync(path, 'utf8')); } catch { value = undefined; } }
      out.set(t.key, value);
    }
    return out;
  }

  async write(t: Tunable, value: string): Promise<void> {
    const path = this.locate(t);
    if (!path) throw new SchedcpError('not_found', `${t.key} does not exist on this kernel (${t.availability}).`);
    try {
      // 'r+' never creates a file: a missing tunable must not turn into a stray file.
      writeFileSync(path, `${value}\n`, { flag: 'r+' });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw writeError(t.key, path, `${e.code ?? ''} ${e.message}`, error);
    }
  }

  async writeBlocker(): Promise<string | undefined> {
    let info: string;
    try { info = readFileSync('/proc/self/mountinfo', 'utf8'); } catch { return undefined; }
    const options = mountOptionsFor(info, this.procRoot);
    if (options?.includes('ro')) return `${this.procRoot} is mounted read-only (typical inside containers); live tuning is impossible here. Use mode "stage" and apply the file on the host.`;
    return undefined;
  }
}

export const NETNS_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** A network namespace created with `ip netns add`: net.* values there are private to it. */
export class NetnsSysctlTarget implements SysctlTarget {
  readonly kind = 'netns' as const;
  readonly label: string;

  constructor(readonly name: string) {
    if (!NETNS_NAME.test(name)) throw new SchedcpError('invalid_argument', `Network namespace name ${quote(name)} is invalid; use 1-64 letters, digits, _ . -.`);
    this.label = `netns:${name}`;
  }

  locate(t: Tunable): string | undefined {
    return t.key.startsWith('net.') ? procPath('/proc/sys', t.key) : undefined;
  }

  absentReason(t: Tunable): string | undefined {
    return t.key.startsWith('net.') ? undefined : 'only net.* tunables exist per network namespace';
  }

  async readMany(tunables: readonly Tunable[]): Promise<Map<string, string | undefined>> {
    const out = new Map<string, string | undefined>(tunables.map((t) => [t.key, undefined]));
    const paths = tunables.filter((t) => t.key.startsWith('net.')).map((t) => procPath('/proc/sys', t.key));
    if (paths.length === 0) return out;
    await this.assertExists();
    // One subprocess for all reads: grep -sH prints "path:value" for each file that exists.
    const result = await run('ip', ['netns', 'exec', this.name, 'grep', '-sH', '.', ...paths], { allowFailure: true, timeoutMs: 10_000 });
    const byPath = new Map(tunables.map((t) => [procPath('/proc/sys', t.key), t.key]));
    for (const line of result.stdout.split('\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const key = byPath.get(line.slice(0, colon));
      if (key) out.set(key, normalizeValue(line.slice(colon + 1)));
    }
    return out;
  }

  async write(t: Tunable, value: string): Promise<void> {
    const path = this.locate(t);
    if (!path) throw new SchedcpError('invalid_argument', `${t.key} is not a network tunable; it cannot be written inside network namespace ${quote(this.name)}.`);
    await this.assertExists();
    const result = await run('ip', ['netns', 'exec', this.name, 'tee', path], { input: `${value}\n`, allowFailure: true, timeoutMs: 10_000 });
    if (result.exitCode !== 0) throw writeError(t.key, `${path} in netns ${this.name}`, result.stderr || `exit ${result.exitCode}`);
  }

  async writeBlocker(): Promise<string | undefined> {
    return existsSync(`/run/netns/${this.name}`) ? undefined : `network namespace ${quote(this.name)} does not exist (create it with \`ip netns add ${this.name}\`).`;
  }

  private async assertExists(): Promise<void> {
    const blocker = await this.writeBlocker();
    if (blocker) throw new SchedcpError('not_found', blocker);
  }
}

/** "host" or "netns:<name>" → a target. */
export function targetFromSpec(spec: string | undefined, options: HostTargetOptions = {}): SysctlTarget {
  if (spec === undefined || spec === 'host') return new HostSysctlTarget(options);
  if (spec.startsWith('netns:')) return new NetnsSysctlTarget(spec.slice('netns:'.length));
  throw new SchedcpError('invalid_argument', `Target ${quote(spec)} is not valid; use "host" or "netns:<name>".`);
}
