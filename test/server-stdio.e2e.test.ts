// The built server as a child process over stdio, driven by the SDK client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStdioClient, type StdioSession } from './helpers/mcp.js';

let session: StdioSession;
beforeAll(async () => { session = await startStdioClient(); });
afterAll(async () => { await session?.close(); });

describe('stdio server', () => {
  it('lists tools with output schemas and honest annotations', async () => {
    const { tools } = await session.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain('host_capabilities');
    expect(names).toContain('audit_log');
    for (const tool of tools) {
      expect(tool.outputSchema, `${tool.name} outputSchema`).toBeDefined();
      expect(typeof tool.annotations?.readOnlyHint, `${tool.name} readOnlyHint`).toBe('boolean');
      expect(tool.description!.length, `${tool.name} description`).toBeGreaterThan(40);
      // Mutating tools accept an audit justification.
      if (tool.annotations?.readOnlyHint === false) expect(Object.keys((tool.inputSchema as { properties: object }).properties)).toContain('justification');
    }
  });

  it('answers host_capabilities with structured content that matches this host', async () => {
    const r = await session.client.callTool({ name: 'host_capabilities', arguments: {} });
    expect(r.isError).toBeFalsy();
    const caps = (r.structuredContent as { capabilities: Array<{ name: string; available: boolean; detail: string }> }).capabilities;
    const byName = Object.fromEntries(caps.map((c) => [c.name, c]));
    const { existsSync } = await import('node:fs');
    expect(byName.btf!.available).toBe(existsSync('/sys/kernel/btf/vmlinux'));
    expect(byName.sched_ext!.available).toBe(existsSync('/sys/kernel/sched_ext'));
    if (!byName.sched_ext!.available) expect(byName.sched_ext!.detail).toMatch(/micro-VM/);
    // The kit entry reflects the real cache (the server was given the same cache dir).
    const { kitStatus } = await import('../src/vm/index.js');
    const cacheDir = (JSON.parse((await import('node:fs')).readFileSync(session.env.env.SCHEDCP_CONFIG!, 'utf8')) as { cacheDir: string }).cacheDir;
    expect(byName.micro_vm_kit!.available).toBe((await kitStatus(cacheDir)).present);
    expect(byName.micro_vm_kit!.detail).toMatch(byName.micro_vm_kit!.available ? /kit for Linux 6\.12/ : /run `schedcp vm build`/);
  });

  it('rejects extra fields, wrong types and unknown tools with specific errors', async () => {
    const extra = await session.client.callTool({ name: 'host_capabilities', arguments: { verbose: true } });
    expect(extra.isError).toBe(true);
    expect(JSON.stringify(extra.content)).toMatch(/Unrecognized key.*verbose/);
    const wrongType = await session.client.callTool({ name: 'audit_log', arguments: { limit: 'ten' } });
    expect(wrongType.isError).toBe(true);
    expect(JSON.stringify(wrongType.content)).toMatch(/limit/);
    const tooLong = await session.client.callTool({ name: 'audit_log', arguments: { tool: 'x'.repeat(10_000) } });
    expect(tooLong.isError).toBe(true);
    expect(JSON.stringify(tooLong.content)).toMatch(/tool/);
    await expect(session.client.callTool({ name: 'no_such_tool', arguments: {} })).rejects.toThrow(/no_such_tool/);
  });

  it('keeps stdout for protocol only (logs go to stderr)', async () => {
    // A stray console.log on stdout would have broken the JSON-RPC stream before this point.
    const r = await session.client.callTool({ name: 'audit_log', arguments: { counters: true } });
    expect(r.isError).toBeFalsy();
    const counters = (r.structuredContent as { counters: Array<{ tool: string; calls: number }> }).counters;
    expect(counters.find((c) => c.tool === 'host_capabilities')?.calls).toBeGreaterThanOrEqual(1);
  });
});
