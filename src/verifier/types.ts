// Public types of the verifier: stage results, the verification record and failure classes.
import type { Finding, OverheadEstimate, ProgramMetrics } from './rules.js';
import type { MapReport, StructOpsReport } from './inspect.js';

export type StageName = 'static' | 'kernel_verifier' | 'dynamic' | 'performance';
export type StageVerdict = 'pass' | 'warn' | 'fail' | 'skipped';
/** Why a verification failed; each has its own CLI exit code. */
export type FailureClass = 'compile_error' | 'static_rule' | 'kernel_verifier_rejected' | 'dynamic_failure' | 'perf_regression' | 'infrastructure';

export interface StageResult<E = unknown> {
  stage: StageName;
  verdict: StageVerdict;
  durationMs: number;
  /** One line for humans and agents. */
  summary: string;
  reason?: string;
  failureClass?: FailureClass;
  evidence: E;
}

export interface CompileEvidence {
  ok: boolean;
  /** Where the headers came from: the VM kit (its kernel release) or none for a prebuilt object. */
  headers: string;
  command?: string[];
  diagnostics: Array<{ severity: 'error' | 'warning' | 'note'; line?: number; column?: number; message: string }>;
  durationMs: number;
}

export interface StaticStageResult {
  verdict: 'pass' | 'warn' | 'fail';
  reason?: string;
  failureClass?: 'compile_error' | 'static_rule';
  findings: Finding[];
  objectSha256?: string;
  sourceSha256: string;
  /** The policy's own headers that were compiled (quoted includes), and one digest over them. */
  headers?: Array<{ name: string; bytes: number; sha256: string }>;
  headersSha256?: string;
  ops: string[];
  durationMs: number;
  compile?: CompileEvidence;
  object?: { sizeBytes: number; sections: string[]; hasBtf: boolean; license?: string; structOps: StructOpsReport[]; maps: MapReport[] };
  metrics?: ProgramMetrics[];
  overhead?: OverheadEstimate;
  timings: Record<string, number>;
}

export interface StageSummary { stage: StageName; verdict: StageVerdict; durationMs: number; summary: string; reason?: string }

export interface Verification {
  id: number;
  verdict: 'pass' | 'warn' | 'fail';
  failedStage?: StageName;
  failureClass?: FailureClass;
  reason?: string;
  policy: { label: string; repositoryPolicyId?: number; sourceSha256?: string; headersSha256?: string; objectSha256?: string; opsName?: string };
  stages: StageSummary[];
  token?: string;
  tokenExpiresAt?: string;
  tokenModes?: string[];
  evidenceSha256: string;
  durationMs: number;
  notes: string[];
}
