// The verification pipeline: static → kernel verifier → dynamic → performance → token. Stops at
// the first hard failure and names it; stores every stage's evidence; batches policies per VM boot.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { keepVerifiedObject } from './objects.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../app.js';
import { canonicalJson, sha256Hex } from '../audit/index.js';
import { SchedcpError } from '../errors.js';
import { SCHEDCP_VERSION } from '../server/version.js';
import { getKit, runInVm, type Kit, type PolicyRunResult, type VmRunResult } from '../vm/index.js';
import { planBaseline, settleBaseline } from './baseline.js';
import { loadOrCreateSigningKey } from './keys.js';
import { recordInRepository } from './repository-bridge.js';
import { loadRules } from './rules.js';
import { INPUT_RULES, staticStage, type StaticInput } from './static-stage.js';
import { loadSuite } from './suite.js';
import { stageTimings } from './timings.js';
import { signToken, type TokenClaims } from './token.js';
import type { StageResult, StaticStageResult, Verification } from './types.js';
import { verificationStoreOf } from './store.js';
import { deployModesFor, dynamicStage, kernelVerifierStage, performanceStage, planWorkloads, type PerfComparison } from './vm-stages.js';

export interface VerifyInput extends StaticInput {
  /** Label in reports (policy name or file name). */
  label?: string;
  repositoryPolicyId?: number;
}

export interface VerifyOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
  /** Stop after the static stage (no VM, no token). */
  staticOnly?: boolean;
  /** Run the performance regression check (default true). Without it tokens allow canary deploys only. */
  perf?: boolean;
  /** Wall-clock limit for the VM run. */
  timeoutSeconds?: number;
  /** Token lifetime; default config verifier.tokenTtlHours. */
  tokenTtlSeconds?: number;
  /** 'reuse' (default): a stored default-scheduler baseline of the same kit, suite, VM shape and host, younger
   * than suite performance.baselineMaxAgeMinutes, replaces the baseline pass in the VM; 'fresh' always measures one. */
  baseline?: 'reuse' | 'fresh';
}

export function verifierVersion(): string {
  return `${SCHEDCP_VERSION}+rules.${loadRules().version}`;
}

function staticAsStage(s: StaticStageResult): StageResult<StaticStageResult> {
  const summary = s.verdict === 'fail'
    ? s.reason ?? 'static checks failed'
    : `${s.ops.length} ops (${s.ops.join(', ') || 'none'}); ${s.findings.filter((f) => f.severity === 'warning').length} warnings; est. ${s.overhead?.nsPerSchedulingEvent.toFixed(0) ?? '?'} ns/scheduling event`;
  return { stage: 'static', verdict: s.verdict, durationMs: s.durationMs, summary, ...(s.reason ? { reason: s.reason } : {}), ...(s.failureClass ? { failureClass: s.failureClass } : {}), evidence: s };
}

interface Pending { input: VerifyInput; label: string; stages: StageResult[]; objectPath?: string; static: StaticStageResult; started: number; run?: PolicyRunResult }

