// A scripted agent session (no LLM) through the real server, over stdio and over Streamable HTTP,
// reading only what a client sees: observe → probe → search → read a policy → submit an adapted
// version → static verification with progress → its history; and the sysctl path recommend →
// validate → stage, with a refused live apply and its reason. The VM steps (full verification,
// canary deploy, promote, breaker rollback, quarantine) are in test/session-deploy.vm.test.ts.
// SCHEDCP_TRANSCRIPT=<file.md> writes what the client saw as markdown (docs/session-example.md).
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, startStdioClient, type HttpServer, type StdioSession } from './helpers/mcp.js';
import { AgentSession, transcriptPath, writeTranscript } from './helpers/session-transcript.js';

const TOKEN = 'session-all-scopes-token-0123456789';
let stdio: StdioSession;
let http: HttpServer;
const sessions: Array<{ name: string; agent: AgentSession; dataDir: string }> = [];

beforeAll(async () => {
  stdio = await startStdioClient();
  http = await startHttpServer({ tokens: [{ name: 'agent', token: TOKEN, scopes: ['read', 'verify', 'deploy', 'tune'] }] });
  sessions.push({ name: 'stdio', agent: new AgentSession(stdio.client, 'stdio'), dataDir: stdio.env.dataDir });
  sessions.push({ name: 'http', agent: new AgentSession(await http.connect(TOKEN), 'Streamable HTTP'), dataDir: http.env.dataDir });
});

afterAll(async () => {
  const path = transcriptPath();
  if (path && sessions[0]) writeTranscript(path, [sessions[0].agent.markdown('Observe, search, adapt, verify (static), sysctl path')]);
  await stdio?.close();
  await http?.close();
});

interface Hit { id: number; name: string; status: string; reason: string; score: number }

