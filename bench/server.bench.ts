// Foundation benchmarks: server start-up to first tool list (stdio), tool-call round trips over
// stdio and HTTP (host_capabilities, which reads /proc and /sys), and the agent-step mix under load:
// 16 concurrent SDK clients over Streamable HTTP mixing system_summary level 0 (answered from the
// background sampler) and search_policies (embedder warmed at start), plus the sampler's own CPU cost.
// SCHEDCP_BENCH_CLIENTS / SCHEDCP_BENCH_CALLS_PER_CLIENT size the load run.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { loadavg } from 'node:os';
import { BackgroundSampler } from '../src/analysis/summary/background.js';
import { percentile, summarize } from '../src/stats/index.js';
import { startHttpServer, makeTestEnv, CLI } from '../test/helpers/mcp.js';

const ms = (values: number[]) => { const s = summarize(values); return { p50: +s.p50.toFixed(2), p95: +s.p95.toFixed(2), n: s.n }; };

async function timeCalls(client: Client, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await client.callTool({ name: 'host_capabilities', arguments: {} });
    out.push(performance.now() - t);
  }
  return out;
}

export async function benchServer(): Promise<Record<string, unknown>> {
  const startups: number[] = [];
  let stdioCalls: number[] = [];
  for (let i = 0; i < 5; i++) {
    const env = makeTestEnv();
    const t = performance.now();
    const client = new Client({ name: 'bench', version: '0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve', '--stdio'], env: env.env }));
    await client.listTools();
    startups.push(performance.now() - t);
    if (i === 0) stdioCalls = await timeCalls(client, 50);
    await client.close();
    env.cleanup();
  }
  const http = await startHttpServer({ tokens: [{ name: 'bench', token: 'b'.repeat(32), scopes: ['read'] }], http: { rateLimits: { read: { perMinute: 100000, burst: 100000 } } } });
  let httpCalls: number[] = [];
  try {
    const client = new Client({ name: 'bench', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers: { Authorization: `Bearer ${'b'.repeat(32)}` } } }));
    httpCalls = await timeCalls(client, 50);
    await client.close();
  } finally {
    await http.close();
  }
  const concurrent = await benchConcurrentMix();
  const sampler = await benchSamplerCost();
  return { stdioStartupToToolsMs: ms(startups), stdioHostCapabilitiesMs: ms(stdioCalls), httpHostCapabilitiesMs: ms(httpCalls), concurrent, sampler };
}

const pct = (values: number[]) => { const s = summarize(values); return { p50: +s.p50.toFixed(2), p99: +percentile(values, 99).toFixed(2), max: +s.max.toFixed(2), n: s.n }; };
const QUERIES = ['parallel compilation throughput for a kernel build', 'low tail latency for interactive web requests', 'p99 spikes when cron jobs run', 'fair sharing between containers', 'keep threads on the same L3 cache'];

async function benchConcurrentMix(): Promise<Record<string, unknown>> {
  const clients = Number(process.env.SCHEDCP_BENCH_CLIENTS ?? 16);
  const perClient = Number(process.env.SCHEDCP_BENCH_CALLS_PER_CLIENT ?? 25);
  const token = 'c'.repeat(32);
  const load0 = loadavg()[0]!;
  const t0 = performance.now();
  const http = await startHttpServer({ tokens: [{ name: 'bench', token, scopes: ['read'] }], http: { rateLimits: { read: { perMinute: 1_000_000, burst: 1_000_000 } } } });
  const listeningMs = performance.now() - t0;
  try {
    // The embedder warms in the background after listening; the run starts once it says so (bounded wait).
    const w0 = performance.now();
    while (!/search index ready/.test(http.stderr()) && performance.now() - w0 < 120_000) await new Promise((r) => setTimeout(r, 50));
    const warmUpMs = performance.now() - w0;
    const conns = await Promise.all(Array.from({ length: clients }, () => http.connect(token)));
    const summaryMs: number[] = [];
    const searchMs: number[] = [];
    const sources: Record<string, number> = {};
    let errors = 0;
    const r0 = performance.now();
    await Promise.all(conns.map(async (client, c) => {
      for (let i = 0; i < perClient; i++) {
        const isSearch = (i + c) % 2 === 1;
        const t = performance.now();
        const r = isSearch
          ? await client.callTool({ name: 'search_policies', arguments: { query: QUERIES[(i + c) % QUERIES.length]!, limit: 5 } })
          : await client.callTool({ name: 'system_summary', arguments: { level: 0 } });
        (isSearch ? searchMs : summaryMs).push(performance.now() - t);
        if (r.isError) errors++;
        if (!isSearch) { const src = (r.structuredContent as { window?: { source?: string } } | undefined)?.window?.source ?? 'none'; sources[src] = (sources[src] ?? 0) + 1; }
      }
    }));
    const wallS = (performance.now() - r0) / 1000;
    return {
      clients, callsPerClient: perClient, errors, serverListeningMs: +listeningMs.toFixed(1), embedderWarmUpAfterListenMs: +warmUpMs.toFixed(1),
      systemSummaryLevel0Ms: pct(summaryMs), searchPoliciesMs: pct(searchMs), summaryWindowSources: sources,
      throughputCallsPerS: +((summaryMs.length + searchMs.length) / wallS).toFixed(1),
      loadAverage1m: { atStart: +load0.toFixed(2), atEnd: +loadavg()[0]!.toFixed(2) },
    };
  } finally {
    await http.close();
  }
}

/** The sampler alone in this process: CPU of its reads and classification per hour of running. */
async function benchSamplerCost(): Promise<Record<string, unknown>> {
  const seconds = Number(process.env.SCHEDCP_BENCH_SAMPLER_SECONDS ?? 20);
  const out: Record<string, unknown> = {};
  for (const detail of [false, true]) {
    const s = new BackgroundSampler();
    s.start();
    if (detail) s.touch(true);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const st = s.stats();
    s.stop();
    out[detail ? 'withPerThreadRunqueueReads' : 'level0Reads'] = {
      windows: st.windows, intervalMs: st.intervalMs, cpuMsPerWindow: +(st.cpuMs / Math.max(1, st.ticks)).toFixed(2),
      cpuSecondsPerHour: +((st.cpuMs / st.runningMs) * 3600).toFixed(1), shareOfOneCorePct: +((st.cpuMs / st.runningMs) * 100).toFixed(2),
    };
  }
  return { ...out, note: 'idle server: the sampler pauses after 10 min without a request (0 CPU)' };
}
