// Multi-file policies: the kernel's own sched_ext examples (extracted from Debian's
// linux-source-6.12 at test time, never committed) through the built CLI with their headers, header
// refusals naming the header, and headers over MCP (verify_policy, submit_policy → stored → verified
// by name). The VM parts need the kit (`schedcp vm build`) unless SCHEDCP_SKIP_VM_TESTS=1.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/exec/index.js';
import { CLI, makeTestEnv, startStdioClient, type StdioSession } from './helpers/mcp.js';

const SKIP_VM = process.env.SCHEDCP_SKIP_VM_TESTS === '1';
const TARBALL = '/usr/src/linux-source-6.12.tar.xz';
const EXAMPLES = ['scx_simple', 'scx_qmap', 'scx_flatcg'] as const;
type ToolResult = { structuredContent?: Record<string, unknown>; isError?: boolean; content: Array<{ type: string; text?: string }> };
const text = (r: ToolResult) => r.content.map((c) => c.text ?? '').join('\n');

let root: string;
let examples: string;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'schedcp-headers-e2e-'));
  if (!existsSync(TARBALL)) throw new Error(`${TARBALL} is missing: apt-get install linux-source-6.12 (scripts/setup.sh does)`);
  await run('tar', ['-xJf', TARBALL, '-C', root, '--wildcards', 'linux-source-6.12/tools/sched_ext/scx_*'], { timeoutMs: 120_000 });
  examples = join(root, 'linux-source-6.12', 'tools', 'sched_ext');
}, 150_000);
afterAll(() => { if (root) rmSync(root, { recursive: true, force: true }); });

describe('schedcp verify with headers (built CLI)', () => {
  const t = makeTestEnv();
  afterAll(() => t.cleanup());
  const verify = (args: string[]) => execa(process.execPath, [CLI, 'verify', ...args], { env: t.env, reject: false, timeout: 240_000 });

  it.skipIf(SKIP_VM).each(EXAMPLES)('passes the kernel example %s with --no-perf (headers from its folder)', async (name) => {
    const r = await verify([join(examples, `${name}.bpf.c`), '--no-perf', '--json']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { verdict: string; stages: Array<{ stage: string; verdict: string }>; token?: string; policy: { headersSha256?: string }; evidence: { stages: Array<{ stage: string; evidence: { headers?: Array<{ name: string }> } }> } };
    expect(out.stages.map((s) => s.stage)).toEqual(['static', 'kernel_verifier', 'dynamic']);
    expect(out.token).toMatch(/^schedcp-vt1\./);
    const headers = out.evidence.stages[0]!.evidence.headers;
    if (name === 'scx_flatcg') {
      expect(headers).toEqual([expect.objectContaining({ name: 'scx_flatcg.h', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
      const claims = JSON.parse(Buffer.from(out.token!.split('.')[1]!, 'base64url').toString()) as { headersSha256?: string };
      expect(claims.headersSha256).toBe(out.policy.headersSha256);
    } else {
      expect(headers).toBeUndefined();
    }
  }, 240_000);

  it('finds headers in --include-dir, and refuses a header linked out of the folder naming it, before compiling', async () => {
    const dir = join(root, 'split');
    const inc = join(root, 'split-include');
    mkdirSync(dir); mkdirSync(inc);
    copyFileSync(join(examples, 'scx_flatcg.bpf.c'), join(dir, 'scx_flatcg.bpf.c'));
    const without = await verify([join(dir, 'scx_flatcg.bpf.c'), '--static-only']);
    expect(without.exitCode).toBe(11);
    expect(without.stdout).toMatch(/#include "scx_flatcg.h" is outside the allowed headers/);
    copyFileSync(join(examples, 'scx_flatcg.h'), join(inc, 'scx_flatcg.h'));
    const withDir = await verify([join(dir, 'scx_flatcg.bpf.c'), '--static-only', '--include-dir', inc]);
    if (SKIP_VM && withDir.exitCode === 70) return; // no kit: nothing compiles
    expect(withDir.exitCode, withDir.stdout).toBe(0);

    symlinkSync(join(examples, 'scx_flatcg.h'), join(dir, 'scx_flatcg.h'));
    const linked = await verify([join(dir, 'scx_flatcg.bpf.c'), '--static-only']);
    expect(linked.exitCode).toBe(2);
    expect(linked.stderr).toMatch(/invalid_argument: header "scx_flatcg.h" resolves to ".*tools\/sched_ext\/scx_flatcg.h", outside its folder/);
    expect(linked.stdout).not.toMatch(/verification #/);
  }, 120_000);
});

describe('headers over MCP (stdio)', () => {
  let session: StdioSession;
  beforeAll(async () => { session = await startStdioClient({ repository: { embedding: 'hashing' } }); }, 60_000);
  afterAll(async () => { await session?.close(); });
  const call = (name: string, args: Record<string, unknown>) => session.client.callTool({ name, arguments: args }) as Promise<ToolResult>;

  it('refuses bad headers with invalid_argument naming the header, and records nothing', async () => {
    const source = readFileSync(join(examples, 'scx_flatcg.bpf.c'), 'utf8');
    for (const [headers, why] of [
      [{ '../scx_flatcg.h': 'x' }, /header "..\/scx_flatcg.h" is not allowed/],
      [{ '/etc/passwd.h': 'x' }, /header "\/etc\/passwd.h" is not allowed/],
      [{ 'scx_flatcg.h': 'x'.repeat(256 * 1024 + 1) }, /header "scx_flatcg.h" is 262145 bytes/],
    ] as const) {
      const r = await call('verify_policy', { source, headers, static_only: true });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/^invalid_argument: /);
      expect(text(r)).toMatch(why);
    }
    const none = await call('get_verification', { id: 1 });
    expect(text(none)).toMatch(/not_found/);
  });

  it.skipIf(SKIP_VM)('verifies source with headers, and stores submitted headers with the policy', async () => {
    const source = readFileSync(join(examples, 'scx_flatcg.bpf.c'), 'utf8');
    const headers = { 'scx_flatcg.h': readFileSync(join(examples, 'scx_flatcg.h'), 'utf8') };
    const v = await call('verify_policy', { source, headers, file_name: 'scx_flatcg.bpf.c', static_only: true });
    expect(v.isError, text(v)).toBeFalsy();
    expect(v.structuredContent).toMatchObject({ verdict: 'warn', policy: { headersSha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const sub = await call('submit_policy', { source, headers, metadata: { name: 'flatcg_copy', description: 'the kernel example flattened cgroup scheduler', algorithm: 'flattened cgroup hierarchy vtime', targetWorkloads: ['containers'] } });
    expect(sub.isError, text(sub)).toBeFalsy();
    expect(sub.structuredContent).toMatchObject({ staticStage: { verdict: 'warn' } });
    const byName = await call('verify_policy', { policy_name: 'flatcg_copy', static_only: true });
    expect(byName.isError, text(byName)).toBeFalsy();
    expect((byName.structuredContent as { policy: { headersSha256?: string } }).policy.headersSha256).toBe((v.structuredContent as { policy: { headersSha256: string } }).policy.headersSha256);
    const bad = await call('submit_policy', { source: `${source}\n`, headers: { 'x/../y.h': '' }, metadata: { name: 'flatcg_bad', description: 'd', algorithm: 'a', targetWorkloads: ['batch'] } });
    expect(text(bad)).toMatch(/^invalid_argument: header "x\/..\/y.h" is not allowed/);
    expect(text(await call('get_policy', { name: 'flatcg_bad' }))).toMatch(/^not_found/);
  }, 120_000);
});
