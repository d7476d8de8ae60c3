// The real server over stdio: an action applied through adjust_process survives a SIGKILL of the
// server (a crash) and is reverted by the next start; a clean shutdown reverts what it owns.
import { afterAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { CLI, makeTestEnv } from './helpers/mcp.js';
import { layoutOf } from '../src/remediation/cgroups.js';
import { readProcess } from '../src/remediation/procfs.js';

const OWN_ROOT = `/schedcp-e2e-${process.pid}-own`;
const env = makeTestEnv({ tuning: { liveApply: true }, remediation: { cgroupRoot: OWN_ROOT } });
const children: ChildProcess[] = [];
const cpu = layoutOf('cpu');

async function connect(): Promise<{ client: Client; transport: StdioClientTransport }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'serve', '--stdio'], env: env.env, stderr: 'pipe' });
  const client = new Client({ name: 'remediation-e2e', version: '0' });
  await client.connect(transport);
  return { client, transport };
}

type Result = { structuredContent?: Record<string, unknown>; isError?: boolean; content: Array<{ type: string; text?: string }> };
const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as Result;

async function until<T>(fn: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let waited = 0; ; waited += 200) {
    const v = await fn();
    if (v !== undefined) return v;
    if (waited > 20_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  env.cleanup();
});

describe('remediation through the MCP server', () => {
  it('refuses through the tool with the rule name, and a crash before the revert is repaired on the next start', async () => {
    const sleeper = spawn('sleep', ['600'], { stdio: 'ignore' });
    const hog = spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' });
    children.push(sleeper, hog);
    await until(async () => readProcess(hog.pid!) && readProcess(sleeper.pid!), 'children');
    const first = await connect();
    const refused = await call(first.client, 'adjust_process', { pid: 1, action: { kind: 'nice', value: 5 }, mode: 'live' });
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toMatch(/\[pid_1\]/);
    const unknown = await call(first.client, 'adjust_process', { pid: sleeper.pid, action: { kind: 'nice', value: 5 }, bogus: 1 });
    expect(unknown.isError).toBe(true);

    const nice = await call(first.client, 'adjust_process', { pid: sleeper.pid, action: { kind: 'nice', value: 6 }, mode: 'live', ttlSeconds: 600, justification: 'e2e crash test' });
    expect(nice.structuredContent).toMatchObject({ state: 'active', kind: 'nice' });
    const limit = await call(first.client, 'adjust_process', { pid: hog.pid, action: { kind: 'limit', knob: 'cpu.max', value: 50 }, mode: 'live', ttlSeconds: 600 });
    expect(limit.structuredContent).toMatchObject({ state: 'active', kind: 'process_limit' });
    const dedicated = join(cpu.mount!, OWN_ROOT, `pid-${hog.pid}-${readProcess(hog.pid!)!.startTime}`);
    expect(existsSync(dedicated)).toBe(true);

    // Crash: no shutdown handler runs.
    const serverPid = first.transport.pid!;
    process.kill(serverPid, 'SIGKILL');
    await until(async () => (readProcess(serverPid) ? undefined : true), 'server exit');
    await first.client.close().catch(() => undefined);
    expect(getPriority(sleeper.pid!)).toBe(6);
    expect(existsSync(dedicated)).toBe(true);

    const second = await connect();
    const listed = await until(async () => {
      const r = await call(second.client, 'list_adjustments', { all: true });
      const rows = (r.structuredContent!.adjustments as Array<{ id: number; state: string; events: Array<{ kind: string; detail: string }> }>);
      return rows.length === 2 && rows.every((a) => a.state === 'reverted') ? rows : undefined;
    }, 'repair after the crash');
    for (const row of listed) expect(row.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['intent', 'apply', 'repair', 'revert']));
    expect(getPriority(sleeper.pid!)).toBe(0);
    expect(existsSync(dedicated)).toBe(false);
    expect(existsSync(join(cpu.mount!, OWN_ROOT))).toBe(false);

    // A clean shutdown reverts what the server owns.
    const again = await call(second.client, 'adjust_process', { pid: sleeper.pid, action: { kind: 'nice', value: 3 }, mode: 'live', ttlSeconds: 600 });
    const id = again.structuredContent!.id as number;
    expect(getPriority(sleeper.pid!)).toBe(3);
    const secondPid = second.transport.pid!;
    await second.client.close();
    await until(async () => (readProcess(secondPid) ? undefined : true), 'server shutdown');
    expect(getPriority(sleeper.pid!)).toBe(0);
    const third = await connect();
    const rows = (await call(third.client, 'list_adjustments', { all: true })).structuredContent!.adjustments as Array<{ id: number; state: string; events: Array<{ detail: string }> }>;
    expect(rows.find((r) => r.id === id)).toMatchObject({ state: 'reverted' });
    expect(rows.find((r) => r.id === id)!.events.at(-1)!.detail).toMatch(/server shutdown/);
    await third.client.close();
  });
});
