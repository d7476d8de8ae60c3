// The deploy half of a scripted agent session (no LLM), over stdio through the real server, reading
// only what a client sees. Happy path: start a node → submit a policy → verify it with progress →
// deploy a canary by token → status → promote → known-good → the repository history shows the
// deployment. Failure path: a policy that passes the verifier and errors 25 s after load → the
// node's breaker rolls it back → the repository quarantines it (K = 1 here) → the next search ranks
// it below the others and says why, and a redeploy is refused. Needs the VM kit.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStdioClient, type StdioSession } from './helpers/mcp.js';
import { AgentSession, transcriptPath, writeTranscript } from './helpers/session-transcript.js';

const fixtures = resolve(import.meta.dirname, 'fixtures', 'policies');
const NODE = 'sessnode';
const FAST = { baseline_seconds: 2, canary_seconds: 3, known_good_seconds: 3, max_wake_p99_ratio: 100, max_req_p99_ratio: 100 };

const meta = (name: string, description: string) => ({
  name, description, algorithm: 'One global FIFO dispatch queue with a 5 ms slice.', targetWorkloads: ['batch'],
  useCases: ['session test'], tradeoffs: [], limitations: [], tunables: [],
});

interface Status { id: number; stage: string; live: boolean; breaker: string; trip: { kind: string; reason: string } | null; gates: Array<{ kpi: string; ok: boolean }> }

