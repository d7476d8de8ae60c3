// The verifier component's public API (see docs/verifier.md): the staged verification pipeline,
// the static stage on its own, evidence retrieval and deployment-token checks.
import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import type { App } from '../app.js';
import { sha256Hex } from '../audit/index.js';
import { SchedcpError, quote } from '../errors.js';
import { getKit } from '../vm/index.js';
import { loadSigningKey } from './keys.js';
import { verifyPolicy, type VerifyOptions } from './pipeline.js';
import { lookupPolicy } from './repository-bridge.js';
import type { Verification } from './types.js';
import { verificationStoreOf, type VerificationRow } from './store.js';
import { checkToken, DEPLOY_MODES, type DeployMode, type TokenClaims } from './token.js';

export { verifyPolicy, verifyPolicies, verifierVersion, type VerifyInput, type VerifyOptions } from './pipeline.js';
export { runStaticStage, staticStage } from './static-stage.js';
export { collectHeaders, checkHeaders, HEADER_LIMITS, type Headers } from './headers.js';
export { inspectObject, type ObjectReport } from './inspect.js';
export { evaluateRules, loadRules, type Finding } from './rules.js';
export { verifierMigrations, verificationStoreOf } from './store.js';
export { keepVerifiedObject, verifiedObject, sourceMismatch } from './objects.js';
export { DEPLOY_MODES, type DeployMode, type TokenClaims } from './token.js';
export type { Verification, StageResult, StageSummary, StaticStageResult, FailureClass, StageName } from './types.js';


export type DetailLevel = 'summary' | 'stages' | 'full';

/** Drop the bulky parts (logs, workload output, per-program tables) below detail 'full'. */
function trimEvidence(evidence: unknown, detail: DetailLevel): unknown {
  if (detail === 'full') return evidence;
  const e = evidence as { stages?: Array<{ stage: string; verdict: string; summary: string; reason?: string; durationMs: number; evidence?: Record<string, unknown> }> };
  if (detail === 'summary') return undefined;
  return {
    ...e,
    stages: (e.stages ?? []).map((s) => {
      const ev = { ...(s.evidence ?? {}) } as Record<string, unknown>;
      for (const bulky of ['verifierLogTail', 'libbpfLog', 'sections', 'dmesg', 'console']) delete ev[bulky];
      if (Array.isArray(ev.findings)) ev.findings = (ev.findings as Array<{ severity: string }>).filter((f) => f.severity !== 'info').slice(0, 20);
      if (Array.isArray(ev.workloads)) ev.workloads = (ev.workloads as Array<Record<string, unknown>>).map(({ output: _o, ...w }) => w);
      if (ev.object && typeof ev.object === 'object') { const { sections: _s, ...obj } = ev.object as Record<string, unknown>; ev.object = obj; }
      return { ...s, evidence: ev };
    }),
  };
}

export function getVerification(app: App, id: number, detail: DetailLevel = 'stages'): Omit<VerificationRow, 'evidence'> & { evidence?: unknown; stages: Array<{ stage: string; verdict: string; summary: string }> } {
  const row = verificationStoreOf(app).get(id);
  const stages = ((row.evidence as { stages?: Array<{ stage: string; verdict: string; summary: string; reason?: string; durationMs: number }> }).stages ?? [])
    .map((s) => ({ stage: s.stage, verdict: s.verdict, summary: s.summary, durationMs: s.durationMs, ...(s.reason ? { reason: s.reason } : {}) }));
  const { evidence, ...rest } = row;
  const trimmed = trimEvidence(evidence, detail);
  return { ...rest, stages, ...(trimmed !== undefined ? { evidence: trimmed } : {}) };
}

/** What a stored verification says about a repository policy, for curation. */
export interface VerificationOutcome { id: string; verdict: 'pass' | 'warn' | 'fail'; tokenId?: string; detail: string }

/**
 * The outcome of verification `id` for the policy with this id and source hash. Refuses a run of
 * other source, and runs that say nothing about the policy: infrastructure errors and passes that
 * never reached the VM stages (static-only), the same rule the pipeline applies to its own records.
 */
export function verificationOutcomeFor(app: App, id: number, policy: { id: number; sourceSha256: string; label: string }): VerificationOutcome {
  const row = verificationStoreOf(app).get(id);
  if (row.repositoryPolicyId !== policy.id && row.sourceSha256 !== policy.sourceSha256) {
    throw new SchedcpError('invalid_argument', `verification #${id} checked ${quote(row.policyLabel)} (source sha256 ${row.sourceSha256?.slice(0, 12) ?? 'unknown'}), not ${policy.label} (source sha256 ${policy.sourceSha256.slice(0, 12)}).`);
  }
  if (row.verdict === 'error') throw new SchedcpError('invalid_argument', `verification #${id} ended in an infrastructure error (${row.reason ?? 'no reason'}): it says nothing about the policy.`);
  const stages = (row.evidence as { stages?: Array<{ stage: string; verdict: string }> }).stages ?? [];
  const reachedVm = stages.some((s) => s.stage === 'dynamic' && s.verdict !== 'skipped');
  if (row.verdict !== 'fail' && !reachedVm) throw new SchedcpError('invalid_argument', `verification #${id} was static-only: only a run through the VM stages can verify a policy.`);
  return {
    id: String(row.id), verdict: row.verdict,
    ...(row.token ? { tokenId: row.evidenceSha256.slice(0, 16) } : {}),
    detail: row.reason ?? stages.map((s) => `${s.stage}:${s.verdict}`).join(' '),
  };
}

