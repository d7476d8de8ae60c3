// The background sampler on this machine's real /proc, with short windows (100 ms) so the file stays fast.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../../test/helpers/mcp.js';
import { SummaryService } from './service.js';

const services: SummaryService[] = [];
function service(options: { idlePauseMs?: number } = {}): SummaryService {
  const s = new SummaryService({ intervalMs: 100, idlePauseMs: options.idlePauseMs ?? 60_000 });
  services.push(s);
  return s;
}
afterEach(() => { for (const s of services.splice(0)) s.sampler.stop(); });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('background sampler', () => {
  it('answers levels 0 and 1 from the latest complete window and reports its age', async () => {
    const s = service();
    s.sampler.start();
    const first = await s.sampler.nextWindow();
    expect(first).toBeDefined();
    const l0 = await s.summary({ level: 0, windowMs: 0 });
    expect(l0.window.source).toBe('background');
    expect(l0.at).toBe(s.sampler.latest()!.at);
    expect(l0.window.ageMs).toBeGreaterThanOrEqual(0);
    expect(l0.window.ms).toBeGreaterThan(0);
    expect(l0.digest[0]).toMatch(/^CPU: /);
    // Level 1 needs per-thread run-queue readings: the sampler turns them on and the answer has them.
    const l1 = await s.summary({ level: 1, windowMs: 0 });
    expect(l1.window.source).toBe('background');
    expect(l1.metrics?.scheduler.runqueueWaitPerSliceUs).toBeDefined();
    expect(s.sampler.windows().length).toBeGreaterThanOrEqual(2);
    // Only the latest window keeps its raw readings; older ones keep metrics and signals.
    expect(s.sampler.windows().slice(0, -1).every((w) => w.prev === undefined && w.signals.length === 8)).toBe(true);
  });

  it('samples a new window when asked for fresh, and for level 2', async () => {
    const s = service();
    s.sampler.start();
    await s.sampler.nextWindow();
    const fresh = await s.summary({ level: 0, windowMs: 0, fresh: true });
    expect(fresh.window.source).toBe('fresh_window');
    expect(fresh.window.ms).toBeGreaterThanOrEqual(200);
    const explicit = await s.summary({ level: 0, windowMs: 150 });
    expect(explicit.window.source).toBe('fresh_window');
    const l2 = await s.summary({ level: 2, windowMs: 0, topN: 2 });
    expect(l2.window.source).not.toBe('background');
    const sig = await s.signals({ fresh: true, windowMs: 150 });
    expect(sig.window.source).toBe('fresh_window');
  });

  it('pauses when nobody asks, reads nothing while paused, and resumes on the next request', async () => {
    const s = service({ idlePauseMs: 250 });
    s.sampler.start();
    await vi.waitFor(() => expect(s.sampler.state).toBe('paused'), { timeout: 5000, interval: 50 });
    const ticks = s.sampler.stats().ticks;
    await sleep(350);
    expect(s.sampler.stats().ticks).toBe(ticks);
    const before = s.sampler.latest({ maxAgeMs: Infinity })!.at;
    const r = await s.summary({ level: 0, windowMs: 0 });
    expect(s.sampler.state).toBe('running');
    expect(r.window.source).toBe('background');
    expect(r.at > before).toBe(true);
  });

  it('stops cleanly: no more windows, waiters released, and a process using it exits by itself', async () => {
    const s = service();
    s.sampler.start();
    await s.sampler.nextWindow();
    const waiting = s.sampler.nextWindow();
    s.sampler.stop();
    await expect(waiting).resolves.toBeUndefined();
    const ticks = s.sampler.stats().ticks;
    await sleep(300);
    expect(s.sampler.stats().ticks).toBe(ticks);
    expect(s.sampler.state).toBe('stopped');
    // Without a running sampler window 0 falls back to the previous sample / a short fresh window.
    expect((await s.summary({ level: 0, windowMs: 0 })).window.source).not.toBe('background');
  });

  const built = join(REPO_ROOT, 'dist', 'src', 'analysis', 'summary', 'service.js');
  it.skipIf(!existsSync(built))('lets a process exit on its own after app close (built dist/)', () => {
    // The child starts the sampler through the app, takes one background answer, closes the app and
    // returns from its script: a timer left behind would keep it alive until the 20 s kill.
    const script = `
      const { createApp } = await import(${JSON.stringify(join(REPO_ROOT, 'dist', 'src', 'app.js'))});
      const { loadConfig } = await import(${JSON.stringify(join(REPO_ROOT, 'dist', 'src', 'config', 'index.js'))});
      const a = await import(${JSON.stringify(join(REPO_ROOT, 'dist', 'src', 'analysis', 'index.js'))});
      const { mkdtempSync } = await import('node:fs');
      const dir = mkdtempSync('/tmp/schedcp-sampler-exit-');
      const app = createApp({ config: { ...loadConfig({ SCHEDCP_DATA_DIR: dir, HOME: dir }), dataDir: dir } });
      a.startBackgroundSampler(app);
      const r = await a.systemSummary(app, { level: 0, windowMs: 0 });
      await app.close();
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
      console.log(r.window.source, a.samplerStats(app).state);`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000, encoding: 'utf8' });
    expect(out.trim()).toBe('background stopped');
  }, 30_000);
});
