// Probe loader processes (bpf/build/*) descended from this test process, directly or through a
// server it spawned: tests check that none is left running after a cancel or shutdown.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { parsePidStat } from '../../src/analysis/procfs/parse.js';
import { probeBuildDir } from '../../src/analysis/probes/registry.js';

function parentOf(pid: number): number {
  try { return parsePidStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).ppid; } catch { return 0; }
}

function descendsFromUs(pid: number): boolean {
  for (let p = pid, i = 0; p > 1 && i < 10; p = parentOf(p), i++) if (p === process.pid) return true;
  return false;
}

export function ourLoaders(buildDir = probeBuildDir()): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try { return readlinkSync(`/proc/${pid}/exe`).startsWith(buildDir) && descendsFromUs(pid); } catch { return false; }
  });
}
