// The analysis tools through a real MCP client against the built server (npm run build, including
// make -C bpf): summaries, signals, a real probe with progress and cancellation, workloads and baselines.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/exec/index.js';
import { CLI, REPO_ROOT, makeTestEnv, startStdioClient, type StdioSession } from './helpers/mcp.js';
import { ourLoaders } from './helpers/probe-loaders.js';

let session: StdioSession;
type Result = { structuredContent?: Record<string, unknown>; isError?: boolean; content: Array<{ type: string; text?: string }> };
const call = async (name: string, args: Record<string, unknown>, options: Record<string, unknown> = {}) =>
  (await session.client.callTool({ name, arguments: args }, options)) as Result;
const text = (r: Result) => r.content.map((c) => c.text ?? '').join('\n');

const loaderProcesses = () => ourLoaders(join(REPO_ROOT, 'bpf', 'build')).length;

beforeAll(async () => {
  session = await startStdioClient({ analysis: { maxProbeSeconds: 30 }, repository: { embedding: 'hashing' } });
}, 30_000);
afterAll(async () => { await session?.close(); });

describe('analysis over MCP', () => {
  it('registers the analysis tools with honest annotations and scopes', async () => {
    const { tools } = await session.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const name of ['system_summary', 'system_signals', 'list_probes', 'compare_to_baseline']) expect(byName.get(name)?.annotations?.readOnlyHint, name).toBe(true);
    for (const name of ['run_probe', 'perf_profile', 'strace_profile', 'run_workload']) {
      expect(byName.get(name)?.annotations, name).toMatchObject({ readOnlyHint: false, destructiveHint: false });
      expect(Object.keys(byName.get(name)!.inputSchema.properties ?? {}), name).toContain('justification');
    }
  });

  it('summarizes the machine at levels 0 and 2 and reports signals with history', async () => {
    const l0 = await call('system_summary', { level: 0 });
    expect(l0.isError, text(l0)).toBeFalsy();
    expect(text(l0)).toMatch(/^CPU: [\d.]+% busy of \d+ cores/);
    const l2 = await call('system_summary', { level: 2, window_ms: 300, top_n: 3 });
    const s = l2.structuredContent as { metrics: { cgroups: { layout: string } }; tasks: Array<{ detail: Record<string, unknown> }> };
    expect(['v1', 'v2', 'hybrid', 'none']).toContain(s.metrics.cgroups.layout);
    expect(s.tasks.length).toBeGreaterThan(0);
    expect(s.tasks[0]!.detail).toHaveProperty('voluntarySwitches');
    const bad = await call('system_summary', { level: 3 });
    expect(bad.isError).toBe(true);
    const sig = await call('system_signals', { window_ms: 200, since_minutes: 5 });
    const out = sig.structuredContent as { current: unknown[]; history: { samples: unknown[]; trends: unknown[] } };
    expect(out.current).toHaveLength(8);
    expect(out.history.samples.length).toBeGreaterThanOrEqual(8);
  });

  it('runs a real probe with progress, and reports attach-tested capabilities', async () => {
    const progress: string[] = [];
    const r = await call('run_probe', { name: 'cswitch', duration_s: 2, top_n: 3, justification: 'e2e test' }, {
      onprogress: (p: { message?: string }) => { if (p.message) progress.push(p.message); },
    });
    expect(r.isError, text(r)).toBeFalsy();
    const res = r.structuredContent as { attach: string; overhead: { runCount: number; nsPerEvent: number }; data: { totals: { voluntary: number } } };
    expect(res.attach).toBe('tp_btf');
    expect(res.overhead.runCount).toBeGreaterThan(0);
    expect(res.data.totals.voluntary).toBeGreaterThan(0);
    expect(progress.some((m) => /attached via tp_btf/.test(m))).toBe(true);
    const caps = await call('host_capabilities', {});
    const tp = (caps.structuredContent!.capabilities as Array<{ name: string; evidence: string; available: boolean }>).find((c) => c.name === 'tp_btf')!;
    expect(tp).toMatchObject({ evidence: 'attach_test', available: true });
  });

  it('refuses bad probe requests with what is allowed', async () => {
    const unknown = await call('run_probe', { name: 'opensnoop', duration_s: 1 });
    expect(text(unknown)).toMatch(/^not_found: Unknown probe "opensnoop". Available probes: runqlat/);
    const long = await call('run_probe', { name: 'runqlat', duration_s: 31 });
    expect(text(long)).toMatch(/^limit_exceeded: duration_s 31 exceeds the cap of 30 s/);
    const flag = await call('perf_profile', { subcommand: 'stat', system_wide: true, extra_flags: ['--output=/etc/x'] });
    expect(text(flag)).toMatch(/^invalid_argument: perf stat flag "--output=\/etc\/x" is not allowed/);
  });

  it('kills the probe loader when the client cancels', async () => {
    const controller = new AbortController();
    const pending = call('run_probe', { name: 'runqlat', duration_s: 20 }, {
      signal: controller.signal, onprogress: () => controller.abort(),
    }).catch((e: Error) => e);
    const outcome = await pending;
    expect(outcome).toBeInstanceOf(Error);
    for (let i = 0; i < 30 && loaderProcesses() > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(loaderProcesses()).toBe(0);
  });

  it('runs a workload, saves a baseline and compares a rerun', async () => {
    const catalog = await call('run_workload', { list: true });
    expect((catalog.structuredContent!.catalog as Array<{ name: string }>).map((w) => w.name)).toContain('hackbench');
    const first = await call('run_workload', { workload: 'hackbench', trials: 3, params: { groups: 1, loops: 30 }, save_as_baseline: 'hb' });
    expect(first.isError, text(first)).toBeFalsy();
    const second = await call('run_workload', { workload: 'hackbench', trials: 3, params: { groups: 1, loops: 30 } });
    const runId = (second.structuredContent!.run as { id: number }).id;
    const cmp = await call('compare_to_baseline', { baseline: 'hb', run_id: runId });
    const result = cmp.structuredContent!.result as { metric: string; comparison: { verdict: string } };
    expect(result.metric).toBe('time_ms');
    expect(['better', 'worse', 'within_noise']).toContain(result.comparison.verdict);
    const listed = await call('compare_to_baseline', {});
    expect((listed.structuredContent!.baselines as Array<{ name: string }>).map((b) => b.name)).toEqual(['hb']);
    const badParam = await call('run_workload', { workload: 'hackbench', trials: 1, params: { group: 1 } });
    expect(text(badParam)).toMatch(/^invalid_argument: Workload hackbench has no parameter "group"; allowed: groups, loops, threads/);
  });
});

