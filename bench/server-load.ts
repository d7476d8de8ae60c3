// The agent-step mix under load: SDK clients over Streamable HTTP (MCP sessions) mixing
// system_summary level 0 (answered from the background sampler) and search_policies. Two load
// models on one server: closed loop (each client calls again as soon as it has an answer: the
// saturation point, where latency is set by CPU per call and the 2 cores the clients share with the
// server) and paced (each client calls at a fixed rate whatever the latency, like agents polling the
// digest each step and consoles on a timer). CPU per call of the client process and of the server
// is measured in the same run: on one 2-core machine, the client's share bounds what the server can show.
import type { Client } from '@modelcontextprotocol/client';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { percentile, summarize } from '../src/stats/index.js';
import { startHttpServer } from '../test/helpers/mcp.js';

const QUERIES = ['parallel compilation throughput for a kernel build', 'low tail latency for interactive web requests', 'p99 spikes when cron jobs run', 'fair sharing between containers', 'keep threads on the same L3 cache'];
const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux
const WARM_UP_CALLS_PER_CLIENT = 4;
const pct = (values: number[]) => { const s = summarize(values); return { p50: +s.p50.toFixed(2), p99: +percentile(values, 99).toFixed(2), max: +s.max.toFixed(2), n: s.n }; };

/** utime + stime of a process in ms, from /proc/<pid>/stat (fields 14 and 15, after the comm). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
}

interface Arm { calls: number; wallS: number; summaryMs: number[]; searchMs: number[]; errors: number; sources: Record<string, number> }
const emptyArm = (): Arm => ({ calls: 0, wallS: 0, summaryMs: [], searchMs: [], errors: 0, sources: {} });

async function oneCall(client: Client, c: number, i: number, arm: Arm): Promise<void> {
  const isSearch = (i + c) % 2 === 1;
  const t = performance.now();
  const r = isSearch
    ? await client.callTool({ name: 'search_policies', arguments: { query: QUERIES[(i + c) % QUERIES.length]!, limit: 5 } })
    : await client.callTool({ name: 'system_summary', arguments: { level: 0 } });
  (isSearch ? arm.searchMs : arm.summaryMs).push(performance.now() - t);
  arm.calls++;
  if (r.isError) arm.errors++;
  if (!isSearch) { const src = (r.structuredContent as { window?: { source?: string } } | undefined)?.window?.source ?? 'none'; arm.sources[src] = (arm.sources[src] ?? 0) + 1; }
}

/** Runs one arm and reports latency, throughput and CPU per call of both processes. */
async function measure(serverPid: number, run: (arm: Arm) => Promise<void>): Promise<Record<string, unknown>> {
  const arm = emptyArm();
  const load0 = loadavg()[0]!;
  const server0 = processCpuMs(serverPid);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await run(arm);
  arm.wallS = (performance.now() - t0) / 1000;
  const clientCpu = process.cpuUsage(client0);
  const serverCpuMs = processCpuMs(serverPid) - server0;
  return {
    calls: arm.calls, errors: arm.errors, systemSummaryLevel0Ms: pct(arm.summaryMs), searchPoliciesMs: pct(arm.searchMs), summaryWindowSources: arm.sources,
    throughputCallsPerS: +(arm.calls / arm.wallS).toFixed(1),
    serverCpuMsPerCall: +(serverCpuMs / arm.calls).toFixed(2),
    clientCpuMsPerCall: +((clientCpu.user + clientCpu.system) / 1000 / arm.calls).toFixed(2),
    loadAverage1m: { atStart: +load0.toFixed(2), atEnd: +loadavg()[0]!.toFixed(2) },
  };
}

const closedLoop = (conns: Client[], perClient: number) => async (arm: Arm) => {
  await Promise.all(conns.map(async (client, c) => { for (let i = 0; i < perClient; i++) await oneCall(client, c, i, arm); }));
};

/** Open loop: client c fires call i at start + phase(c) + i / rate, even if call i-1 is still out. */
const paced = (conns: Client[], perClient: number, ratePerClient: number) => async (arm: Arm) => {
  const periodMs = 1000 / ratePerClient;
  await Promise.all(conns.map(async (client, c) => {
    const start = performance.now() + (periodMs * c) / conns.length;
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < perClient; i++) {
      const wait = start + i * periodMs - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(oneCall(client, c, i, arm));
    }
    await Promise.all(inFlight);
  }));
};

/** A server for the mix (read token, no rate limit), ready once its embedder is warm, with its clients connected and warmed up. */
async function readyServer(clients: number, sessions: Record<string, unknown> = {}) {
  const token = 'c'.repeat(32);
  const t0 = performance.now();
  const http = await startHttpServer({ tokens: [{ name: 'bench', token, scopes: ['read'] }], http: { sessions, rateLimits: { read: { perMinute: 1_000_000, burst: 1_000_000 } } } });
  const listeningMs = performance.now() - t0;
  try {
    // The embedder warms in the background after listening; the runs start once it says so (bounded wait).
    const w0 = performance.now();
    while (!/search index ready/.test(http.stderr()) && performance.now() - w0 < 120_000) await new Promise((r) => setTimeout(r, 50));
    const warmUpMs = performance.now() - w0;
    const conns = await Promise.all(Array.from({ length: clients }, () => http.connect(token)));
    // A fresh server's first calls of each tool pay V8's compile and SQLite's page cache: a few
    // calls per client first, not measured, as an agent's session is past its first step.
    const warm = emptyArm();
    await closedLoop(conns, WARM_UP_CALLS_PER_CLIENT)(warm);
    const warmUp = { callsPerClient: WARM_UP_CALLS_PER_CLIENT, errors: warm.errors, systemSummaryLevel0Ms: pct(warm.summaryMs), searchPoliciesMs: pct(warm.searchMs) };
    return { http, conns, pid: http.process.pid!, listeningMs, warmUpMs, warmUp };
  } catch (error) {
    await http.close();
    throw error;
  }
}

export async function benchAgentMix(): Promise<Record<string, unknown>> {
  const clients = Number(process.env.SCHEDCP_BENCH_CLIENTS ?? 16);
  const perClient = Number(process.env.SCHEDCP_BENCH_CALLS_PER_CLIENT ?? 25);
  const rates = (process.env.SCHEDCP_BENCH_PACED_RATES ?? '1,4,8').split(',').map(Number);
  const out: Record<string, unknown> = { clients, callsPerClient: perClient };
  const sse = await readyServer(clients);
  try {
    Object.assign(out, { serverListeningMs: +sse.listeningMs.toFixed(1), embedderWarmUpAfterListenMs: +sse.warmUpMs.toFixed(1), warmUp: sse.warmUp });
    out.closedLoop = await measure(sse.pid, closedLoop(sse.conns, perClient));
    for (const rate of rates) {
      out[`paced${rate}PerClientPerS`] = { offeredCallsPerS: clients * rate, ...(await measure(sse.pid, paced(sse.conns, Math.max(perClient, rate * 5), rate))) };
    }
  } finally {
    await sse.http.close();
  }
  // The same closed loop on a server configured with http.sessions.jsonResponses (one JSON body per
  // answer, no SSE framing; no progress notifications), started after the first one has stopped.
  const json = await readyServer(clients, { jsonResponses: true });
  try {
    out.closedLoopJsonResponses = await measure(json.pid, closedLoop(json.conns, perClient));
  } finally {
    await json.http.close();
  }
  return out;
}
