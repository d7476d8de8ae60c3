// Compiles policy source with the VM kit's headers through src/vm's compilePolicy, and turns
// clang's output into diagnostics with line numbers (pure parser below).
import { basename } from 'node:path';
import type { App } from '../app.js';
import { isSchedcpError } from '../errors.js';
import { compilePolicy, getKit } from '../vm/index.js';
import type { CompileEvidence } from './types.js';

export type Diagnostic = CompileEvidence['diagnostics'][number];

const DIAG = /^(.*?):(\d+):(\d+): (error|warning|note|fatal error): (.*)$/;

/** clang's "file:line:col: severity: message" lines. Lines in headers keep the header name in the message. */
export function parseClangDiagnostics(text: string, policyFile: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const line of text.split('\n')) {
    const m = DIAG.exec(line.trim());
    if (!m) continue;
    const [, file, lineNo, col, sev, message] = m;
    const inPolicy = basename(file!) === basename(policyFile);
    const severity = sev === 'fatal error' ? 'error' : sev as Diagnostic['severity'];
    out.push(inPolicy
      ? { severity, line: Number(lineNo), column: Number(col), message: `line ${lineNo}:${col}: ${message}` }
      : { severity, message: `${basename(file!)}:${lineNo}:${col}: ${message}` });
  }
  return out;
}

export async function compileSource(app: App, source: string, workDir: string, signal?: AbortSignal, policyHeaders?: Readonly<Record<string, string>>): Promise<{ objectPath?: string; evidence: CompileEvidence }> {
  const kit = await getKit(app.config);
  const started = performance.now();
  const headers = `VM kit ${kit.manifest.versions.kernelRelease} (${kit.dir})`;
  try {
    const result = await compilePolicy(kit, { sourceText: source, name: 'policy', outDir: workDir, ...(policyHeaders ? { headers: policyHeaders } : {}), ...(signal ? { signal } : {}) });
    return { objectPath: result.objectPath, evidence: { ok: true, headers, diagnostics: parseClangDiagnostics(result.diagnostics, 'policy.bpf.c'), durationMs: performance.now() - started } };
  } catch (error) {
    if (!isSchedcpError(error) || error.code !== 'compile_failed') throw error;
    const text = String(error.details?.diagnostics ?? error.message);
    const diagnostics = parseClangDiagnostics(text, 'policy.bpf.c');
    if (diagnostics.length === 0) diagnostics.push({ severity: 'error', message: error.message });
    return { evidence: { ok: false, headers, diagnostics, durationMs: performance.now() - started } };
  }
}
