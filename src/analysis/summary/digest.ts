// Level 0: a few lines an agent can read at a glance: what is busy, what is under pressure, who.
import type { Signal } from '../signals/classify.js';
import type { Level1Metrics } from './metrics.js';
import type { TaskRow } from './tasks.js';

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

const psi = (p?: { someAvg10Pct: number }) => (p ? `, PSI some ${p.someAvg10Pct}% (avg10)` : '');

export function digest(m: Level1Metrics, top: readonly TaskRow[], signals: readonly Signal[]): string[] {
  const c = m.cpu.total;
  const lines = [
    `CPU: ${c.busyPct}% busy of ${m.cpu.cores} cores (user ${c.userPct}%, system ${c.systemPct}%, iowait ${c.iowaitPct}%, steal ${c.stealPct}%); ${m.load.runnablePerCpu} runnable tasks/CPU, load ${m.load.load1}${psi(m.cpu.pressure)}; ${Math.round(m.scheduler.contextSwitchesPerS)} switches/s`,
    `Memory: ${formatBytes(m.memory.availableBytes)} available of ${formatBytes(m.memory.totalBytes)} (${m.memory.availablePct}%); swap ${m.memory.swapTotalBytes ? `${m.memory.swapUsedPct}% used` : 'none'}; ${m.memory.majorFaultsPerS} major faults/s${psi(m.memory.pressure)}`,
  ];
  const busiestDisk = [...m.io.disks].sort((a, b) => b.utilPct - a.utilPct)[0];
  lines.push(busiestDisk
    ? `I/O: ${busiestDisk.name} ${busiestDisk.utilPct}% util, read ${formatBytes(busiestDisk.readBytesPerS)}/s, write ${formatBytes(busiestDisk.writeBytesPerS)}/s, await ${busiestDisk.awaitMs} ms${psi(m.io.pressure)}`
    : `I/O: no block devices${psi(m.io.pressure)}`);
  const rx = m.network.interfaces.reduce((a, i) => a + i.rxBytesPerS, 0);
  const tx = m.network.interfaces.reduce((a, i) => a + i.txBytesPerS, 0);
  lines.push(`Network: rx ${formatBytes(rx)}/s, tx ${formatBytes(tx)}/s, ${m.network.errorsPerS} errors/s, ${m.network.dropsPerS} drops/s, TCP retransmits ${m.network.tcpRetransPct}%`);
  const busy = top.filter((t) => t.cpuPct > 0).slice(0, 3);
  lines.push(busy.length ? `Top CPU: ${busy.map((t) => `${t.comm} (pid ${t.pid}) ${t.cpuPct}%`).join(', ')} (100% = one core)` : 'Top CPU: no process used measurable CPU in the window');
  const active = signals.filter((s) => s.severity !== 'none').sort((a, b) => b.score - a.score);
  lines.push(active.length ? `Signals: ${active.map((s) => s.summary).join(' | ')}` : 'Signals: none active');
  return lines;
}