describe('schedcp analyze (CLI)', () => {
  it('prints the digest, runs a probe and refuses bad input with usage exit codes', async () => {
    const env = makeTestEnv();
    try {
      const opts = { env: env.env, allowFailure: true, timeoutMs: 60_000 };
      const summary = await run('node', [CLI, 'analyze', 'summary', '--window-ms', '200'], opts);
      expect(summary.exitCode).toBe(0);
      expect(summary.stdout).toMatch(/^CPU: .*\nMemory: /);
      const probe = await run('node', [CLI, 'analyze', 'probe', 'proclife', '--duration', '0.5', '--json'], opts);
      expect(probe.exitCode, probe.stderr).toBe(0);
      expect(JSON.parse(probe.stdout)).toMatchObject({ probe: 'proclife', attach: 'tp_btf' });
      const unknown = await run('node', [CLI, 'analyze', 'probe', 'nope'], opts);
      expect(unknown.exitCode).toBe(1);
      expect(unknown.stderr).toMatch(/not_found: Unknown probe "nope"/);
      const badSub = await run('node', [CLI, 'analyze', 'frobnicate'], opts);
      expect(badSub.exitCode).toBe(2);
      expect(badSub.stderr).toMatch(/Unknown analyze subcommand "frobnicate"; allowed: summary, signals/);
    } finally {
      env.cleanup();
    }
  });
});
