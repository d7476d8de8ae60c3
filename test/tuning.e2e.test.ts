// The tuning tools through a real MCP client against the built server; live writes go only to a
// network namespace this test creates and deletes.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/exec/index.js';
import { startStdioClient, type StdioSession } from './helpers/mcp.js';

const NS = `schedcp-e2e-tune-${process.pid}`;
const nsValue = async (key: string) => (await run('ip', ['netns', 'exec', NS, 'cat', `/proc/sys/${key.replaceAll('.', '/')}`])).stdout.trim().split(/\s+/).join(' ');
let session: StdioSession;

type Result = { structuredContent?: Record<string, unknown>; isError?: boolean; content: Array<{ type: string; text?: string }> };
const call = async (name: string, args: Record<string, unknown>) => (await session.client.callTool({ name, arguments: args })) as Result;
const text = (r: Result) => r.content.map((c) => c.text ?? '').join('\n');

beforeAll(async () => {
  await run('ip', ['netns', 'add', NS]);
  session = await startStdioClient({ tuning: { liveApply: true }, repository: { embedding: 'hashing' } });
}, 30_000);

afterAll(async () => {
  await session?.close();
  await run('ip', ['netns', 'del', NS], { allowFailure: true });
});

describe('tuning over MCP', () => {
  it('registers the tuning tools with honest annotations', async () => {
    const { tools } = await session.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const name of ['list_tunables', 'explain_tunable', 'recommend_tunings', 'validate_tuning_plan', 'tuning_history']) expect(byName.get(name)?.annotations?.readOnlyHint, name).toBe(true);
    for (const name of ['apply_tuning_plan', 'rollback_tunings']) {
      expect(byName.get(name)?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: false });
    }
  });

  it('lists, searches and explains tunables with current values', async () => {
    const all = await call('list_tunables', { area: 'vm' });
    const swappiness = (all.structuredContent!.tunables as Array<Record<string, unknown>>).find((t) => t.key === 'vm.swappiness')!;
    expect(swappiness).toMatchObject({ present: true, allowedRange: '0..200 (relative swap cost)' });
    const searched = await call('list_tunables', { query: 'accept queue listen backlog', limit: 5 });
    expect((searched.structuredContent!.tunables as Array<{ key: string }>).map((t) => t.key)).toContain('net.core.somaxconn');
    const explained = await call('explain_tunable', { key: 'vm.dirty_ratio' });
    expect((explained.structuredContent!.related as Array<{ key: string }>).map((t) => t.key)).toEqual(expect.arrayContaining(['vm.dirty_background_ratio']));
    const unknown = await call('explain_tunable', { key: 'vm.swapiness' });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toMatch(/^not_found: Tunable "vm.swapiness" is not in the knowledge base\. Did you mean vm.swappiness/);
  });

  it('validates plans with rule-specific denials and recommends from given signals', async () => {
    // dirty_ratio set to the current background ratio breaks dirty_background_ratio < dirty_ratio.
    const background = Number(readFileSync('/proc/sys/vm/dirty_background_ratio', 'utf8'));
    const bad = await call('validate_tuning_plan', { changes: [{ key: 'vm.swappiness', value: 500 }, { key: 'vm.dirty_ratio', value: background }] });
    expect(bad.structuredContent).toMatchObject({ ok: false });
    expect((bad.structuredContent!.denials as Array<{ rule: string }>).map((d) => d.rule).sort()).toEqual(['range', 'relation']);
    const rec = await call('recommend_tunings', { signals: [{ name: 'io_congestion', severity: 'high', score: 0.9, summary: 'writeback stalls', evidence: {}, at: '2026-01-01T00:00:00Z' }] });
    expect((rec.structuredContent!.recommendations as Array<{ rule: string }>).map((r) => r.rule)).toContain('io-congestion-starts-writeback-earlier');
    // Without signals, the recommender reads them now from the analysis component.
    const live = await call('recommend_tunings', { windowMs: 200 });
    expect(live.isError, text(live)).toBeFalsy();
    expect((live.structuredContent!.signals as Array<{ name: string }>).map((x) => x.name)).toEqual(expect.arrayContaining(['cpu_saturation', 'memory_pressure']));
  });

  it('applies live in a namespace, records history, and rolls back exactly', async () => {
    const before = await nsValue('net.ipv4.tcp_wmem');
    const applied = await call('apply_tuning_plan', { target: `netns:${NS}`, mode: 'live', changes: [{ key: 'net.ipv4.tcp_wmem', value: '8192 32768 8388608' }], justification: 'e2e test' });
    expect(applied.isError, text(applied)).toBeFalsy();
    expect(applied.structuredContent!.live).toMatchObject({ status: 'applied', keys: [{ key: 'net.ipv4.tcp_wmem', from: before, state: 'applied' }] });
    expect(await nsValue('net.ipv4.tcp_wmem')).toBe('8192 32768 8388608');
    const planId = applied.structuredContent!.planId as number;
    const history = await call('tuning_history', { planId, target: `netns:${NS}` });
    expect((history.structuredContent!.events as Array<{ kind: string }>).map((e) => e.kind)).toContain('write');
    expect((history.structuredContent!.managed as Array<{ key: string; state: string }>)).toEqual([expect.objectContaining({ key: 'net.ipv4.tcp_wmem', state: 'managed' })]);
    const rolled = await call('rollback_tunings', { planId });
    expect(rolled.structuredContent!.keys).toEqual([expect.objectContaining({ key: 'net.ipv4.tcp_wmem', state: 'rolled_back', to: before })]);
    expect(await nsValue('net.ipv4.tcp_wmem')).toBe(before);
  });

  it('refuses a plan touching a global key in a namespace and writes nothing', async () => {
    const before = await nsValue('net.core.somaxconn');
    const refused = await call('apply_tuning_plan', { target: `netns:${NS}`, mode: 'live', changes: [{ key: 'net.core.somaxconn', value: 8192 }, { key: 'kernel.sched_rt_runtime_us', value: 900000 }] });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/^invalid_argument: The plan was refused; nothing was written\. \[namespace\] kernel.sched_rt_runtime_us/);
    expect(await nsValue('net.core.somaxconn')).toBe(before);
    const missing = await call('rollback_tunings', {});
    expect(text(missing)).toMatch(/^invalid_argument: Give exactly one of backupId or planId/);
  });
});