describe.each([0, 1])('the agent session over transport %i (0 stdio, 1 HTTP)', (index) => {
  const s = () => sessions[index]!;

  it('observes the machine: summary, signals, a run-queue probe with progress', async () => {
    const { agent } = s();
    const summary = await agent.call<{ digest: string[] }>('What is the machine doing?', 'system_summary', {});
    expect(summary.isError).toBe(false);
    expect(summary.text).toMatch(/^CPU: .*busy of \d+ cores/m);
    const signals = await agent.call<{ current: Array<{ name: string; severity: string }> }>('Which signals are active?', 'system_signals', { window_ms: 300 });
    expect(signals.data.current!.map((x) => x.name)).toContain('runqueue_latency_high');
    const probe = await agent.call<{ probe: string; data: Record<string, unknown>; overhead: { nsPerEvent: number }; progIds: number[] }>('How long do tasks wait to run?', 'run_probe',
      { name: 'runqlat', duration_s: 2, justification: 'measure run-queue latency before choosing a scheduler' }, { progress: true });
    expect(probe.isError, probe.text).toBe(false);
    expect(probe.data.probe).toBe('runqlat');
    expect(probe.progress.length).toBeGreaterThanOrEqual(1);
  });

  let parent: Hit;
  let adaptedId: number;
  const adaptedName = () => `session_adapted_${index}`;

  it('searches for the workload, reads the best policy and submits an adapted version', async () => {
    const { agent } = s();
    const search = await agent.call<{ hits: Hit[] }>('Which policies fit a parallel kernel build?', 'search_policies', { query: 'parallel compilation throughput for a kernel build', limit: 3 });
    expect(search.data.hits.length).toBeGreaterThan(0);
    for (const h of search.data.hits) expect(h.reason.length).toBeGreaterThan(5);
    parent = search.data.hits[0]!;
    const policy = await agent.call<{ source: string; description: string; algorithm: string; targetWorkloads: string[]; useCases: string[]; tradeoffs: string[]; limitations: string[]; tunables: unknown[] }>(
      `Read ${parent.name}'s source`, 'get_policy', { name: parent.name, detail: 'source' });
    expect(policy.data.source).toMatch(/struct_ops|SCX_OPS_DEFINE|BPF_STRUCT_OPS/);
    // The adaptation an agent would make: the same policy, documented for the build farm it targets.
    const source = `/* Adapted by a scripted agent session for a parallel kernel build (parent: ${parent.name}). */\n${policy.data.source}`;
    const submitted = await agent.call<{ id: number; status: string; parentId: number | null; staticStage: { verdict: string } }>('Submit the adapted version', 'submit_policy', {
      source, parent: parent.name, justification: 'adapted for a kernel build farm',
      metadata: { name: adaptedName(), description: `${policy.data.description} Adapted for a parallel kernel build.`, algorithm: policy.data.algorithm, targetWorkloads: [...new Set([...policy.data.targetWorkloads, 'compile'])], useCases: policy.data.useCases, tradeoffs: policy.data.tradeoffs, limitations: policy.data.limitations, tunables: policy.data.tunables },
    });
    expect(submitted.isError, submitted.text).toBe(false);
    expect(submitted.data.status).toBe('candidate');
    expect(submitted.data.parentId).toBe(parent.id);
    expect(submitted.data.staticStage.verdict).not.toBe('fail');
    adaptedId = submitted.data.id;
  });

  it('verifies it (static stage) with progress, reads the evidence and the history', async () => {
    const { agent } = s();
    const v = await agent.call<{ id: number; verdict: string; stages: Array<{ stage: string; verdict: string }>; token?: string }>('Verify the candidate (static stage only here)', 'verify_policy',
      { policy_id: adaptedId, static_only: true, justification: 'check before the VM run' }, { progress: true });
    expect(v.isError, v.text).toBe(false);
    expect(v.data.stages[0]!.stage).toBe('static');
    expect(v.data.token).toBeUndefined(); // a static-only run proves too little for a deployment token
    expect(v.progress.length).toBeGreaterThanOrEqual(1);
    const evidence = await agent.call<{ verdict: string; stages: unknown[] }>('Read the evidence', 'get_verification', { id: v.data.id, detail: 'summary' });
    expect(evidence.data.verdict).toBe(v.data.verdict);
    const history = await agent.call<{ lineage: Array<{ name: string }>; policy: { status: string } }>('Where did it come from?', 'policy_history', { name: adaptedName() });
    expect(history.data.lineage.map((l) => l.name)).toEqual([adaptedName(), parent.name]);
    expect(history.data.policy.status).toBe('candidate');
  });

  it('walks the sysctl path: recommend → validate → stage, and live apply is refused with its reason', async () => {
    const { agent, dataDir } = s();
    const memoryPressure = { name: 'memory_pressure', severity: 'high', score: 0.8, summary: 'PSI memory some 35% (avg10)', evidence: { mem_psi_some_avg10_pct: 35 }, at: new Date().toISOString() };
    const rec = await agent.call<{ recommendations: Array<{ key: string; to: string; rule: string }> }>('What would help under memory pressure?', 'recommend_tunings', { signals: [memoryPressure] });
    expect(rec.data.recommendations.length).toBeGreaterThan(0);
    const changes = rec.data.recommendations.map((r) => ({ key: r.key, value: r.to }));
    const check = await agent.call<{ ok: boolean; denials: unknown[]; stagedText: string }>('Do the guardrails accept it?', 'validate_tuning_plan', { changes });
    expect(check.data.ok, check.text).toBe(true);
    expect(check.data.stagedText).toContain(changes[0]!.key);
    const staged = await agent.call<{ stagedPath?: string; mode: string }>('Stage it as a sysctl.d file', 'apply_tuning_plan', { mode: 'stage', changes, justification: 'hand to the operator' });
    expect(staged.isError, staged.text).toBe(false);
    expect(staged.data.stagedPath!.startsWith(dataDir)).toBe(true);
    expect(existsSync(staged.data.stagedPath!)).toBe(true);
    const live = await agent.call('Apply it live', 'apply_tuning_plan', { mode: 'live', changes, justification: 'try it now' });
    expect(live.isError).toBe(true);
    expect(live.text).toMatch(/^precondition_failed: Live apply is disabled: set config\.tuning\.liveApply/);
  });

  it('finds every changing call, with its justification, in the audit log', async () => {
    const { agent } = s();
    const audit = await agent.call<{ rows: Array<{ tool: string; justification: string | null; outcome: string }> }>('What did this session change?', 'audit_log', { limit: 50 });
    const rows = audit.data.rows;
    expect(rows.find((r) => r.tool === 'submit_policy')?.justification).toBe('adapted for a kernel build farm');
    expect(rows.find((r) => r.tool === 'apply_tuning_plan' && r.outcome === 'error')?.justification).toBe('try it now');
  });
});