export async function verifyPolicies(app: App, inputs: readonly VerifyInput[], options: VerifyOptions = {}): Promise<Verification[]> {
  const perf = options.perf ?? true;
  const suite = loadSuite();
  const total = options.staticOnly ? 1 : perf ? 4 : 3;
  const progress = (done: number, message: string) => options.onProgress?.(done, total, message);
  const workDir = mkdtempSync(join(tmpdir(), 'schedcp-verify-'));
  try {
    const pending: Pending[] = [];
    for (const [index, input] of inputs.entries()) {
      const label = input.label ?? input.fileName ?? `policy${index + 1}`;
      progress(0, `static checks: ${label}`);
      const started = performance.now();
      const dir = join(workDir, String(index));
      mkdirSync(dir);
      const outcome = await staticStage(app, input, { ...(options.signal ? { signal: options.signal } : {}), workDir: dir });
      const rejected = outcome.result.findings.find((f) => f.severity === 'error' && INPUT_RULES.has(f.rule));
      if (rejected && inputs.length === 1) throw new SchedcpError('invalid_argument', rejected.message);
      pending.push({ input, label, stages: [staticAsStage(outcome.result)], static: outcome.result, started, ...(outcome.objectPath ? { objectPath: outcome.objectPath } : {}) });
    }
    progress(1, 'static stage done');
    let kit: Kit | undefined;
    let vm: VmRunResult | undefined;
    let kitMs: number | undefined;
    const toRun = options.staticOnly ? [] : pending.filter((p) => p.static.verdict !== 'fail' && p.objectPath);
    if (toRun.length > 0) {
      const kitStarted = performance.now();
      kit = await getKit(app.config);
      kitMs = performance.now() - kitStarted;
      const plan = planWorkloads(suite, perf);
      const baseline = perf ? await planBaseline(app, kit, suite, app.config.vm, options.baseline ?? 'reuse') : undefined;
      const measureBaseline = perf && !baseline?.stored;
      options.signal?.throwIfAborted();
      progress(1, `booting the micro-VM for the kernel verifier${perf ? ', dynamic and performance' : ' and dynamic'} stages`);
      vm = await runInVm(kit, {
        policies: toRun.map((p, i) => ({ name: `p${i}`, objectPath: p.objectPath!, timeoutMs: suite.watchdogTimeoutMs })),
        workloads: plan, baseline: measureBaseline, vm: app.config.vm, // the app's settings, not a fresh read of the config file
        // A hang guard that grows with the batch: each policy (and the baseline) is one pass over the plan.
        timeoutSeconds: options.timeoutSeconds ?? Math.max(app.config.vm.timeoutSeconds, 60 + (toRun.length + (measureBaseline ? 1 : 0)) * (perf ? 60 : 30)),
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (event) => {
          const label = (name: string | null) => name === null ? 'baseline (default scheduler)' : toRun[Number(name.slice(1))]?.label ?? name;
          if (event.kind === 'booted') progress(1, `VM booted (guest uptime ${Math.round(event.guestUptimeMs)} ms)`);
          if (event.kind === 'policy') progress(2, `${label(event.policy)}: ${event.stage.replace('_', ' ')}`);
          if (event.kind === 'workload') progress(perf ? 3 : 2, `${label(event.policy)}: workload ${event.workload} done in ${Math.round(event.wallMs)} ms`);
        },
      });
      if (vm.status !== 'completed' && vm.policies.length === 0) {
        throw new SchedcpError('subprocess_failed', `The micro-VM did not run the plan: ${vm.message}`, { details: { console: vm.console.slice(-20) } });
      }
      const base = baseline ? settleBaseline(app, baseline, vm, plan) : undefined;
      toRun.forEach((p, i) => {
        const run = vm!.policies.find((r) => r.name === `p${i}`);
        if (run) p.run = run;
        const kv = kernelVerifierStage(run, vm!);
        p.stages.push(kv);
        if (kv.verdict === 'fail' || !run) return;
        const dyn = dynamicStage(run, vm!, plan);
        p.stages.push(dyn);
        if (dyn.verdict === 'fail' || !perf) return;
        // A batch shares one baseline: charge its time to the first policy's stage only.
        p.stages.push(performanceStage(run, base!.workloads, suite, vm!.accel, { baselineRunMs: i === 0 ? base!.runMs : 0, baselineInfo: base!.info }));
      });
      progress(total, 'VM stages done');
    }
    const results: Verification[] = [];
    for (const p of pending) results.push(await finalize(app, p, { kit, vm, options, perf, ...(kitMs !== undefined && { kitMs }) }));
    return results;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

export async function verifyPolicy(app: App, input: VerifyInput & { name?: string }, options: VerifyOptions = {}): Promise<Verification> {
  const [result] = await verifyPolicies(app, [{ ...input, ...(input.name && !input.label ? { label: input.name } : {}) }], options);
  return result!;
}

async function finalize(app: App, p: Pending, ctx: { kit: Kit | undefined; vm: VmRunResult | undefined; options: VerifyOptions; perf: boolean; kitMs?: number }): Promise<Verification> {
  const failed = p.stages.find((s) => s.verdict === 'fail');
  const verdict = failed ? 'fail' : p.stages.some((s) => s.verdict === 'warn') ? 'warn' : 'pass';
  const notes: string[] = [];
  const allStagesRan = !ctx.options.staticOnly && p.stages.length === (ctx.perf ? 4 : 3);
  if (ctx.options.staticOnly) notes.push('static stage only: no token is issued without the kernel verifier and dynamic stages');
  else if (!ctx.perf) notes.push('performance check skipped (--no-perf): a token, if issued, allows canary deploys only');
  const perfStage = p.stages.find((s) => s.stage === 'performance');
  const modes = deployModesFor(perfStage);
  if (perfStage && !modes.includes('full')) notes.push('the performance check could not compare every workload with the baseline: a token, if issued, allows canary deploys only');
  if (ctx.vm?.accel === 'tcg') notes.push('the VM ran under TCG emulation: timings judge correctness and gross regressions, not fine performance');
  const evidence = {
    verifierVersion: verifierVersion(),
    policy: { label: p.label, fileName: p.input.fileName, objectPath: p.input.objectPath },
    kit: ctx.kit ? { dir: ctx.kit.dir, inputsHash: ctx.kit.manifest.inputsHash, versions: ctx.kit.manifest.versions } : undefined,
    vm: ctx.vm ? { status: ctx.vm.status, message: ctx.vm.message, accel: ctx.vm.accel, kernelRelease: ctx.vm.kernelRelease, guestCpus: ctx.vm.guestCpus, bootMs: ctx.vm.bootMs, wallMs: ctx.vm.wallMs, console: ctx.vm.console.slice(-30), panic: ctx.vm.panic } : undefined,
    stages: p.stages,
    timings: stageTimings({ totalMs: performance.now() - p.started, static: p.static, stages: p.stages, ...(ctx.kitMs !== undefined && { kitMs: ctx.kitMs }), ...(ctx.vm && { vm: ctx.vm }), ...(p.run && { run: p.run }), baselineRan: ctx.vm?.baseline !== undefined }),
    notes,
  };
  const evidenceJson = canonicalJson(evidence);
  const evidenceSha256 = sha256Hex(evidenceJson);
  const durationMs = performance.now() - p.started;
  const store = verificationStoreOf(app);
  const id = store.insert({
    verdict, failedStage: failed?.stage ?? null, reason: failed?.reason ?? null, policyLabel: p.label,
    repositoryPolicyId: p.input.repositoryPolicyId ?? null, sourceSha256: p.input.source !== undefined ? p.static.sourceSha256 : null,
    objectSha256: p.static.objectSha256 ?? null, durationMs, evidenceJson, evidenceSha256,
  });
  const result: Verification = {
    id, verdict, evidenceSha256, durationMs, notes,
    policy: {
      label: p.label, ...(p.input.repositoryPolicyId !== undefined ? { repositoryPolicyId: p.input.repositoryPolicyId } : {}),
      ...(p.input.source !== undefined ? { sourceSha256: p.static.sourceSha256 } : {}), ...(p.static.headersSha256 ? { headersSha256: p.static.headersSha256 } : {}),
      ...(p.static.objectSha256 ? { objectSha256: p.static.objectSha256 } : {}),
      ...(p.static.object?.structOps[0]?.name ? { opsName: p.static.object.structOps[0].name } : {}),
    },
    stages: p.stages.map((s) => ({ stage: s.stage, verdict: s.verdict, durationMs: s.durationMs, summary: s.summary, ...(s.reason ? { reason: s.reason } : {}) })),
    ...(failed ? { failedStage: failed.stage, failureClass: failed.failureClass ?? 'infrastructure', reason: `${failed.stage}: ${failed.reason ?? failed.summary}` } : {}),
  };
  if (!failed && allStagesRan && ctx.kit && p.static.objectSha256 && p.objectPath) {
    // The deployer ships these exact bytes: the token names them, and nothing recompiles them.
    const kept = keepVerifiedObject(app.config.dataDir, readFileSync(p.objectPath));
    if (kept !== p.static.objectSha256) throw new SchedcpError('internal', `The policy object changed during verification (sha256 ${p.static.objectSha256.slice(0, 16)}… at the static stage, ${kept.slice(0, 16)}… now); no token issued.`);
    const key = loadOrCreateSigningKey(app.config.dataDir);
    const iat = Math.floor(Date.now() / 1000);
    const claims: TokenClaims = {
      kid: key.kid, policySha256: p.static.objectSha256, ...(p.input.source !== undefined ? { sourceSha256: p.static.sourceSha256 } : {}),
      ...(p.static.headersSha256 ? { headersSha256: p.static.headersSha256 } : {}),
      verifierVersion: verifierVersion(), kernelRelease: ctx.kit.manifest.versions.kernelRelease, evidenceId: id, evidenceSha256,
      iat, exp: iat + (ctx.options.tokenTtlSeconds ?? app.config.verifier.tokenTtlHours * 3600), modes,
    };
    result.token = signToken(claims, key.privateKey);
    result.tokenExpiresAt = new Date(claims.exp * 1000).toISOString();
    result.tokenModes = modes;
    store.setToken(id, result.token);
  }
  // The repository's curation treats a recorded pass as "verified": record only complete runs and real
  // policy failures, never a static-only pass or an infrastructure problem.
  const meaningful = failed ? failed.failureClass !== 'infrastructure' : !ctx.options.staticOnly;
  if (p.input.repositoryPolicyId !== undefined && meaningful) {
    // The verdict stands even if the repository cannot take the record; the evidence id is logged.
    await recordInRepository(app, {
      policyId: p.input.repositoryPolicyId, verification: result,
      performance: ((p.stages.find((s) => s.stage === 'performance')?.evidence as { comparisons?: PerfComparison[] } | undefined)?.comparisons) ?? [],
      ...(ctx.kit ? { kit: ctx.kit.manifest.versions.kernelRelease } : {}),
    }).catch((error: unknown) => {
      app.logger.log('warning', 'could not record the verification in the repository', { policyId: p.input.repositoryPolicyId, verificationId: id, error: String(error) });
    });
  }
  return result;
}
