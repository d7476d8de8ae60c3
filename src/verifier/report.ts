// Human-readable verification report for `schedcp verify` (pure: data in, text out).
import type { Finding } from './rules.js';
import type { StageResult, Verification } from './types.js';

/** `schedcp verify` exit codes, one per failure class (docs/verifier.md). */
export const VERIFY_EXIT = {
  pass: 0, usage: 2, compile_error: 10, static_rule: 11, kernel_verifier_rejected: 12, dynamic_failure: 13, perf_regression: 14, infrastructure: 70,
} as const;

export function exitCodeFor(v: Verification): number {
  if (v.verdict !== 'fail') return VERIFY_EXIT.pass;
  return VERIFY_EXIT[v.failureClass ?? 'infrastructure'];
}

const ICON = { pass: '✓', warn: '!', fail: '✗', skipped: '-' } as const;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function findingLine(f: Finding): string {
  const where = f.line !== undefined && !/^line \d+/.test(f.message) && !/^Line \d+/.test(f.message) ? `line ${f.line}: ` : '';
  return `  ${f.severity.padEnd(7)} [${f.rule}] ${where}${f.message}`;
}

export function formatReport(v: Verification, stages: StageResult[]): string {
  const out: string[] = [];
  out.push(`${v.policy.label}: ${v.verdict.toUpperCase()}${v.failedStage ? ` at stage ${v.failedStage}` : ''} (verification #${v.id}, ${secs(v.durationMs)})`);
  for (const s of stages) out.push(`  ${ICON[s.verdict]} ${s.stage.padEnd(16)} ${s.verdict.padEnd(5)} ${secs(s.durationMs).padStart(7)}  ${s.summary}`);
  if (v.reason) out.push('', `Reason: ${v.reason}`);
  const st = stages.find((s) => s.stage === 'static')?.evidence as { findings?: Finding[]; overhead?: { nsPerSchedulingEvent: number; perOp: Array<{ op: string; insns: number; nsPerCall: number }> } } | undefined;
  const findings = (st?.findings ?? []).filter((f) => f.severity !== 'info');
  if (findings.length > 0) out.push('', 'Findings:', ...findings.slice(0, 30).map(findingLine), ...(findings.length > 30 ? [`  … ${findings.length - 30} more (--json for all)`] : []));
  if (st?.overhead && st.overhead.perOp.length > 0) {
    out.push('', `Overhead estimate: ${st.overhead.nsPerSchedulingEvent.toFixed(0)} ns per scheduling event (${st.overhead.perOp.map((o) => `${o.op} ${o.insns} insns ≈ ${o.nsPerCall.toFixed(0)} ns`).join(', ')})`);
  }
  const kv = stages.find((s) => s.stage === 'kernel_verifier');
  if (kv?.verdict === 'fail') {
    const e = kv.evidence as { sourceLines?: string[]; verifierLogTail?: string };
    if (e.sourceLines?.length) out.push('', 'Source lines the verifier walked last:', ...e.sourceLines.map((l) => `  ${l}`));
    if (e.verifierLogTail) out.push('', 'Verifier log (tail):', ...e.verifierLogTail.split('\n').slice(-12).map((l) => `  ${l}`));
  } else if (kv) {
    const e = kv.evidence as { programs?: Array<{ name: string; processedInsns?: number; peakStates?: number; stackDepth?: number[]; verificationTimeUs?: number }> };
    for (const p of e.programs ?? []) out.push(`    ${p.name}: ${p.processedInsns ?? '?'} insns processed, peak states ${p.peakStates ?? '?'}, stack ${p.stackDepth?.join('+') ?? '?'}, ${p.verificationTimeUs ?? '?'} µs`);
  }
  const perf = stages.find((s) => s.stage === 'performance');
  if (perf) out.push('', `Performance: ${perf.summary}`);
  if (v.token) out.push('', `Deployment token (modes ${v.tokenModes?.join(', ')}; expires ${v.tokenExpiresAt}):`, v.token);
  if (v.notes.length > 0) out.push('', ...v.notes.map((n) => `Note: ${n}`));
  return out.join('\n');
}
