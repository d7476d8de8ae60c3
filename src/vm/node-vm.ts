// Long-running node VMs: a micro-VM booted from the kit in node mode (init starts schedcp-node on
// the second serial port). qemu daemonizes in its own session, so a node outlives the tool call and
// the server that started it; its state dir under the data dir (node.json, qemu.pid, channel.sock,
// console.log) is how any later schedcp process finds it again.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SchedcpError, quote } from '../errors.js';
import { run } from '../exec/index.js';
import { getKit } from './kit.js';
import { chooseAccel, QEMU } from './qemu.js';

export const NODE_NAME_RE = /^[a-z][a-z0-9-]{0,31}$/;

export interface NodeVmOptions {
  cpus?: number;
  memoryMiB?: number;
  /** CPU-bound batch workers in the node's steady load. */
  batchWorkers?: number;
  /** Agent sampling interval. */
  intervalMs?: number;
  /** Test nodes only: the agent accepts `debug_kill` (a real SIGKILL of itself, for the agent-killed test). */
  debug?: boolean;
}

export interface NodeVmRecord {
  name: string;
  target: 'vm-node';
  kitDir: string;
  kernelRelease: string;
  accel: 'kvm' | 'tcg';
  cpus: number;
  memoryMiB: number;
  batchWorkers: number;
  intervalMs: number;
  debug?: boolean;
  socket: string;
  consoleLog: string;
  pidFile: string;
  startedAt: string;
}

export interface NodeVmStatus extends NodeVmRecord {
  running: boolean;
  pid: number | null;
}

export function nodesDir(dataDir: string): string {
  return join(dataDir, 'nodes');
}

function checkName(name: string): void {
  if (!NODE_NAME_RE.test(name)) throw new SchedcpError('invalid_argument', `Node name ${quote(name)} is not allowed: use 1–32 characters a-z, 0-9 and -, starting with a letter.`);
}

function readPid(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch { return null; }
}

/** The pid is ours only if it is still a qemu whose command line names this node's socket. */
function alivePid(record: NodeVmRecord): number | null {
  const pid = readPid(record.pidFile);
  if (!pid) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(record.socket) ? pid : null;
  } catch { return null; }
}

function readRecord(dir: string): NodeVmRecord | undefined {
  try { return JSON.parse(readFileSync(join(dir, 'node.json'), 'utf8')) as NodeVmRecord; } catch { return undefined; }
}

export function nodeVmStatus(dataDir: string, name: string): NodeVmStatus {
  checkName(name);
  const record = readRecord(join(nodesDir(dataDir), name));
  if (!record) throw new SchedcpError('not_found', `No node named ${quote(name)}; \`schedcp node list\` shows the nodes, \`schedcp node start ${name}\` starts one.`);
  const pid = alivePid(record);
  return { ...record, running: pid !== null, pid };
}

export function listNodeVms(dataDir: string): NodeVmStatus[] {
  const root = nodesDir(dataDir);
  if (!existsSync(root)) return [];
  return readdirSync(root).filter((d) => NODE_NAME_RE.test(d) && existsSync(join(root, d, 'node.json'))).sort().map((d) => nodeVmStatus(dataDir, d));
}

export function nodeQemuArgs(record: NodeVmRecord, kit: { bzImage: string; initramfs: string }): string[] {
  const append = ['console=ttyS0', 'panic=-1', 'reboot=t', 'quiet', 'schedcp.mode=node', `schedcp.batch=${record.batchWorkers}`, `schedcp.interval_ms=${record.intervalMs}`, ...(record.debug ? ['schedcp.debug=1'] : [])].join(' ');
  return [
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    '-accel', record.accel, '-cpu', record.accel === 'kvm' ? 'host' : 'max', '-smp', String(record.cpus), '-m', `${record.memoryMiB}M`,
    '-kernel', kit.bzImage, '-initrd', kit.initramfs, '-append', append,
    // ttyS0: kernel console to a file; ttyS1: the agent's channel (one client at a time).
    '-serial', `file:${record.consoleLog}`, '-serial', `unix:${record.socket},server=on,wait=off`,
    '-daemonize', '-pidfile', record.pidFile,
  ];
}

export async function startNodeVm(config: { dataDir: string; cacheDir: string; vm: { accel: 'auto' | 'kvm' | 'tcg' } }, name: string, options: NodeVmOptions = {}): Promise<NodeVmStatus> {
  checkName(name);
  const dir = join(nodesDir(config.dataDir), name);
  const existing = readRecord(dir);
  if (existing && alivePid(existing)) throw new SchedcpError('already_exists', `Node ${quote(name)} is already running (pid ${alivePid(existing)}); stop it first or pick another name.`);
  const kit = await getKit(config);
  const accel = await chooseAccel(config.vm.accel, kit.bzImage, join(config.cacheDir, 'vm-kit', 'kvm-probe.json'));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const record: NodeVmRecord = {
    name, target: 'vm-node', kitDir: kit.dir, kernelRelease: kit.manifest.versions.kernelRelease, accel,
    cpus: options.cpus ?? 2, memoryMiB: options.memoryMiB ?? 512, batchWorkers: options.batchWorkers ?? 2, intervalMs: options.intervalMs ?? 250,
    ...(options.debug ? { debug: true } : {}),
    socket: join(dir, 'channel.sock'), consoleLog: join(dir, 'console.log'), pidFile: join(dir, 'qemu.pid'), startedAt: new Date().toISOString(),
  };
  if (record.socket.length > 100) throw new SchedcpError('invalid_argument', `The node socket path ${quote(record.socket)} is longer than a unix socket allows (~107 bytes); use a shorter data dir.`);
  writeFileSync(join(dir, 'node.json'), JSON.stringify(record, null, 2));
  // -daemonize: qemu forks into its own session and the command returns once the VM runs.
  await run(QEMU, nodeQemuArgs(record, kit), { timeoutMs: 30_000 });
  return nodeVmStatus(config.dataDir, name);
}

export async function stopNodeVm(dataDir: string, name: string): Promise<{ name: string; wasRunning: boolean }> {
  const status = nodeVmStatus(dataDir, name);
  if (status.pid) {
    try { process.kill(status.pid, 'SIGTERM'); } catch { /* gone */ }
    for (let i = 0; i < 50 && alivePid(status); i++) await new Promise((r) => setTimeout(r, 100));
    const left = alivePid(status);
    if (left) try { process.kill(left, 'SIGKILL'); } catch { /* gone */ }
  }
  rmSync(join(nodesDir(dataDir), name), { recursive: true, force: true });
  return { name, wasRunning: status.running };
}
