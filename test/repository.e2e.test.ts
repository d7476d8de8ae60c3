// The repository through a real MCP client talking to the built server over stdio (default
// use-lite embeddings). The static stage of submit_policy needs the VM kit's headers: with the kit
// it must compile and pass; without it the result must say the stage was unavailable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { kitStatus } from '../src/vm/index.js';
import { REPO_ROOT, startStdioClient, type StdioSession } from './helpers/mcp.js';

type Result = { structuredContent?: Record<string, unknown>; isError?: boolean; content: Array<{ type: string; text?: string }> };

let s: StdioSession;
let kitPresent = false;
const call = async (name: string, args: Record<string, unknown>) => await s.client.callTool({ name, arguments: args }) as Result;
const text = (r: Result) => r.content.map((c) => c.text ?? '').join('\n');

beforeAll(async () => {
  kitPresent = (await kitStatus(loadConfig().cacheDir)).present;
  s = await startStdioClient();
});
afterAll(async () => { await s?.close(); });

describe('repository over MCP (stdio)', () => {
  it('lists the repository tools with honest annotations and the policy resources', async () => {
    const { tools } = await s.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const n of ['search_policies', 'get_policy', 'policy_history']) expect(byName.get(n)?.annotations?.readOnlyHint).toBe(true);
    for (const n of ['submit_policy', 'record_outcome']) expect(byName.get(n)?.annotations?.readOnlyHint).toBe(false);
    const { resources } = await s.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(expect.arrayContaining(['policy://global_fifo', 'policy://interactive_boost', 'policy://cgroup_weight']));
    const read = await s.client.readResource({ uri: 'policy://llc_aware' });
    const body = JSON.parse((read.contents[0] as { text: string }).text) as { name: string; source: string; metadata: { tunables: unknown[] } };
    expect(body.name).toBe('llc_aware');
    expect(body.source).toContain('#include <scx/common.bpf.h>');
    expect(body.metadata.tunables.length).toBeGreaterThan(0);
  });

  it('searches by meaning and reports the provider and why each hit matched', async () => {
    const r = await call('search_policies', { query: 'low tail latency for interactive web requests', limit: 3 });
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as { embedding: { provider: string }; hits: Array<{ name: string; reason: string }> };
    expect(out.embedding.provider).toBe('use-lite');
    expect(out.hits[0]!.name).toBe('interactive_boost');
    expect(out.hits[0]!.reason).toMatch(/semantic match/);
    const batch = await call('search_policies', { query: 'parallel compilation throughput', limit: 3 });
    expect((batch.structuredContent as { hits: Array<{ name: string }> }).hits.map((h) => h.name)).toEqual(expect.arrayContaining(['percpu_steal']));
  });

  it('returns a policy at each detail level', async () => {
    const summary = await call('get_policy', { name: 'central_dispatch' });
    expect(summary.structuredContent).toMatchObject({ name: 'central_dispatch', version: 1, provenance: 'built-in' });
    expect(summary.structuredContent!.source).toBeUndefined();
    const full = await call('get_policy', { name: 'central_dispatch', detail: 'source' });
    expect(full.structuredContent!.source).toMatch(/SCX_DSQ_LOCAL_ON/);
    expect((full.structuredContent!.tunables as Array<{ name: string }>).map((t) => t.name)).toEqual(['central_cpu', 'slice_ns']);
  });

  it('answers bad calls with specific errors', async () => {
    expect(text(await call('search_policies', { query: '' }))).toMatch(/^invalid_argument: The search query is empty/);
    expect(text(await call('search_policies', { query: 'x'.repeat(10_240) }))).toMatch(/10240 characters; at most 1000/);
    expect(text(await call('get_policy', { name: 'no_such_policy' }))).toMatch(/^not_found: No policy with "no_such_policy"/);
    expect(text(await call('get_policy', { id: 3, name: 'global_fifo' }))).toMatch(/exactly one of id or name/);
    const dup = await call('submit_policy', { source: '// x', metadata: { name: 'global_fifo', description: 'd', algorithm: 'a', targetWorkloads: ['batch'] } });
    expect(dup.isError).toBe(true);
    expect(text(dup)).toMatch(/^already_exists: A policy named "global_fifo" already exists/);
  });

  it('accepts a submitted candidate, runs the static stage, records outcomes and shows the history', async () => {
    const source = readFileSync(join(REPO_ROOT, 'policies', 'weighted_vtime', 'policy.bpf.c'), 'utf8').replace('max_lag_slices = 1;', 'max_lag_slices = 4;').replace('"weighted_vtime"', '"wvt_lag4"');
    const sub = await call('submit_policy', {
      source, parent: 'weighted_vtime', justification: 'e2e: sleeper credit experiment',
      metadata: { name: 'wvt_lag4', description: 'weighted_vtime with four slices of sleeper credit for bursty services.', algorithm: 'as weighted_vtime', targetWorkloads: ['web'] },
    });
    expect(sub.isError, text(sub)).toBeFalsy();
    const out = sub.structuredContent as { id: number; status: string; staticStage: { verdict: string; reason?: string } };
    expect(out.status).toBe('candidate');
    if (kitPresent) expect(['pass', 'warn']).toContain(out.staticStage.verdict);
    else expect(out.staticStage).toMatchObject({ verdict: 'unavailable', reason: expect.stringMatching(/VM kit missing/) });

    // An agent cannot assert a verdict: record_outcome takes a verify_policy run id and reads its record.
    const fake = await call('record_outcome', { id: out.id, source: 'verify_run', verification_id: 999_999 });
    expect(fake.isError).toBe(true);
    expect(text(fake)).toMatch(/not_found: No verification with id 999999/);
    // Everything below compiles or boots with the kit; without it (SCHEDCP_SKIP_VM_TESTS) only the refusal above is checked.
    if (!kitPresent) return;
    const staticOnly = await call('verify_policy', { source, file_name: 'wvt_lag4.bpf.c', static_only: true });
    const staticId = (staticOnly.structuredContent as { id: number }).id;
    const refused = await call('record_outcome', { id: out.id, source: 'verify_run', verification_id: staticId });
    expect(text(refused)).toMatch(/static-only: only a run through the VM stages can verify a policy/);
    const otherSource = await call('verify_policy', { source: readFileSync(join(REPO_ROOT, 'policies', 'global_fifo', 'policy.bpf.c'), 'utf8'), static_only: true });
    const mismatch = await call('record_outcome', { id: out.id, source: 'verify_run', verification_id: (otherSource.structuredContent as { id: number }).id });
    expect(text(mismatch)).toMatch(/invalid_argument: verification #\d+ checked .* not wvt_lag4 v1/);
    const verified = await call('verify_policy', { source, file_name: 'wvt_lag4.bpf.c', perf: false });
    expect(verified.isError, text(verified)).toBeFalsy();
    const verificationId = (verified.structuredContent as { id: number; verdict: string }).id;
    const rec = await call('record_outcome', { id: out.id, source: 'verify_run', verification_id: verificationId });
    expect(rec.isError, text(rec)).toBeFalsy();
    expect(rec.structuredContent).toMatchObject({ policy: { status: 'verified' }, statusChanges: [{ from: 'candidate', to: 'verified' }] });
    const hist = await call('policy_history', { name: 'wvt_lag4' });
    const h = hist.structuredContent as { lineage: Array<{ name: string }>; statusChanges: Array<{ to: string; actor: string }>; verifications: Array<{ verificationId: string }> };
    expect(h.lineage.map((l) => l.name)).toEqual(['wvt_lag4', 'weighted_vtime']);
    expect(h.statusChanges.map((c) => c.to)).toEqual(['candidate', 'verified']);
    expect(h.statusChanges[1]!.actor).toBe('stdio');
    expect(h.verifications[0]!.verificationId).toBe(String(verificationId));
    const audit = await call('audit_log', { tool: 'repository.status_change', limit: 5 });
    expect((audit.structuredContent as { rows: Array<{ transport: string }> }).rows.length).toBeGreaterThanOrEqual(2);
  });
});
