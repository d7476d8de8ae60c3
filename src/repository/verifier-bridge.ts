// Calls into src/verifier through its published contract. Loaded lazily so the repository works
// (search, store, curation) on builds where the verifier component is absent; callers get a
// precondition_failed naming what is missing instead.
import type { App } from '../app.js';
import { SchedcpError } from '../errors.js';

export interface StaticStageResult {
  verdict: 'pass' | 'warn' | 'fail';
  reason?: string;
  findings: Array<{ rule: string; severity: 'error' | 'warning' | 'info'; message: string; line?: number }>;
  objectSha256?: string;
  sourceSha256: string;
  ops: string[];
  durationMs: number;
}

export interface Verification {
  id: number;
  verdict: 'pass' | 'warn' | 'fail';
  failedStage?: string;
  reason?: string;
  stages: Array<{ stage: string; verdict: string; summary: string }>;
  token?: string;
}

export interface VerificationOutcome { id: string; verdict: 'pass' | 'warn' | 'fail'; tokenId?: string; detail: string }

interface VerifierModule {
  /** The verifier's own judgement of what its stored run says about this policy (refuses other source, static-only passes). */
  verificationOutcomeFor(app: App, id: number, policy: { id: number; sourceSha256: string; label: string }): VerificationOutcome;
  runStaticStage(app: App, input: { source: string; fileName?: string; headers?: Record<string, string> }, options?: { signal?: AbortSignal }): Promise<StaticStageResult>;
  /** Records each result into the repository itself when repositoryPolicyId is given. */
  verifyPolicies(app: App, inputs: Array<{ source: string; fileName?: string; label?: string; repositoryPolicyId?: number }>, options: {
    signal?: AbortSignal; onProgress?: (done: number, total: number, message: string) => void; perf?: boolean; timeoutSeconds?: number;
  }): Promise<Verification[]>;
}

const VERIFIER_MODULE = '../verifier/index.js';

export async function loadVerifier(): Promise<VerifierModule> {
  let mod: Partial<VerifierModule>;
  try {
    mod = await import(VERIFIER_MODULE) as Partial<VerifierModule>;
  } catch (error) {
    throw new SchedcpError('precondition_failed', `The verifier component is not available in this build (${(error as Error).message}).`, { cause: error });
  }
  if (typeof mod.runStaticStage !== 'function' || typeof mod.verifyPolicies !== 'function' || typeof mod.verificationOutcomeFor !== 'function') {
    throw new SchedcpError('precondition_failed', 'The verifier component does not export runStaticStage/verifyPolicies/verificationOutcomeFor.');
  }
  return mod as VerifierModule;
}
