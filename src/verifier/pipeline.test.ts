// The pipeline's static path and the evidence store against a real SQLite app (no VM needed: the
// policies here are prebuilt objects compiled with clang-19 against testdata/mini_scx.h).
import { execFileSync } from 'node:child_process';
import { existsSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../app.js';
import { createTestApp, type TestApp } from '../../test/helpers/app.js';
import { getVerification, verifyPolicy, verifyToken } from './index.js';
import { loadOrCreateSigningKey } from './keys.js';
import { signToken } from './token.js';

let testApp: TestApp;
let root: string;
let app: App;
const obj = (name: string) => join(root, `${name}.bpf.o`);

beforeAll(() => {
  testApp = createTestApp({}, { prefix: 'schedcp-pipeline-test' });
  ({ app, root } = testApp);
  for (const name of ['good', 'bad']) execFileSync('clang-19', ['-target', 'bpf', '-O2', '-g', '-c', join(import.meta.dirname, 'testdata', `${name}.bpf.c`), '-o', obj(name)]);
});
afterAll(() => testApp.close());

describe('verifyPolicy (static stage only)', () => {
  it('passes a clean object, stores the evidence, and issues no token without the VM stages', async () => {
    const v = await verifyPolicy(app, { objectPath: obj('good'), label: 'good.bpf.o' }, { staticOnly: true });
    expect(v).toMatchObject({ verdict: 'pass', policy: { label: 'good.bpf.o', opsName: 'good' } });
    expect(v.token).toBeUndefined();
    expect(v.notes.join(' ')).toMatch(/no token is issued/);
    const stored = getVerification(app, v.id, 'full');
    expect(stored.verdict).toBe('pass');
    expect(stored.objectSha256).toBe(v.policy.objectSha256);
    expect((stored.evidence as { stages: Array<{ stage: string }> }).stages.map((s) => s.stage)).toEqual(['static']);
  });

  it('fails a bad object at the static stage naming the first rule', async () => {
    const v = await verifyPolicy(app, { objectPath: obj('bad') }, { staticOnly: false });
    expect(v).toMatchObject({ verdict: 'fail', failedStage: 'static', failureClass: 'static_rule' });
    expect(v.reason).toMatch(/^static: License "Proprietary" is not GPL-compatible.*\(\+\d+ more errors\)$/);
    expect(v.stages).toHaveLength(1);
  });

  it('fails policy source with a host include before compiling anything', async () => {
    const v = await verifyPolicy(app, { source: '#include "/etc/passwd"\nchar _license[] SEC("license") = "GPL";\nvoid f(void) {}\n' }, {});
    expect(v).toMatchObject({ verdict: 'fail', failureClass: 'static_rule' });
    expect(v.reason).toMatch(/"\/etc\/passwd" is outside the allowed headers/);
  });

  it('refuses input that is not a policy without recording anything', async () => {
    const count = () => (app.db.prepare('SELECT count(*) AS n FROM verifications').get() as { n: number }).n;
    const before = count();
    await expect(verifyPolicy(app, { source: 'print("hello")' })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/does not look like C/) });
    await expect(verifyPolicy(app, { source: `${'int x;\n'.repeat(40000)}` })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/limit is 262144 bytes/) });
    await expect(verifyPolicy(app, { objectPath: join(root, 'missing.o') })).rejects.toMatchObject({ code: 'invalid_argument' });
    const huge = join(root, 'huge.bpf.o');
    writeFileSync(huge, '');
    truncateSync(huge, 16 * 1024 * 1024 + 1); // sparse
    await expect(verifyPolicy(app, { objectPath: huge })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/limit is 16777216/) });
    expect(count()).toBe(before);
  });

  it('returns less at lower detail levels', async () => {
    const v = await verifyPolicy(app, { objectPath: obj('good') }, { staticOnly: true });
    expect(getVerification(app, v.id, 'summary').evidence).toBeUndefined();
    const stages = JSON.stringify(getVerification(app, v.id, 'stages').evidence);
    const full = JSON.stringify(getVerification(app, v.id, 'full').evidence);
    expect(stages.length).toBeLessThan(full.length);
    expect(() => getVerification(app, 999999)).toThrow(/No verification with id 999999/);
  });
});

describe('verifyToken against the evidence store', () => {
  it('accepts a token citing stored evidence and refuses it once the evidence changes', async () => {
    const v = await verifyPolicy(app, { objectPath: obj('good') }, { staticOnly: true });
    const key = loadOrCreateSigningKey(app.config.dataDir);
    const now = Math.floor(Date.now() / 1000);
    const token = signToken({ kid: key.kid, policySha256: v.policy.objectSha256!, verifierVersion: 'test', kernelRelease: '6.12.0', evidenceId: v.id, evidenceSha256: v.evidenceSha256, iat: now, exp: now + 60, modes: ['canary'] }, key.privateKey);
    expect(await verifyToken(app, token, { kernelRelease: '6.12.0', policySha256: v.policy.objectSha256! })).toMatchObject({ valid: true });
    expect((await verifyToken(app, token, { kernelRelease: '6.13.0' })).reason).toMatch(/current kit is 6.13.0/);
    const json = (app.db.prepare('SELECT evidence_json FROM verifications WHERE id = ?').get(v.id) as { evidence_json: string }).evidence_json;
    app.db.prepare('UPDATE verifications SET evidence_json = ? WHERE id = ?').run(json.replace('"verdict":"pass"', '"verdict":"fail"'), v.id);
    expect((await verifyToken(app, token, { kernelRelease: '6.12.0' })).reason).toMatch(/no longer matches/);
    app.db.prepare('UPDATE verifications SET evidence_json = ?, evidence_sha256 = ? WHERE id = ?').run(json, '0'.repeat(64), v.id);
    expect((await verifyToken(app, token, { kernelRelease: '6.12.0' })).reason).toMatch(/no longer matches/);
  });

  it('checks tokens without creating a signing key', async () => {
    const fresh = createTestApp({}, { prefix: 'schedcp-pipeline-nokey' });
    try {
      expect((await verifyToken(fresh.app, 'schedcp-vt1.eyJraWQiOiJ4In0.AAAA', { kernelRelease: '6.12.0' })).reason).toMatch(/does not know/);
      expect(existsSync(join(fresh.app.config.dataDir, 'verifier', 'token-signing-key.pem'))).toBe(false);
    } finally {
      await fresh.close();
    }
  });
});
