// The canary deployer against one real VM node (TCG): verified fixture policies go through the
// token check, canary → full → known-good, a delayed scx_bpf_error and a delayed stall are tripped
// by the node agent and rolled back to the known-good policy, refused tokens send nothing, a
// second deploy on a busy node is refused, and K trips of one object refuse it. Needs the VM kit.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { loadConfig, parseConfig } from '../src/config/index.js';
import { verifyPolicies, type Verification } from '../src/verifier/index.js';
import { deployPolicy, deploymentStatus, deployerOf, listDeployments, listNodes, rollbackDeployment, startNode, stopNode } from '../src/deployer/index.js';
import { SchedcpError } from '../src/errors.js';

const fixtures = resolve(import.meta.dirname, 'fixtures', 'policies');
const NAMES = ['deploy_good', 'deploy_delayed_error', 'deploy_delayed_stall'] as const;
const NODE = 'testnode';
const FAST = { baselineSeconds: 2, canarySeconds: 4, knownGoodSeconds: 3, maxWakeP99Ratio: 100, maxReqP99Ratio: 100 };

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, seconds = 60): Promise<T> {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(process.env.SCHEDCP_SKIP_VM_TESTS === '1')('deployer on a real VM node', () => {
  let root: string;
  let app: App;
  const source = {} as Record<(typeof NAMES)[number], string>;
  const verified = {} as Record<(typeof NAMES)[number], Verification>;

  beforeAll(async () => {
    const config = loadConfig();
    root = mkdtempSync(join(tmpdir(), 'sdep-'));
    app = createApp({ config: parseConfig({ dataDir: join(root, 'd'), cacheDir: config.cacheDir, repository: { embedding: 'hashing' } }) });
    for (const n of NAMES) source[n] = readFileSync(join(fixtures, `${n}.bpf.c`), 'utf8');
    // The good policy gets a full token (perf check); the delayed failures only need canary tokens,
    // and the shorter no-perf run keeps them well inside their 25 s before they misbehave.
    const [good, delayed, node] = await Promise.all([
      verifyPolicies(app, [{ source: source.deploy_good, fileName: 'deploy_good.bpf.c', label: 'deploy_good' }], { perf: true }),
      verifyPolicies(app, NAMES.slice(1).map((n) => ({ source: source[n], fileName: `${n}.bpf.c`, label: n })), { perf: false }),
      startNode(app, NODE),
    ]);
    [...good, ...delayed].forEach((v, i) => { verified[NAMES[i]!] = v; });
    expect(node.running).toBe(true);
  }, 600_000);

  afterAll(async () => {
    if (app) {
      for (const d of deployerOf(app).store.active()) await rollbackDeployment(app, d.id).catch(() => undefined);
      await stopNode(app, NODE).catch(() => undefined);
      await app.close();
    }
    if (root) rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it('verified the fixtures (each gets a token: the failures come after the verifier run)', () => {
    for (const n of NAMES) expect(verified[n].token, `${n}: ${verified[n].reason}`).toBeTruthy();
  });

  it('refuses bad tokens before anything reaches the node', async () => {
    const good = verified.deploy_good.token!;
    const tampered = good.slice(0, -3) + (good.endsWith('A') ? 'BBB' : 'AAA');
    const cases: Array<[string, string, RegExp]> = [
      ['not a token', source.deploy_good, /not a schedcp verification token/],
      [tampered, source.deploy_good, /signature|tampered/],
      [verified.deploy_delayed_error.token!, source.deploy_good, /token is for source sha256/],
    ];
    for (const [token, src, why] of cases) {
      const err = await deployPolicy(app, { token, node: NODE, policy: { source: src }, plan: FAST }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SchedcpError);
      expect((err as SchedcpError).code).toBe('token_invalid');
      expect((err as SchedcpError).message).toMatch(why);
    }
    expect(listDeployments(app)).toEqual([]);
    const err = await deployPolicy(app, { token: good, node: 'nosuchnode', policy: { source: source.deploy_good } }).catch((e: unknown) => e);
    expect((err as SchedcpError).code).toBe('not_found');
  }, 120_000);

  it('takes a good policy canary → full → known-good', async () => {
    const started = await deployPolicy(app, { token: verified.deploy_good.token!, node: NODE, policy: { source: source.deploy_good }, plan: FAST });
    expect(started.stage).toBe('canary');
    expect(started.breaker).toBe('closed');
    expect(started.gates.map((g) => g.kpi)).toEqual(['wake_p99_us', 'req_p99_us']);
    const done = await until('known_good', async () => { const s = await deploymentStatus(app, started.id); return s.stage === 'known_good' ? s : undefined; }, 90);
    expect(done.events.map((e) => e.kind)).toContain('stage');
    expect((await listNodes(app)).find((n) => n.name === NODE)?.knownGood?.policy).toBe('deploy_good');
  }, 240_000);

  it('rolls a delayed scx_bpf_error back to the known-good policy, and refuses a second deploy meanwhile', async () => {
    const started = await deployPolicy(app, { token: verified.deploy_delayed_error.token!, node: NODE, policy: { source: source.deploy_delayed_error }, plan: { ...FAST, canarySeconds: 120 } });
    const busy = await deployPolicy(app, { token: verified.deploy_good.token!, node: NODE, policy: { source: source.deploy_good }, plan: FAST }).catch((e: unknown) => e);
    expect((busy as SchedcpError).code).toBe('already_exists');
    expect((busy as SchedcpError).message).toContain(`deployment ${started.id}`);
    const s = await until('rollback', async () => { const x = await deploymentStatus(app, started.id); return x.stage === 'rolled_back' ? x : undefined; }, 150);
    expect(s.breaker).toBe('open');
    expect(s.trip?.kind).toBe('scx_bpf_error');
    const rollback = s.trip?.rollback as { restored: string; sched_ext: { state: string; ops: string } };
    expect(rollback.restored).toBe('known_good');
    expect(rollback.sched_ext.state).toBe('enabled');
    expect(rollback.sched_ext.ops).toBe('deploy_good');
  }, 240_000);

  it('trips a delayed stall within the stall threshold (the kernel watchdog is 30 s) and restores known-good', async () => {
    const started = await deployPolicy(app, { token: verified.deploy_delayed_stall.token!, node: NODE, policy: { source: source.deploy_delayed_stall }, plan: { ...FAST, canarySeconds: 120 } });
    const s = await until('stall rollback', async () => { const x = await deploymentStatus(app, started.id); return x.stage === 'rolled_back' ? x : undefined; }, 150);
    expect(s.trip?.kind).toBe('stall');
    expect((s.trip?.rollback as { restored: string }).restored).toBe('known_good');
  }, 240_000);

  it('refuses an object after K=2 trips', async () => {
    const again = await deployPolicy(app, { token: verified.deploy_delayed_error.token!, node: NODE, policy: { source: source.deploy_delayed_error }, plan: { ...FAST, canarySeconds: 120 } });
    await until('second trip', async () => { const x = await deploymentStatus(app, again.id); return x.stage === 'rolled_back' ? x : undefined; }, 150);
    const err = await deployPolicy(app, { token: verified.deploy_delayed_error.token!, node: NODE, policy: { source: source.deploy_delayed_error }, plan: FAST }).catch((e: unknown) => e);
    expect((err as SchedcpError).code).toBe('precondition_failed');
    expect((err as SchedcpError).message).toMatch(/tripped the breaker 2 times/);
  }, 240_000);
});
