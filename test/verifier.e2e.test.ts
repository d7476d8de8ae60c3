// verify_policy / get_verification / verify_token through a real MCP client against the built
// server (stdio), and `schedcp verify` exit codes through the built CLI. The VM parts need the kit
// (`schedcp vm build`) and fail without it unless SCHEDCP_SKIP_VM_TESTS=1.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeTestEnv, startStdioClient, type StdioSession } from './helpers/mcp.js';

const SKIP_VM = process.env.SCHEDCP_SKIP_VM_TESTS === '1';
const fixture = (name: string) => resolve(import.meta.dirname, 'fixtures', 'policies', `${name}.bpf.c`);
type ToolResult = { structuredContent?: Record<string, unknown>; isError?: boolean; content: Array<{ type: string; text?: string }> };
const text = (r: ToolResult) => r.content.map((c) => c.text ?? '').join('\n');

describe('verifier over MCP (stdio)', () => {
  let session: StdioSession;
  beforeAll(async () => { session = await startStdioClient(); });
  afterAll(async () => { await session?.close(); });
  const call = (name: string, args: Record<string, unknown>, options = {}) => session.client.callTool({ name, arguments: args }, options) as Promise<ToolResult>;

  it('lists the three verifier tools with honest annotations', async () => {
    const { tools } = await session.client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect(byName.get('verify_policy')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(byName.get('get_verification')?.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.get('verify_token')?.annotations).toMatchObject({ readOnlyHint: true });
  });

  it('refuses input that is not a policy, and ambiguous requests, with specific errors', async () => {
    const notC = await call('verify_policy', { source: 'import os\nos.system("reboot")\n' });
    expect(notC.isError).toBe(true);
    expect(text(notC)).toMatch(/invalid_argument: The policy does not look like C source/);
    const none = await call('verify_policy', {});
    expect(text(none)).toMatch(/exactly one of source, policy_id or policy_name \(got 0\)/);
    const hostInclude = await call('verify_policy', { source: '#include "/etc/shadow"\nchar _license[] SEC("license") = "GPL";\nint x;\n' });
    expect(hostInclude.structuredContent).toMatchObject({ verdict: 'fail', failedStage: 'static', failureClass: 'static_rule' });
  });

  it('refuses a garbage token with the reason and reports unknown evidence ids', async () => {
    const bad = await call('verify_token', { token: 'schedcp-vt1.e30.AAAA', kernel_release: '6.12.0' });
    expect(bad.structuredContent).toMatchObject({ valid: false, reason: expect.stringMatching(/malformed|not valid/) });
    const missing = await call('get_verification', { id: 424242 });
    expect(text(missing)).toMatch(/not_found: No verification with id 424242/);
  });

  it.skipIf(SKIP_VM)('verifies a correct policy in the VM with per-stage progress, and its token checks out', async () => {
    const progress: string[] = [];
    const result = await call('verify_policy', { source: readFileSync(fixture('fifo_ok'), 'utf8'), file_name: 'fifo_ok.bpf.c', perf: false }, {
      onprogress: (p: { message?: string }) => { if (p.message) progress.push(p.message); }, timeout: 240_000,
    });
    expect(result.isError, text(result)).toBeFalsy();
    const v = result.structuredContent as { id: number; verdict: string; token: string; tokenModes: string[]; policy: { objectSha256: string }; stages: Array<{ stage: string; verdict: string }> };
    expect(v.verdict).toBe('pass');
    expect(v.stages.map((s) => s.stage)).toEqual(['static', 'kernel_verifier', 'dynamic']);
    expect(v.tokenModes).toEqual(['canary']);
    expect(progress.some((m) => /static/.test(m))).toBe(true);
    expect(progress.some((m) => /workload hackbench/.test(m))).toBe(true);
    const token = await call('verify_token', { token: v.token, policy_sha256: v.policy.objectSha256, mode: 'canary' });
    expect(token.structuredContent).toMatchObject({ valid: true, claims: { evidenceId: v.id } });
    const full = await call('verify_token', { token: v.token, mode: 'full' });
    expect(full.structuredContent).toMatchObject({ valid: false, reason: expect.stringMatching(/not full/) });
    const summary = await call('get_verification', { id: v.id, detail: 'summary' });
    expect(summary.structuredContent).toMatchObject({ id: v.id, verdict: 'pass' });
    expect(summary.structuredContent!.evidence).toBeUndefined();
    const stages = await call('get_verification', { id: v.id });
    expect(JSON.stringify(stages.structuredContent!.evidence)).toMatch(/"processedInsns"/);
  }, 300_000);
});

describe('schedcp verify (built CLI)', () => {
  const t = makeTestEnv();
  afterAll(() => t.cleanup());
  const verify = (args: string[]) => execa(process.execPath, [CLI, 'verify', ...args], { env: t.env, reject: false, timeout: 240_000 });

  it('exits with the code of the failing stage and prints the reason', async () => {
    const compile = await verify([fixture('verifier_compile_error'), '--static-only']);
    // Without the kit nothing compiles: the CLI must say so as an infrastructure error.
    if (SKIP_VM && compile.exitCode === 70) { expect(compile.stderr).toMatch(/VM kit missing or stale: run `schedcp vm build`/); return; }
    expect(compile.exitCode).toBe(10);
    expect(compile.stdout).toMatch(/FAIL at stage static.*\n.*line 10:\d+: use of undeclared identifier/);
    const denied = await verify([fixture('verifier_denied_helper'), '--static-only', '--json']);
    expect(denied.exitCode).toBe(11);
    expect(JSON.parse(denied.stdout)).toMatchObject({ verdict: 'fail', failureClass: 'static_rule', evidence: { stages: [{ stage: 'static' }] } });
    const ok = await verify([fixture('fifo_ok'), '--static-only']);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/no token is issued/);
  }, 60_000);

  it('refuses bad arguments with exit 2', async () => {
    expect((await verify([])).exitCode).toBe(2);
    const missing = await verify(['/nonexistent/policy.bpf.c']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/Cannot read "\/nonexistent\/policy.bpf.c": ENOENT/);
    expect((await verify([fixture('fifo_ok'), '--timeout', '2'])).stderr).toMatch(/--timeout "2" must be an integer/);
  });

  it.skipIf(SKIP_VM)('exits 12 for a kernel verifier rejection', async () => {
    const r = await verify([fixture('verifier_reject'), '--no-perf']);
    expect(r.exitCode).toBe(12);
    expect(r.stdout).toMatch(/Verifier log \(tail\):[\s\S]*map_value_or_null/);
  }, 240_000);
});
