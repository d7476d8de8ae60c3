// Stage 1 (no VM): source checks, compile with the kit's headers, inspect the object, apply the
// rules. Policy problems come back as verdict 'fail' with findings; only infrastructure throws.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../app.js';
import { sha256Hex } from '../audit/index.js';
import { SchedcpError, quote } from '../errors.js';
import { compileSource } from './compile.js';
import { BpfObjectError, inspectObject } from './inspect.js';
import { evaluateRules, loadRules, type Finding } from './rules.js';
import { checkHeaders, headerClosure, headerRecords, headersDigest, type Headers } from './headers.js';
import { checkHeader, checkSource } from './source-check.js';
import type { CompileEvidence, StaticStageResult } from './types.js';

export const MAX_OBJECT_BYTES = 16 * 1024 * 1024;
/** Findings that mean "this input is not a policy at all": verifyPolicy refuses them without a record. */
export const INPUT_RULES = new Set(['source_too_large', 'not_c_source']);

export interface StaticInput {
  source?: string;
  /** The policy's own headers for its quoted includes: name relative to the policy's folder → text. */
  headers?: Headers;
  objectPath?: string;
  fileName?: string;
}

export interface StaticOptions {
  signal?: AbortSignal;
  /** Keep the compiled object here (the VM stages load it); default: a temp dir removed afterwards. */
  workDir?: string;
}

export interface StaticOutcome { result: StaticStageResult; objectPath?: string }

function finish(started: number, sourceSha256: string, findings: Finding[], extra: Partial<StaticStageResult>): StaticStageResult {
  const errors = findings.filter((f) => f.severity === 'error');
  const verdict = errors.length > 0 ? 'fail' : findings.some((f) => f.severity === 'warning') ? 'warn' : 'pass';
  return {
    verdict, findings, sourceSha256, ops: [], durationMs: performance.now() - started, timings: {},
    ...(errors.length > 0 ? { reason: errors.length === 1 ? errors[0]!.message : `${errors[0]!.message} (+${errors.length - 1} more errors)`, failureClass: 'static_rule' as const } : {}),
    ...extra,
  };
}

/** The contract entry point: static stage over C source text. */
export async function runStaticStage(app: App, input: { source: string; fileName?: string; headers?: Headers }, options: StaticOptions = {}): Promise<StaticStageResult> {
  return (await staticStage(app, input, options)).result;
}

