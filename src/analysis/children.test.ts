// Closing the app kills every running loader: nothing keeps running or stays attached.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/helpers/app.js';
import { analysisOf, runProbe } from './index.js';
import { probeBuildDir } from './probes/registry.js';


/** Loader processes started by this test process (directly or through the server it spawned). */
function ourLoaders(build: string): string[] {
  const ppid = (pid: string) => { try { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); return s.slice(s.lastIndexOf(')') + 2).split(' ')[1]!; } catch { return '0'; } };
  const mine = (pid: string) => { for (let p = pid, i = 0; p !== '0' && p !== '1' && i < 10; p = ppid(p), i++) if (p === String(process.pid)) return true; return false; };
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try { return readlinkSync(`/proc/${pid}/exe`).startsWith(build) && mine(pid); } catch { return false; }
  });
}
const loaders = () => ourLoaders(probeBuildDir());

describe('child tracking', () => {
  it('kills a running probe loader when the app closes', async () => {
    const testApp = createTestApp({}, { prefix: 'schedcp-children-test' });
    const { app } = testApp;
    try {
      let attached!: () => void;
      const ready = new Promise<void>((r) => { attached = r; });
      const running = runProbe(app, { name: 'cswitch', durationS: 30 }, { onProgress: (done) => { if (done === 0) attached(); } });
      await ready;
      expect(analysisOf(app).children.active).toBe(1);
      expect(loaders().length).toBeGreaterThanOrEqual(1);
      await app.close();
      await expect(running).rejects.toThrow(/cancelled/);
      expect(loaders()).toEqual([]);
    } finally {
      await testApp.close();
    }
  });
});
