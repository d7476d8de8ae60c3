// The canary deployer against one real VM node (TCG), shared by the whole file: every token refusal
// sends nothing; the control plane SIGKILLed mid-canary → the agent's dead-man switch rolls back and
// a restarted server learns it; a good policy goes canary → (paused, resumed) → full → known-good;
// a delayed scx_bpf_error and a delayed stall are tripped by the agent and the known-good policy is
// reinstated; a second deploy on a busy node is refused; K trips refuse an object; a latency
// regression is rolled back by the soft gates; a SIGKILLed agent is reported. Needs the VM kit.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { loadConfig, parseConfig } from '../src/config/index.js';
import { verifiedObject, verifyPolicies, type TokenClaims, type Verification } from '../src/verifier/index.js';
import { loadOrCreateSigningKey } from '../src/verifier/keys.js';
import { signToken } from '../src/verifier/token.js';
import {
  deployPolicy, deploymentStatus, deployerOf, listDeployments, listNodes, pauseDeployment, promoteDeployment, resumeDeployments, rollbackDeployment, startNode, stopNode,
} from '../src/deployer/index.js';
import { SchedcpError } from '../src/errors.js';

const fixtures = resolve(import.meta.dirname, 'fixtures', 'policies');
const CLI = resolve(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');
const NAMES = ['deploy_good', 'deploy_delayed_error', 'deploy_delayed_stall', 'verifier_long_slice'] as const;
type Name = (typeof NAMES)[number];
const NODE = 'testnode';
// Wide soft gates: under TCG on a shared 2-core host only the soft-trip test means to trip them.
const FAST = { baselineSeconds: 2, canarySeconds: 4, knownGoodSeconds: 3, maxWakeP99Ratio: 100, maxReqP99Ratio: 100 };

/** Polls deployment_status until `stage`; a timeout says where the deployment was and what happened. */
async function untilStage(app: App, id: number, stage: string, seconds: number) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const s = await deploymentStatus(app, id);
    if (s.stage === stage) return s;
    if (Date.now() > end || !s.live) {
      throw new Error(`deployment ${id} did not reach ${stage} within ${seconds} s: stage ${s.stage}, trip ${JSON.stringify(s.trip)}, current ${JSON.stringify(s.current)}, events ${JSON.stringify(s.events).slice(0, 3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function claimsOf(token: string): TokenClaims {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as TokenClaims;
}

describe.skipIf(process.env.SCHEDCP_SKIP_VM_TESTS === '1')('deployer on a real VM node', () => {
  let root: string;
  let app: App;
  const source = {} as Record<Name, string>;
  const verified = {} as Record<Name, Verification>;

  beforeAll(async () => {
    const config = loadConfig();
    root = mkdtempSync(join(tmpdir(), 'sdep-'));
    app = createApp({ config: parseConfig({ dataDir: join(root, 'd'), cacheDir: config.cacheDir, repository: { embedding: 'hashing' } }) });
    for (const n of NAMES) source[n] = readFileSync(join(fixtures, `${n}.bpf.c`), 'utf8');
    // The good policy gets a full token (perf check); the misbehaving ones are verified without it
    // (canary-only tokens): the delayed failures stay inside their 25 s, and the long-slice policy's
    // latency regression is exactly what only the perf check or the canary's soft gates can see.
    const [good, others, node] = await Promise.all([
      verifyPolicies(app, [{ source: source.deploy_good, fileName: 'deploy_good.bpf.c', label: 'deploy_good' }], { perf: true }),
      verifyPolicies(app, NAMES.slice(1).map((n) => ({ source: source[n], fileName: `${n}.bpf.c`, label: n })), { perf: false }),
      startNode(app, NODE, { debug: true }),
    ]);
    [...good, ...others].forEach((v, i) => { verified[NAMES[i]!] = v; });
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

  /**
   * The control plane dies mid-canary: the CLI's `deploy policy` (which holds the node's only
   * channel and sends the heartbeats; this app lets go of it first) starts a canary of the good
   * policy and is SIGKILLed once the canary is live. Returns the deployment id.
   */
  async function canaryFromAKilledCli(deadmanMs: number): Promise<number> {
    await deployerOf(app).controller.closeNode(NODE);
    const child = execa(process.execPath, [CLI, 'deploy', 'policy', '--token', verified.deploy_good.token!, '--node', NODE,
      '--baseline-seconds', '2', '--canary-seconds', '600', '--deadman-ms', String(deadmanMs), '--max-wake-p99-ratio', '100', '--max-req-p99-ratio', '100'], {
      env: { SCHEDCP_DATA_DIR: app.config.dataDir, SCHEDCP_CACHE_DIR: app.config.cacheDir, SCHEDCP_REPOSITORY__EMBEDDING: 'hashing' }, reject: false, all: true,
    });
    let id: number | undefined;
    try {
      const end = Date.now() + 90_000;
      while (id === undefined && Date.now() < end && child.exitCode === null) {
        const d = deployerOf(app).store.list({ node: NODE })[0];
        if (d && d.stage === 'canary' && !d.endedAt && deployerOf(app).store.events(d.id).some((e) => e.kind === 'stage')) id = d.id;
        else await new Promise((r) => setTimeout(r, 250));
      }
      expect(id, `the CLI did not start a canary: ${child.exitCode === null ? 'timeout' : (await child).all}`).toBeDefined();
    } finally {
      child.kill('SIGKILL');
      await child;
    }
    return id!;
  }

  it('verified the fixtures (each gets a token: the failures come after the verifier run)', () => {
    for (const n of NAMES) expect(verified[n].token, `${n}: ${verified[n].reason}`).toBeTruthy();
    expect(verified.deploy_good.tokenModes).toEqual(['canary', 'full']);
    expect(verified.deploy_delayed_error.tokenModes).toEqual(['canary']);
  });

  it('refuses missing, tampered, expired, wrong-policy, wrong-object and wrong-kernel tokens before anything reaches the node', async () => {
    const good = verified.deploy_good.token!;
    const key = loadOrCreateSigningKey(app.config.dataDir);
    const resign = (change: Partial<TokenClaims>) => signToken({ ...claimsOf(good), ...change }, key.privateKey);
    const otherObject = join(root, 'other.bpf.o');
    writeFileSync(otherObject, verifiedObject(app.config.dataDir, claimsOf(verified.deploy_delayed_error.token!).policySha256));
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, string, Parameters<typeof deployPolicy>[1]['policy'], RegExp]> = [
      ['missing', '', undefined, /not a schedcp verification token/],
      ['tampered', good.slice(0, -3) + (good.endsWith('A') ? 'BBB' : 'AAA'), undefined, /signature|tampered/],
      ['expired', resign({ iat: now - 7200, exp: now - 3600 }), undefined, /expired/],
      ['wrong kernel', resign({ kernelRelease: '6.1.0-not-the-kit' }), undefined, /kit kernel 6\.1\.0-not-the-kit/],
      ['wrong policy', good, { source: source.deploy_delayed_error }, /token is for source sha256/],
      ['wrong object', good, { objectPath: otherObject }, /token is for policy object sha256/],
      ['canary not allowed', resign({ modes: ['full'] }), undefined, /allows deploy modes full, not canary/],
    ];
    for (const [what, token, policy, why] of cases) {
      const err = await deployPolicy(app, { token, node: NODE, ...(policy ? { policy } : {}), plan: FAST }).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(SchedcpError);
      expect((err as SchedcpError).code, what).toBe('token_invalid');
      expect((err as SchedcpError).message, what).toMatch(why);
    }
    expect(listDeployments(app)).toEqual([]);
    const unknown = await deployPolicy(app, { token: good, node: 'nosuchnode' }).catch((e: unknown) => e);
    expect((unknown as SchedcpError).code).toBe('not_found');
  }, 120_000);

  it('rolls back on its own when the control plane is SIGKILLed mid-canary (dead-man switch), and a restarted server reports it', async () => {
    const id = await canaryFromAKilledCli(3000);
    const killedAt = Date.now();
    await new Promise((r) => setTimeout(r, 4500)); // deadman 3 s, plus the agent's sampling interval
    await resumeDeployments(app);
    const s = await deploymentStatus(app, id);
    expect(s.stage, JSON.stringify(s.events)).toBe('rolled_back');
    expect(s.trip?.kind).toBe('heartbeat_lost');
    expect(String(s.trip?.reason)).toMatch(/dead-man switch at 3000 ms/);
    expect(s.trip?.counts).toBe(false); // a lost control plane says nothing about the policy
    const rollback = s.trip?.rollback as { restored: string; replayed: boolean; detection_to_restored_ms: number; sched_ext: { state: string } };
    expect(rollback.replayed).toBe(true);
    expect(rollback.restored).toBe('default');
    expect(rollback.sched_ext.state).toBe('disabled');
    expect(Number(s.trip?.detection_ms)).toBeLessThan(1000);
    expect(Date.now() - killedAt).toBeGreaterThan(3000);
  }, 180_000);

  it('re-adopts a live canary when a server restarts within the dead-man timeout: it reconnects, resumes the heartbeats and reports the true state', async () => {
    const id = await canaryFromAKilledCli(8000);
    await resumeDeployments(app); // at once: well inside the 8 s dead-man timeout
    await new Promise((r) => setTimeout(r, 10_000)); // past the timeout: only the resumed heartbeats keep it alive
    const s = await deploymentStatus(app, id);
    expect(s.stage, JSON.stringify(s.trip)).toBe('canary');
    expect(s.events.map((e) => e.kind)).toContain('reconnected');
    expect((s.current?.sched_ext as { state: string; ops: string }).ops).toBe('deploy_good');
    const ended = await rollbackDeployment(app, id, 'test: end the re-adopted canary');
    expect(ended.stage).toBe('aborted');
    expect(ended.trip?.counts).toBe(false);
  }, 180_000);

  it('takes a good policy canary → full → known-good, holding it while paused', async () => {
    const started = await deployPolicy(app, { token: verified.deploy_good.token!, node: NODE, plan: FAST });
    expect(started.stage).toBe('canary');
    expect(started.breaker).toBe('closed');
    expect(started.gates.map((g) => g.kpi)).toEqual(['wake_p99_us', 'req_p99_us']);
    const paused = await pauseDeployment(app, started.id, true);
    expect(paused.paused).toBe(true);
    await expect(pauseDeployment(app, started.id, true)).rejects.toThrow(/already paused/);
    await new Promise((r) => setTimeout(r, (FAST.canarySeconds + 2) * 1000));
    expect((await deploymentStatus(app, started.id)).stage).toBe('canary'); // past canarySeconds, still held
    await pauseDeployment(app, started.id, false);
    const done = await untilStage(app, started.id, 'known_good', 90);
    expect(done.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['token', 'baseline', 'paused', 'resumed', 'stage']));
    expect(done.events.filter((e) => e.kind === 'stage').map((e) => e.detail.stage)).toEqual(['canary', 'full', 'known_good']);
    expect((await listNodes(app)).find((n) => n.name === NODE)?.knownGood?.policy).toBe('deploy_good');
  }, 240_000);

  it('rolls a delayed scx_bpf_error back to the known-good policy; refuses a second deploy and a full promotion of a canary-only token meanwhile', async () => {
    const started = await deployPolicy(app, { token: verified.deploy_delayed_error.token!, node: NODE, policy: { source: source.deploy_delayed_error }, plan: { ...FAST, canarySeconds: 120 } });
    const busy = await deployPolicy(app, { token: verified.deploy_good.token!, node: NODE, plan: FAST }).catch((e: unknown) => e);
    expect((busy as SchedcpError).code).toBe('already_exists');
    expect((busy as SchedcpError).message).toContain(`deployment ${started.id}`);
    const full = await promoteDeployment(app, started.id).catch((e: unknown) => e);
    expect((full as SchedcpError).code).toBe('token_invalid');
    expect((full as SchedcpError).message).toMatch(/canary-only token never reaches full/);
    const s = await untilStage(app, started.id, 'rolled_back', 150);
    expect(s.breaker).toBe('open');
    expect(s.trip?.kind, JSON.stringify(s.trip)).toBe('scx_bpf_error');
    const rollback = s.trip?.rollback as { restored: string; sched_ext: { state: string; ops: string } };
    expect(rollback.restored).toBe('known_good');
    expect(rollback.sched_ext.state).toBe('enabled');
    expect(rollback.sched_ext.ops).toBe('deploy_good');
  }, 240_000);

  it('trips a delayed stall within the stall threshold (the kernel watchdog is 30 s) and restores known-good', async () => {
    const started = await deployPolicy(app, { token: verified.deploy_delayed_stall.token!, node: NODE, plan: { ...FAST, canarySeconds: 120 } });
    const s = await untilStage(app, started.id, 'rolled_back', 150);
    expect(s.trip?.kind, JSON.stringify(s.trip)).toBe('stall');
    expect(Number(s.trip?.detection_ms)).toBeLessThan(1500);
    expect((s.trip?.rollback as { restored: string }).restored).toBe('known_good');
  }, 240_000);

  it('refuses an object after K=2 trips', async () => {
    const again = await deployPolicy(app, { token: verified.deploy_delayed_error.token!, node: NODE, plan: { ...FAST, canarySeconds: 120 } });
    await untilStage(app, again.id, 'rolled_back', 150);
    const err = await deployPolicy(app, { token: verified.deploy_delayed_error.token!, node: NODE, plan: FAST }).catch((e: unknown) => e);
    expect((err as SchedcpError).code).toBe('precondition_failed');
    expect((err as SchedcpError).message).toMatch(/tripped the breaker 2 times/);
  }, 240_000);

  it('rolls a wakeup-latency regression back with the soft gates (N consecutive checks over 2x the baseline p99)', async () => {
    const started = await deployPolicy(app, { token: verified.verifier_long_slice.token!, node: NODE, plan: { baselineSeconds: 2, canarySeconds: 120, stallMs: 10_000 } });
    const s = await untilStage(app, started.id, 'rolled_back', 90);
    expect(s.trip?.kind, JSON.stringify(s.trip)).toBe('soft');
    expect(String(s.trip?.reason)).toMatch(/wake_p99_us|req_p99_us/);
    expect((s.trip?.evidence as { consecutive: number }).consecutive).toBe(3);
    expect((s.trip?.rollback as { restored: string }).restored).toBe('known_good');
  }, 180_000);

  it('reports a SIGKILLed agent (sent by its test-only debug_kill): the kernel unloads the policy with its link', async () => {
    const started = await deployPolicy(app, { token: verified.deploy_good.token!, node: NODE, plan: { ...FAST, canarySeconds: 120 } });
    const conn = await deployerOf(app).controller.connection(NODE);
    await conn.client.request('debug_kill', {}, 2000).catch(() => undefined); // it dies before it can answer
    const s = await untilStage(app, started.id, 'lost', 30);
    expect(s.trip?.kind).toBe('agent_restarted');
    expect(s.trip?.counts).toBe(false);
    expect(String(s.trip?.reason)).toMatch(/kernel unloaded the policy/);
    // The kernel disables a struct_ops scheduler when its last link closes, i.e. when the agent died.
    let state = '';
    for (let i = 0; i < 20 && state !== 'disabled'; i++) {
      state = ((await conn.client.request('status', {})).sched_ext as { state: string }).state;
      if (state !== 'disabled') await new Promise((r) => setTimeout(r, 250));
    }
    expect(state).toBe('disabled');
  }, 120_000);

  it('reports a node whose VM died as down, and refuses to deploy to it (runs last: it kills the node)', async () => {
    const node = (await listNodes(app)).find((n) => n.name === NODE)!;
    expect(node.running).toBe(true);
    process.kill(node.pid!, 'SIGKILL');
    for (let i = 0; i < 40 && (await listNodes(app)).find((n) => n.name === NODE)?.running; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await listNodes(app)).find((n) => n.name === NODE)?.running).toBe(false);
    const err = await deployPolicy(app, { token: verified.deploy_good.token!, node: NODE, plan: FAST }).catch((e: unknown) => e);
    expect((err as SchedcpError).code).toBe('precondition_failed');
    expect((err as SchedcpError).message).toMatch(/Node "testnode" is down.*start_node/);
  }, 60_000);
});
