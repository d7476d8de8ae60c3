// Human approval of repository decisions (config approval.requireHumanFor) on a real App and
// SQLite: a promotion the evidence calls for waits for a caller with scope "approve"; agents are
// refused with a message naming the console; quarantine release follows the same switch.
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestApp, type TestApp } from '../src/repository/test-app.js';
import { approvePolicy, getPolicyByName, pendingApprovals, recordOutcome } from '../src/repository/index.js';
import { AGENT_SCOPES, SCOPES, type Scope } from '../src/config/index.js';

const agent = { caller: 'agent', transport: 'rest' as const, scopes: new Set<Scope>(AGENT_SCOPES) };
const human = { caller: 'operator', transport: 'rest' as const, scopes: new Set<Scope>(SCOPES) };
const trial = (value: number) => ({ workload: 'kernel_compile', metric: 'wall_s', direction: 'lower_is_better' as const, value, baseline: 100 });
let t: TestApp;
afterEach(async () => { await t?.close(); });

async function verifiedWithWins(app: TestApp['app']) {
  await recordOutcome(app, { policy: { name: 'sjf_batch' }, source: 'verify_run', verification: { id: '1', verdict: 'pass' } });
  return recordOutcome(app, { policy: { name: 'sjf_batch' }, source: 'benchmark', performance: [trial(80), trial(81), trial(79)] });
}

describe('approval.requireHumanFor', () => {
  it('by default holds a promotion for a human: agents are refused, the operator approves with a reason', async () => {
    t = makeTestApp({ repository: { embedding: 'hashing' } });
    const held = await verifiedWithWins(t.app);
    expect(held.policy.status).toBe('verified');
    expect(held.statusChanges).toEqual([]);
    expect(await pendingApprovals(t.app)).toEqual([expect.objectContaining({ action: 'promote_policy', humanRequired: true, reason: expect.stringMatching(/kernel_compile/) })]);
    await expect(approvePolicy(t.app, { policy: { name: 'sjf_batch' }, action: 'promote_policy', reason: 'looks good' }, agent))
      .rejects.toMatchObject({ code: 'permission_denied', message: expect.stringMatching(/needs a human.*\/console\/#\/policies\/sjf_batch.*"approve"/) });
    await expect(approvePolicy(t.app, { policy: { name: 'sjf_batch' }, action: 'promote_policy', reason: '  ' }, human)).rejects.toMatchObject({ code: 'invalid_argument' });
    const ok = await approvePolicy(t.app, { policy: { name: 'sjf_batch' }, action: 'promote_policy', reason: 'reviewed' }, human);
    expect(ok).toMatchObject({ policy: { status: 'promoted' }, change: { from: 'verified', to: 'promoted', reason: expect.stringMatching(/^approved by operator: reviewed \(evidence: beat the baseline/) } });
    expect(await pendingApprovals(t.app)).toEqual([]);
    const row = t.app.audit.query({ tool: 'repository.status_change', limit: 1 })[0]!;
    expect(row).toMatchObject({ caller: 'operator', transport: 'rest', args: expect.objectContaining({ from: 'verified', to: 'promoted' }) });
    await expect(approvePolicy(t.app, { policy: { name: 'sjf_batch' }, action: 'promote_policy', reason: 'again' }, human)).rejects.toMatchObject({ code: 'precondition_failed', message: expect.stringMatching(/is promoted/) });
  });

  it('refuses a promotion without the evidence, even to a human', async () => {
    t = makeTestApp({ repository: { embedding: 'hashing' } });
    await recordOutcome(t.app, { policy: { name: 'global_fifo' }, source: 'verify_run', verification: { id: '2', verdict: 'pass' } });
    await expect(approvePolicy(t.app, { policy: { name: 'global_fifo' }, action: 'promote_policy', reason: 'trust me' }, human))
      .rejects.toMatchObject({ code: 'precondition_failed', message: expect.stringMatching(/no evidence that calls for promotion.*3 trials/) });
  });

  it('with an empty list promotes on evidence as before; quarantine release is reserved only when configured', async () => {
    t = makeTestApp({ repository: { embedding: 'hashing', quarantineAfterDeployFailures: 1 }, approval: { requireHumanFor: ['release_quarantine'] } });
    expect((await verifiedWithWins(t.app)).policy.status).toBe('promoted');
    const q = await recordOutcome(t.app, { policy: { name: 'sjf_batch' }, source: 'deployment', deployment: { result: 'rolled_back' } });
    expect(q.policy.status).toBe('quarantined');
    expect(await pendingApprovals(t.app)).toEqual([expect.objectContaining({ action: 'release_quarantine', humanRequired: true })]);
    await expect(approvePolicy(t.app, { policy: { name: 'sjf_batch' }, action: 'release_quarantine', reason: 'fixed' }, agent)).rejects.toMatchObject({ code: 'permission_denied' });
    expect((await approvePolicy(t.app, { policy: { name: 'sjf_batch' }, action: 'release_quarantine', reason: 'watchdog fixed' }, human)).policy.status).toBe('candidate');
    expect(getPolicyByName(t.app, 'sjf_batch').status).toBe('candidate');
  });

  it('lets an agent release a quarantine when the configuration does not reserve it', async () => {
    t = makeTestApp({ repository: { embedding: 'hashing', quarantineAfterDeployFailures: 1 } });
    await recordOutcome(t.app, { policy: { name: 'llc_aware' }, source: 'deployment', deployment: { result: 'failure' } });
    expect(getPolicyByName(t.app, 'llc_aware').status).toBe('quarantined');
    expect((await approvePolicy(t.app, { policy: { name: 'llc_aware' }, action: 'release_quarantine', reason: 'root cause fixed' }, agent)).change).toMatchObject({ from: 'quarantined', to: 'candidate' });
  });
});
