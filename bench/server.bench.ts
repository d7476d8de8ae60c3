// Foundation benchmarks: server start-up to first tool list (stdio), tool-call round trips over
// stdio and HTTP (host_capabilities, which reads /proc and /sys), the agent-step mix under load
// (bench/server-load.ts: 16 SDK clients, closed loop and paced), and the sampler's own CPU cost.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { BackgroundSampler } from '../src/analysis/summary/background.js';
import { summarize } from '../src/stats/index.js';
import { benchAgentMix } from './server-load.js';
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
  const concurrent = await benchAgentMix();
  const sampler = await benchSamplerCost();
  return { stdioStartupToToolsMs: ms(startups), stdioHostCapabilitiesMs: ms(stdioCalls), httpHostCapabilitiesMs: ms(httpCalls), concurrent, sampler };
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
