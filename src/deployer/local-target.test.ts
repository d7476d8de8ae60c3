import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { parseConfig } from '../config/index.js';
import { hostCapabilities } from '../host/index.js';
import { deployPolicy, startNode } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'sdl-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const appWith = (allowLocalTarget: boolean) => createApp({ config: parseConfig({ dataDir: join(root, String(allowLocalTarget)), deploy: { allowLocalTarget } }) });

describe('the local deploy target', () => {
  it('is refused without the opt-in, before anything else is checked', async () => {
    const app = appWith(false);
    try {
      const err = await deployPolicy(app, { token: 'x', node: 'whatever', target: 'local' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'permission_denied' });
      expect((err as Error).message).toMatch(/deploy\.allowLocalTarget/);
      await expect(startNode(app, 'n1', { target: 'local' })).rejects.toMatchObject({ code: 'permission_denied' });
    } finally { await app.close(); }
  });

  it('with the opt-in, says what this host lacks (host_capabilities\' sched_ext fact), or that a local agent is not managed yet', async () => {
    const app = appWith(true);
    try {
      const scx = (await hostCapabilities({})).capabilities.find((c) => c.name === 'sched_ext')!;
      const err = await deployPolicy(app, { token: 'x', node: 'whatever', target: 'local' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'unsupported' });
      expect((err as Error).message).toContain(scx.available ? 'schedcp-node --listen' : scx.detail);
    } finally { await app.close(); }
  });
});
