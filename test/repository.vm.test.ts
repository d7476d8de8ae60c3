// The built-in library through the real verifier: kernel verifier + dynamic stage in the 6.12
// micro-VM, results recorded into the repository by `seedPolicies({verify})` (what
// `schedcp policies seed --verify` runs). CI builds the kit first; SCHEDCP_SKIP_VM_TESTS=1 skips.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { policyHistory, seedPolicies } from '../src/repository/index.js';
import { makeTestApp, type TestApp } from '../src/repository/test-app.js';
import { getKit } from '../src/vm/index.js';

const SKIP = process.env.SCHEDCP_SKIP_VM_TESTS === '1';

describe.skipIf(SKIP)('built-in policies in the micro-VM (real qemu)', () => {
  let t: TestApp;
  beforeAll(async () => {
    const cacheDir = loadConfig().cacheDir;
    try { await getKit({ cacheDir }); } catch (error) {
      throw new Error(`VM kit missing: run \`schedcp vm build\` (${(error as Error).message})`);
    }
    t = makeTestApp({ cacheDir, repository: { embedding: 'hashing' } });
  });
  afterAll(async () => { await t?.close(); });

  it('all eight pass the kernel verifier and the dynamic stage, and become verified', async () => {
    const r = await seedPolicies(t.app, { verify: true });
    const summary = r.verifications!.map((v) => `${v.policy}: ${v.verdict} ${v.stages.join(' ')}${v.reason ? ` (${v.reason})` : ''}`);
    expect(r.verifications, summary.join('\n')).toHaveLength(8);
    for (const v of r.verifications!) {
      expect(v.stages, `${v.policy}: ${v.reason ?? ''}`).toEqual(expect.arrayContaining(['kernel_verifier:pass', 'dynamic:pass']));
      expect(v.status).toBe('verified');
      const h = policyHistory(t.app, { name: v.policy });
      expect(h.verifications.at(-1)).toMatchObject({ verificationId: String(v.verificationId), verdict: v.verdict });
    }
  }, 900_000);
});
