// Closing the app kills every running loader: nothing keeps running or stays attached.
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/helpers/app.js';
import { analysisOf, runProbe } from './index.js';
import { ourLoaders } from '../../test/helpers/probe-loaders.js';

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
      expect(ourLoaders().length).toBeGreaterThanOrEqual(1);
      await app.close();
      await expect(running).rejects.toThrow(/cancelled/);
      expect(ourLoaders()).toEqual([]);
    } finally {
      await testApp.close();
    }
  });
});
