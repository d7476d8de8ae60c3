// The whole verifier against real micro-VMs: one batched VM boot verifies every fixture policy
// (the runner loads them one after another), then tokens are checked. Needs the VM kit
// (`schedcp vm build`); fails without it unless SCHEDCP_SKIP_VM_TESTS=1.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { loadConfig, parseConfig } from '../src/config/index.js';
import { getKit, liveVmCount } from '../src/vm/index.js';
import { getVerification, verifyPolicies, verifyPolicyRequest, verifyToken, type Verification } from '../src/verifier/index.js';
import { policyHistory } from '../src/repository/index.js';

const SKIP = process.env.SCHEDCP_SKIP_VM_TESTS === '1';
const fixtures = resolve(import.meta.dirname, 'fixtures', 'policies');
const POLICIES = ['fifo_ok', 'verifier_long_slice', 'verifier_one_cpu', 'never_dispatch', 'verifier_reject', 'verifier_unbounded_loop', 'verifier_scx_error', 'verifier_invalid_dsq', 'verifier_denied_helper', 'verifier_compile_error'] as const;
type Name = (typeof POLICIES)[number];

describe.skipIf(SKIP)('verifier on real micro-VMs', () => {
  let root: string;
  let app: App;
  let kernelRelease: string;
  const results = {} as Record<Name, Verification>;

  beforeAll(async () => {
    const config = loadConfig();
    try {
      kernelRelease = (await getKit(config)).manifest.versions.kernelRelease;
    } catch (error) {
      throw new Error(`VM kit missing: run \`schedcp vm build\` (${(error as Error).message})`);
    }
    root = mkdtempSync(join(tmpdir(), 'schedcp-verifier-vm-test-'));
    app = createApp({ config: parseConfig({ dataDir: join(root, 'data'), cacheDir: config.cacheDir, repository: { embedding: 'hashing' } }) });
    const verifications = await verifyPolicies(app, POLICIES.map((name) => ({ source: readFileSync(join(fixtures, `${name}.bpf.c`), 'utf8'), fileName: `${name}.bpf.c`, label: name })), { perf: true });
    POLICIES.forEach((name, i) => { results[name] = verifications[i]!; });
  }, 420_000);

  afterAll(async () => {
    await app?.close();
    if (root) rmSync(root, { recursive: true, force: true });
    expect(liveVmCount()).toBe(0);
  });

  it('passes a correct policy through all four stages and issues a full-deploy token', () => {
    const v = results.fifo_ok;
    expect(v.stages.map((s) => `${s.stage}:${s.verdict}`)).toEqual(['static:pass', 'kernel_verifier:pass', 'dynamic:pass', expect.stringMatching(/^performance:(pass|warn)$/)]);
    expect(v.verdict).not.toBe('fail');
    expect(v.token).toMatch(/^schedcp-vt1\./);
    expect(v.tokenModes).toEqual(['canary', 'full']);
    const evidence = getVerification(app, v.id, 'full').evidence as { stages: Array<{ stage: string; evidence: { programs?: Array<{ processedInsns?: number }> } }> };
    expect(evidence.stages.find((s) => s.stage === 'kernel_verifier')!.evidence.programs!.every((p) => (p.processedInsns ?? 0) > 0)).toBe(true);
  });

  it('catches a compile error at the static stage with the line number', () => {
    expect(results.verifier_compile_error).toMatchObject({ verdict: 'fail', failedStage: 'static', failureClass: 'compile_error' });
    expect(results.verifier_compile_error.reason).toMatch(/line 10:\d+: use of undeclared identifier 'undeclared_factor'/);
  });

  it('catches a denied helper statically, before any VM stage', () => {
    expect(results.verifier_denied_helper).toMatchObject({ verdict: 'fail', failedStage: 'static', failureClass: 'static_rule' });
    expect(results.verifier_denied_helper.reason).toMatch(/bpf_probe_write_user/);
    expect(results.verifier_denied_helper.stages).toHaveLength(1);
  });

  it('reports the kernel verifier rejection of an unchecked map lookup with the source line', () => {
    expect(results.verifier_reject).toMatchObject({ verdict: 'fail', failedStage: 'kernel_verifier', failureClass: 'kernel_verifier_rejected' });
    expect(results.verifier_reject.reason).toMatch(/vr_enqueue: R0 invalid mem access 'map_value_or_null' at `\(\*count\)\+\+;.*policy\.bpf\.c:21`/);
  });

  it('reports the kernel verifier rejection of an unbounded loop', () => {
    expect(results.verifier_unbounded_loop).toMatchObject({ verdict: 'fail', failedStage: 'kernel_verifier' });
    expect(results.verifier_unbounded_loop.reason).toMatch(/infinite loop detected/);
  });

  it('catches a stall (tasks never dispatched) in the dynamic stage', () => {
    expect(results.never_dispatch).toMatchObject({ verdict: 'fail', failedStage: 'dynamic', failureClass: 'dynamic_failure' });
    expect(results.never_dispatch.reason).toMatch(/task stall: the watchdog ejected the scheduler/);
    expect(results.never_dispatch.stages[0]!.verdict).toBe('warn');
  });

  it('catches scx_bpf_error() and an invalid DSQ at runtime with the kernel\'s message', () => {
    expect(results.verifier_scx_error).toMatchObject({ verdict: 'fail', failedStage: 'dynamic' });
    expect(results.verifier_scx_error.reason).toMatch(/scx_bpf_error\(\).*deliberate error after \d+ enqueues/);
    expect(results.verifier_invalid_dsq).toMatchObject({ verdict: 'fail', failedStage: 'dynamic' });
    expect(results.verifier_invalid_dsq.reason).toMatch(/non-existent DSQ 0x1234/);
  });

  it('fails a gross regression (every task on one CPU) in the performance stage', () => {
    expect(results.verifier_one_cpu).toMatchObject({ verdict: 'fail', failedStage: 'performance', failureClass: 'perf_regression' });
    expect(results.verifier_one_cpu.reason).toMatch(/wake_beside_hogs cpuParallelism -\d+\.\d% \(ratio 0\.\d+, spread/);
    expect(results.verifier_one_cpu.token).toBeUndefined();
  });

  it('fails a long-slice policy that never picks an idle CPU on wakeup latency, even under TCG', () => {
    expect(results.verifier_long_slice).toMatchObject({ verdict: 'fail', failedStage: 'performance', failureClass: 'perf_regression' });
    expect(results.verifier_long_slice.reason).toMatch(/wakeup latency beside CPU hogs \(wake_beside_hogs\) p50 \d+\.\d ms vs \d+\.\d+ ms under the default scheduler/);
    expect(results.verifier_long_slice.stages.find((s) => s.stage === 'dynamic')?.verdict).toBe('pass');
    expect(results.verifier_long_slice.token).toBeUndefined();
  });

  it('verifies a repository policy by name and records only the complete run there', async () => {
    const staticOnly = await verifyPolicyRequest(app, { policyName: 'global_fifo' }, { staticOnly: true });
    expect(staticOnly).toMatchObject({ verdict: 'pass', policy: { label: 'global_fifo v1' } });
    expect((await policyHistory(app, { name: 'global_fifo' })).verifications).toHaveLength(0);
    const full = await verifyPolicyRequest(app, { policyName: 'global_fifo' }, { perf: false });
    expect(full.verdict).not.toBe('fail');
    const history = await policyHistory(app, { name: 'global_fifo' });
    expect(history.verifications).toMatchObject([{ verificationId: String(full.id), verdict: full.verdict }]);
    expect(history.policy.status).toBe('verified');
  }, 120_000);

  it('cancels a running verification through its AbortSignal and leaves no VM behind', async () => {
    const controller = new AbortController();
    const pending = verifyPolicies(app, [{ source: readFileSync(join(fixtures, 'fifo_ok.bpf.c'), 'utf8'), label: 'cancelled' }], {
      perf: false, signal: controller.signal,
      onProgress: (_done, _total, message) => { if (/workload/.test(message)) controller.abort(); },
    });
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    expect(liveVmCount()).toBe(0);
    expect((app.db.prepare("SELECT count(*) AS n FROM verifications WHERE policy_label = 'cancelled'").get() as { n: number }).n).toBe(0);
  }, 120_000);

  it('accepts the issued token and refuses tampered, expired, wrong-policy and wrong-kit uses', async () => {
    const v = results.fifo_ok;
    const token = v.token!;
    expect(await verifyToken(app, token, { policySha256: v.policy.objectSha256!, mode: 'full' })).toMatchObject({ valid: true, claims: { kernelRelease, evidenceId: v.id } });
    const [prefix, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(168 * 3600); // config verifier.tokenTtlHours default
    const forged = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, policySha256: results.verifier_one_cpu.policy.objectSha256 })).toString('base64url')}.${signature}`;
    expect((await verifyToken(app, forged)).reason).toMatch(/tampered/);
    expect((await verifyToken(app, token, { now: claims.exp + 1 })).reason).toMatch(/expired/);
    expect((await verifyToken(app, token, { policySha256: results.verifier_one_cpu.policy.objectSha256! })).reason).toMatch(/is for policy object/);
    expect((await verifyToken(app, token, { kernelRelease: `${kernelRelease}-other` })).reason).toMatch(/issued against kit kernel/);
  });
});