export async function staticStage(app: App, input: StaticInput, options: StaticOptions = {}): Promise<StaticOutcome> {
  const started = performance.now();
  // Bad headers are bad input: refused before any temp dir or compile.
  if (input.headers !== undefined) {
    if (input.source === undefined) throw new SchedcpError('invalid_argument', 'headers go with policy source text, not with a compiled object.');
    checkHeaders(input.headers);
  }
  const rules = loadRules();
  const timings: Record<string, number> = {};
  const ownDir = options.workDir ? undefined : mkdtempSync(join(tmpdir(), 'schedcp-verify-'));
  const workDir = options.workDir ?? ownDir!;
  try {
    let objectPath: string;
    let sourceSha256 = '';
    let compile: CompileEvidence | undefined;
    const findings: Finding[] = [];
    let headerInfo: Partial<StaticStageResult> = {};
    if (input.source !== undefined) {
      sourceSha256 = sha256Hex(input.source);
      const t = performance.now();
      const given = input.headers ?? {};
      const checked = checkSource(input.source, app.config.limits.maxPolicySourceBytes, new Set(Object.keys(given)));
      findings.push(...checked.findings);
      // Only the headers the source reaches are compiled, checked and hashed.
      const used = checked.isC ? headerClosure(input.source, given) : [];
      for (const name of used) findings.push(...checkHeader(given[name]!, { file: name, headers: new Set(Object.keys(given)) }));
      const unused = Object.keys(given).filter((n) => !used.includes(n));
      if (unused.length > 0) findings.push({ rule: 'header_unused', severity: 'info', message: `headers not included by the policy (not compiled, not hashed): ${unused.join(', ')}` });
      if (used.length > 0) {
        const records = headerRecords(given, used);
        headerInfo = { headers: records, headersSha256: headersDigest(records) };
      }
      timings.sourceChecksMs = performance.now() - t;
      if (findings.some((f) => f.severity === 'error')) {
        return { result: { ...finish(started, sourceSha256, findings, headerInfo), timings } };
      }
      const c = performance.now();
      const compiled = await compileSource(app, input.source, workDir, options.signal, used.length > 0 ? Object.fromEntries(used.map((n) => [n, given[n]!])) : undefined);
      timings.compileMs = performance.now() - c;
      compile = compiled.evidence;
      if (!compiled.objectPath) {
        const diag = compile.diagnostics.filter((d) => d.severity === 'error');
        const shown = diag.slice(0, 3).map((d) => d.message).join('; ');
        findings.push(...compile.diagnostics.map((d) => ({ rule: d.severity === 'error' ? 'compile_error' : 'compile_warning', severity: d.severity === 'error' ? 'error' as const : d.severity === 'warning' ? 'warning' as const : 'info' as const, message: d.message, ...(d.line !== undefined ? { line: d.line } : {}) })));
        if (!findings.some((f) => f.severity === 'error')) findings.push({ rule: 'compile_error', severity: 'error', message: 'clang failed without a diagnostic; see compile.stderr in the evidence' });
        return { result: { ...finish(started, sourceSha256, findings, { compile, ...headerInfo }), reason: `compile error: ${shown || 'see diagnostics'}`, failureClass: 'compile_error', timings } };
      }
      for (const d of compile.diagnostics.filter((x) => x.severity === 'warning')) {
        findings.push({ rule: 'compile_warning', severity: 'warning', message: d.message, ...(d.line !== undefined ? { line: d.line } : {}) });
      }
      objectPath = compiled.objectPath;
    } else if (input.objectPath !== undefined) {
      objectPath = input.objectPath;
      let size: number;
      try { size = statSync(objectPath).size; } catch (error) {
        throw new SchedcpError('invalid_argument', `Cannot read the policy object ${quote(objectPath)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, { cause: error });
      }
      if (size > MAX_OBJECT_BYTES) throw new SchedcpError('invalid_argument', `The policy object ${quote(objectPath)} is ${size} bytes; the limit is ${MAX_OBJECT_BYTES}.`);
    } else {
      throw new SchedcpError('invalid_argument', 'Pass either policy source text or a compiled object path.');
    }

    const bytes = readFileSync(objectPath);
    const objectSha256 = sha256Hex(bytes);
    const i = performance.now();
    let report;
    try {
      report = inspectObject(bytes, rules.limits.assumeCpusForPercpu);
    } catch (error) {
      if (!(error instanceof BpfObjectError) && !(error instanceof RangeError)) throw error;
      findings.push({ rule: 'not_bpf_object', severity: 'error', message: `${error.message}. Expected a BPF ELF object built with clang -target bpf -g.` });
      return { result: { ...finish(started, sourceSha256 || objectSha256, findings, { objectSha256, ...(compile ? { compile } : {}) }), timings } };
    }
    const evaluation = evaluateRules(report, rules);
    timings.inspectMs = performance.now() - i;
    findings.push(...evaluation.findings);
    const result = finish(started, sourceSha256 || objectSha256, findings, {
      objectSha256, ops: evaluation.ops, metrics: evaluation.metrics, overhead: evaluation.overhead,
      object: { sizeBytes: report.sizeBytes, sections: report.sections.map((s) => s.name), hasBtf: report.hasBtf, ...(report.license !== undefined ? { license: report.license } : {}), structOps: report.structOps, maps: report.maps },
      ...(compile ? { compile } : {}), ...headerInfo,
    });
    result.timings = timings;
    return { result, objectPath };
  } finally {
    if (ownDir) rmSync(ownDir, { recursive: true, force: true });
  }
}