export interface TokenCheckOptions {
  /** sha256 of the policy object about to be deployed. */
  policySha256?: string;
  /** Expected kit kernel release; default: the current kit's. */
  kernelRelease?: string;
  mode?: DeployMode;
  /** Seconds since the epoch (default now). */
  now?: number;
}

export interface TokenVerdict { valid: boolean; reason?: string; claims?: TokenClaims }

export async function verifyToken(app: App, token: string, options: TokenCheckOptions = {}): Promise<TokenVerdict> {
  if (options.mode && !DEPLOY_MODES.includes(options.mode)) throw new SchedcpError('invalid_argument', `Deploy mode ${JSON.stringify(options.mode)} is unknown; use ${DEPLOY_MODES.join(' or ')}.`);
  let kernelRelease = options.kernelRelease;
  if (kernelRelease === undefined) {
    try {
      kernelRelease = (await getKit(app.config)).manifest.versions.kernelRelease;
    } catch (error) {
      return { valid: false, reason: `cannot check the token's kit version: ${(error as Error).message}` };
    }
  }
  const key = loadSigningKey(app.config.dataDir);
  const keys = new Map<string, KeyObject>(key ? [[key.kid, key.publicKey]] : []);
  const check = checkToken(token, keys, {
    now: options.now ?? Math.floor(Date.now() / 1000), kernelRelease,
    ...(options.policySha256 ? { policySha256: options.policySha256 } : {}), ...(options.mode ? { mode: options.mode } : {}),
  });
  if (!check.valid) return { valid: false, reason: check.reason, ...(check.claims ? { claims: check.claims } : {}) };
  // The evidence the token cites must still be here, unchanged: its digest column and the stored JSON itself.
  let row: VerificationRow;
  const store = verificationStoreOf(app);
  try { row = store.get(check.claims.evidenceId); } catch {
    return { valid: false, reason: `the token cites verification ${check.claims.evidenceId}, which is not in this installation's evidence store`, claims: check.claims };
  }
  if (row.evidenceSha256 !== check.claims.evidenceSha256 || store.storedEvidenceSha256(row.id) !== check.claims.evidenceSha256) {
    return { valid: false, reason: `the evidence of verification ${row.id} no longer matches the digest in the token`, claims: check.claims };
  }
  // A token binds the headers compiled with the source; tokens from before headers have neither claim nor evidence of them.
  const staticEvidence = ((row.evidence as { stages?: Array<{ stage: string; evidence?: { headersSha256?: string } }> }).stages ?? []).find((s) => s.stage === 'static')?.evidence;
  if ((check.claims.headersSha256 ?? null) !== (staticEvidence?.headersSha256 ?? null)) {
    return { valid: false, reason: `the token's headers digest ${check.claims.headersSha256?.slice(0, 16) ?? '(none)'} does not match the headers in verification ${row.id} (${staticEvidence?.headersSha256?.slice(0, 16) ?? 'none'})`, claims: check.claims };
  }
  return { valid: true, claims: check.claims };
}

/** sha256 of a policy object file, for `verifyToken({policySha256})`. */
export function objectSha256(path: string): string {
  return sha256Hex(readFileSync(path));
}

export type PolicyRequest =
  | { source: string; fileName?: string; headers?: Record<string, string> }
  | { policyId: number }
  | { policyName: string; version?: number };

/** Verify source text or a repository policy (by id or name); repository outcomes are recorded. */
export async function verifyPolicyRequest(app: App, request: PolicyRequest, options: VerifyOptions = {}): Promise<Verification> {
  if ('source' in request) return verifyPolicy(app, { source: request.source, ...(request.headers ? { headers: request.headers } : {}), ...(request.fileName ? { fileName: request.fileName, label: request.fileName } : {}) }, options);
  const policy = await lookupPolicy(app, 'policyId' in request ? { id: request.policyId } : { name: request.policyName, ...(request.version !== undefined ? { version: request.version } : {}) });
  return verifyPolicy(app, { source: policy.source, ...(policy.headers && Object.keys(policy.headers).length > 0 ? { headers: policy.headers } : {}), fileName: `${policy.name}.bpf.c`, label: `${policy.name} v${policy.version}`, repositoryPolicyId: policy.id }, options);
}