describe.skipIf(process.env.SCHEDCP_SKIP_VM_TESTS === '1')('the agent session, deploy half (stdio, real VM node)', () => {
  let session: StdioSession;
  let agent: AgentSession;

  async function untilStage(id: number, stages: string[], seconds: number): Promise<Status> {
    const end = Date.now() + seconds * 1000;
    for (;;) {
      const r = await session.client.callTool({ name: 'deployment_status', arguments: { deployment_id: id } });
      const s = r.structuredContent as unknown as Status;
      if (stages.includes(s.stage)) return s;
      if (Date.now() > end || !s.live) throw new Error(`deployment ${id} is ${s.stage}, not ${stages.join('/')}: ${JSON.stringify(s.trip)}`);
      await new Promise((r2) => setTimeout(r2, 500));
    }
  }

  beforeAll(async () => {
    session = await startStdioClient({ repository: { embedding: 'hashing', quarantineAfterDeployFailures: 1 } });
    agent = new AgentSession(session.client, 'stdio');
  }, 120_000);

  afterAll(async () => {
    const path = transcriptPath();
    if (path && agent) writeTranscript(path.replace(/\.md$/, '-deploy.md'), [agent.markdown('Verify, canary, promote, and a breaker rollback')], 'test/session-deploy.vm.test.ts');
    if (session) {
      await session.client.callTool({ name: 'stop_node', arguments: { name: NODE } }).catch(() => undefined);
      await session.close();
    }
  }, 60_000);

  it('starts a node, submits and verifies a policy, deploys a canary, promotes it, and the repository records the deployment', async () => {
    const node = await agent.call<{ running: boolean; kernelRelease: string }>('Boot a deploy node', 'start_node', { name: NODE }, { timeout: 180_000 });
    expect(node.isError, node.text).toBe(false);
    expect(node.data.running).toBe(true);
    const submitted = await agent.call<{ name: string; status: string }>('Submit the policy to the repository', 'submit_policy', {
      source: readFileSync(join(fixtures, 'deploy_good.bpf.c'), 'utf8'), metadata: meta('session_fifo', 'A plain global FIFO, submitted by the scripted session.'),
    });
    expect(submitted.isError, submitted.text).toBe(false);
    const verified = await agent.call<{ verdict: string; token: string; tokenModes: string[] }>('Verify it in the micro-VM (with the performance check)', 'verify_policy',
      { policy_name: 'session_fifo' }, { progress: true, timeout: 600_000 });
    expect(verified.isError, verified.text).toBe(false);
    expect(verified.data.verdict).not.toBe('fail');
    expect(verified.data.tokenModes).toEqual(['canary', 'full']);
    expect(verified.progress.length).toBeGreaterThanOrEqual(3);

    const deployed = await agent.call<Status>('Deploy it as a canary, with a human-style approval step before full', 'deploy_policy',
      { token: verified.data.token, node: NODE, policy_name: 'session_fifo', plan: { ...FAST, require_approval: true }, justification: 'canary the verified FIFO on the test node' },
      { progress: true, timeout: 180_000 });
    expect(deployed.isError, deployed.text).toBe(false);
    expect(deployed.data.stage).toBe('canary');
    expect(deployed.progress.join(' ')).toMatch(/baseline/);
    const waiting = await untilStage(deployed.data.id, ['awaiting_approval'], 60);
    expect(waiting.gates.every((g) => g.ok)).toBe(true);
    const status = await agent.call<Status>('Check the canary against its baseline', 'deployment_status', { deployment_id: deployed.data.id });
    expect(status.text).toContain('awaiting_approval');
    const promoted = await agent.call<Status>('Gates green: promote to full', 'promote_deployment', { deployment_id: deployed.data.id, justification: 'gates green for the whole canary' });
    expect(promoted.isError, promoted.text).toBe(false);
    expect(promoted.data.stage).toBe('full');
    await untilStage(deployed.data.id, ['known_good'], 60);
    const report = await session.client.readResource({ uri: `deployment://${deployed.data.id}` });
    expect(JSON.parse((report.contents[0] as { text: string }).text)).toMatchObject({ stage: 'known_good', breaker: 'closed' });
    const history = await agent.call<{ deployments: Array<Record<string, unknown>> }>('The repository history shows the deployment', 'policy_history', { name: 'session_fifo' });
    expect(JSON.stringify(history.data.deployments)).toMatch(new RegExp(`deployment ${deployed.data.id}.*known-good|success`));
  }, 900_000);

  it('rolls back a policy that fails after the verifier, quarantines it, ranks it last in search with the reason, and refuses a redeploy', async () => {
    await agent.call('Submit a policy that misbehaves only after 25 s', 'submit_policy', {
      source: readFileSync(join(fixtures, 'deploy_delayed_error.bpf.c'), 'utf8'), metadata: meta('session_flaky', 'A global FIFO batch scheduler that calls scx_bpf_error 25 s after load.'),
    });
    const verified = await agent.call<{ verdict: string; token: string; tokenModes: string[] }>('Verify it (no perf check: canary-only token)', 'verify_policy',
      { policy_name: 'session_flaky', perf: false }, { progress: true, timeout: 600_000 });
    expect(verified.data.verdict, verified.text).not.toBe('fail');
    expect(verified.data.tokenModes).toEqual(['canary']);
    const deployed = await agent.call<Status>('Canary it', 'deploy_policy', { token: verified.data.token, node: NODE, plan: { ...FAST, canary_seconds: 120 } }, { timeout: 180_000 });
    expect(deployed.isError, deployed.text).toBe(false);
    const rolled = await untilStage(deployed.data.id, ['rolled_back'], 120);
    expect(rolled.trip?.kind).toBe('scx_bpf_error');
    const status = await agent.call<Status & { trip: { rollback: { restored: string } } }>('What happened to the canary?', 'deployment_status', { deployment_id: deployed.data.id });
    expect(status.data.trip.rollback.restored).toBe('known_good');
    const history = await agent.call<{ policy: { status: string }; statusChanges: Array<{ to: string; reason: string }> }>('Its repository record', 'policy_history', { name: 'session_flaky' });
    expect(history.data.policy.status).toBe('quarantined');
    expect(history.data.statusChanges.at(-1)?.reason).toMatch(/deploy|roll/i);
    const search = await agent.call<{ hits: Array<{ name: string; status: string; reason: string }> }>('Search again for a batch FIFO', 'search_policies', { query: 'global FIFO batch scheduler', limit: 20 });
    const flaky = search.data.hits.findIndex((h) => h.name === 'session_flaky');
    const fifo = search.data.hits.findIndex((h) => h.name === 'session_fifo');
    expect(fifo).toBeGreaterThanOrEqual(0);
    expect(flaky, 'a quarantined policy is ranked down, not hidden').toBeGreaterThan(fifo);
    expect(search.data.hits[flaky]!.reason).toMatch(/quarantined: ranked down/);
    const again = await agent.call('Try to deploy it again', 'deploy_policy', { token: verified.data.token, node: NODE, plan: FAST });
    expect(again.isError).toBe(true);
    expect(again.text).toMatch(/precondition_failed: .*quarantined/);
  }, 900_000);
});
