// Foundation benchmarks: server start-up to first tool list (stdio), and tool-call round trips over
// stdio and HTTP (host_capabilities, which reads /proc and /sys).
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { summarize } from '../src/stats/index.js';
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
  return { stdioStartupToToolsMs: ms(startups), stdioHostCapabilitiesMs: ms(stdioCalls), httpHostCapabilitiesMs: ms(httpCalls) };
}
