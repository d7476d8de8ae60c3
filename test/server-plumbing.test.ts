// Progress, cancellation and logging plumbing through the real server wrapper, exercised with a
// test-only tool over an in-memory transport (the product's long tools use the same path).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { App } from '../src/app.js';
import { createTestApp, silentLogger, type TestApp } from './helpers/app.js';
import { registerTool } from '../src/server/create-server.js';
import { defineTool } from '../src/server/tool.js';
import { SchedcpError } from '../src/errors.js';

let app: App;
let testApp: TestApp;
let cancelledAt: number | undefined;

const slowTool = defineTool({
  name: 'test_slow_steps',
  title: 'test only',
  description: 'Counts to `steps`, reporting progress each step, stopping when cancelled.',
  scope: 'verify',
  annotations: { readOnlyHint: false, destructiveHint: false },
  input: z.object({ steps: z.number().int().min(1).max(1000), failWith: z.string().max(100).optional() }).strict(),
  output: z.object({ completed: z.number() }),
  async run(args, ctx) {
    if (args.failWith) throw new SchedcpError('invalid_argument', args.failWith);
    await ctx.log('info', `starting ${args.steps} steps`);
    for (let i = 1; i <= args.steps; i++) {
      if (ctx.signal.aborted) { cancelledAt = i; throw new SchedcpError('cancelled', 'cancelled by client'); }
      await ctx.progress(i, args.steps, `step ${i}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { completed: args.steps };
  },
});

async function connect(scopes: Array<'read' | 'verify'>): Promise<Client> {
  const server = new McpServer({ name: 't', version: '0' }, { capabilities: { tools: {}, logging: {} } });
  registerTool(server, app, { id: 'tester', transport: 'stdio', scopes: new Set(scopes) }, slowTool);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'c', version: '0' });
  await client.connect(clientSide);
  return client;
}

beforeAll(() => {
  testApp = createTestApp({}, { prefix: 'schedcp-plumb', logger: silentLogger });
  app = testApp.app;
});
afterAll(() => testApp.close());

describe('tool plumbing', () => {
  it('sends progress notifications with total and message', async () => {
    const client = await connect(['verify']);
    const seen: Array<{ progress: number; total?: number; message?: string }> = [];
    const result = await client.callTool({ name: 'test_slow_steps', arguments: { steps: 4 } }, { onprogress: (p) => seen.push(p) });
    expect(result.structuredContent).toEqual({ completed: 4 });
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3, 4]);
    expect(seen[3]).toMatchObject({ total: 4, message: 'step 4' });
    await client.close();
  });

  it('cancels a running call through the AbortSignal', async () => {
    const client = await connect(['verify']);
    cancelledAt = undefined;
    const abort = new AbortController();
    const call = client.callTool({ name: 'test_slow_steps', arguments: { steps: 500 } }, {
      signal: abort.signal,
      onprogress: (p) => { if (p.progress === 3) abort.abort('enough'); },
    });
    await expect(call).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(cancelledAt).toBeGreaterThanOrEqual(3);
    expect(cancelledAt).toBeLessThan(20);
    await client.close();
  });

  it('audits mutating calls with the justification, and errors with their code', async () => {
    const client = await connect(['verify']);
    await client.callTool({ name: 'test_slow_steps', arguments: { steps: 1, justification: 'checking the plumbing' } });
    const failed = await client.callTool({ name: 'test_slow_steps', arguments: { steps: 1, failWith: 'bad thing "x"' } });
    expect(failed.isError).toBe(true);
    expect((failed.content as Array<{ text: string }>)[0]!.text).toBe('invalid_argument: bad thing "x"');
    const rows = app.audit.query({ tool: 'test_slow_steps' });
    expect(rows.find((r) => r.justification === 'checking the plumbing')).toMatchObject({ outcome: 'ok', caller: 'tester', args: { steps: 1 } });
    expect(rows.find((r) => r.outcome === 'error')).toMatchObject({ errorCode: 'invalid_argument' });
    await client.close();
  });

  it('refuses a caller without the scope, audits the denial, and runs nothing', async () => {
    const client = await connect(['read']);
    cancelledAt = undefined;
    const r = await client.callTool({ name: 'test_slow_steps', arguments: { steps: 2 } });
    expect(r.isError).toBe(true);
    expect((r.content as Array<{ text: string }>)[0]!.text).toMatch(/needs scope "verify"/);
    expect(app.audit.query({ tool: 'test_slow_steps', outcome: 'denied' })).toHaveLength(1);
    await client.close();
  });
});
