// Tests that load the CPU (signals) and tests that time workloads (feedback channel) run in
// different vitest workers; this lock keeps them from overlapping and skewing each other.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CPU_LOCK = join(tmpdir(), 'schedcp-analysis-cpu.lock');

export async function withCpuLock<T>(fn: () => Promise<T>): Promise<T> {
  for (let waited = 0; ; waited += 100) {
    try { mkdirSync(CPU_LOCK); break; } catch {
      if (waited > 120_000) rmSync(CPU_LOCK, { recursive: true, force: true }); // stale: its holder died
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try { return await fn(); } finally { rmSync(CPU_LOCK, { recursive: true, force: true }); }
}
