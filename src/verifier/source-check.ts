// Pure checks on policy source text before anything is compiled: size, is it C at all, includes
// only from the kit's header set or the policy's own headers, no inline assembly, a license.
// Each problem names the line (and the header it is in).
import { posix } from 'node:path';
import type { Finding } from './rules.js';

/** Header roots a policy may include (all from the VM kit's include dir). */
export const ALLOWED_INCLUDES: readonly RegExp[] = [/^scx\/[A-Za-z0-9_./-]+\.h$/, /^bpf\/[A-Za-z0-9_./-]+\.h$/, /^vmlinux\.h$/];

/** Blank out comments and string/char literals (keeping newlines and string quotes) so checks see only code. */
export function stripCommentsAndStrings(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') { while (i < text.length && text[i] !== '\n') { out += ' '; i++; } continue; }
    if (c === '/' && next === '*') {
      out += '  '; i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) { out += text[i] === '\n' ? '\n' : ' '; i++; }
      out += '  '; i += 2; continue;
    }
    if (c === '"' || c === "'") {
      out += c; i++;
      while (i < text.length && text[i] !== c && text[i] !== '\n') {
        if (text[i] === '\\') { out += ' '; i++; }
        out += text[i] === '\n' ? '\n' : ' '; i++; // a spliced newline keeps the line count
      }
      if (i < text.length) { out += text[i]; i++; }
      continue;
    }
    out += c; i++;
  }
  return out;
}

export interface SourceCheck { findings: Finding[]; isC: boolean }

/**
 * Where clang finds a quoted include among the policy's headers (names relative to the policy's
 * folder): beside the including file first, then the policy's folder (clang's order with -iquote of
 * that folder). Undefined: not a policy header.
 */
export function resolveQuotedInclude(includer: string, path: string, headers: ReadonlySet<string>): string | undefined {
  // Kit header names always mean the kit's copy (a policy cannot shadow vmlinux.h or scx/common.bpf.h).
  if (path.startsWith('/') || path.split('/').includes('..') || ALLOWED_INCLUDES.some((re) => re.test(path))) return undefined;
  const beside = posix.normalize(posix.join(posix.dirname(includer), path));
  if (headers.has(beside)) return beside;
  const root = posix.normalize(path);
  return headers.has(root) ? root : undefined;
}

/** A header being checked: its name, and the policy header names its quoted includes may use. */
export interface HeaderContext { file: string; headers: ReadonlySet<string> }

/** Checks one header of a policy: the same include, asm and builtin rules, no license or "is C" test. */
export function checkHeader(text: string, context: HeaderContext): Finding[] {
  return lineFindings(stripCommentsAndStrings(text), text, context, true);
}

export function checkSource(text: string, maxBytes: number, headers: ReadonlySet<string> = new Set()): SourceCheck {
  const findings: Finding[] = [];
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return { isC: false, findings: [{ rule: 'source_too_large', severity: 'error', message: `The policy source is ${bytes} bytes; the limit is ${maxBytes} bytes (config limits.maxPolicySourceBytes).` }] };
  }
  if (text.includes('\0') || text.includes('\uFFFD')) {
    return { isC: false, findings: [{ rule: 'not_c_source', severity: 'error', message: 'The policy source contains NUL bytes or invalid UTF-8: expected C source text (or pass a compiled .bpf.o by path).' }] };
  }
  const code = stripCommentsAndStrings(text);
  const looksLikeC = /[{};]/.test(code) && /\b(SEC|BPF_STRUCT_OPS|SCX_OPS_DEFINE|struct|void|int|s32|u32|u64|char)\b/.test(code);
  if (!looksLikeC || /^#!/.test(text)) {
    const first = text.trimStart().split('\n')[0] ?? '';
    return { isC: false, findings: [{ rule: 'not_c_source', severity: 'error', message: `The policy does not look like C source (first line ${JSON.stringify(first.slice(0, 60))}): expected a sched_ext BPF program in C that includes <scx/common.bpf.h>.` }] };
  }
  findings.push(...lineFindings(code, text, { file: 'policy.bpf.c', headers }, false));
  if (!/SEC\s*\(\s*"license"\s*\)/.test(text)) {
    findings.push({ rule: 'license_missing', severity: 'error', message: 'The policy declares no license. Add: char _license[] SEC("license") = "GPL"; (sched_ext needs a GPL-compatible license).' });
  }
  return { isC: true, findings };
}

function lineFindings(code: string, text: string, context: HeaderContext, inHeader: boolean): Finding[] {
  const findings: Finding[] = [];
  const lines = code.split('\n');
  const raw = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    // The preprocessor splices backslash-newline before it sees directives (`#\` + `include …`), so every
    // check reads the logical line; `%:` is the digraph of `#`.
    let line = lines[index]!;
    let rawLine = raw[index] ?? '';
    while (/\\\s*$/.test(line) && index + 1 < lines.length) {
      index++;
      line = line.replace(/\\\s*$/, '') + lines[index];
      rawLine = rawLine.replace(/\\\s*$/, '') + (raw[index] ?? '');
    }
    const where = inHeader ? `${context.file} line ${lineNo}` : `Line ${lineNo}`;
    const at = inHeader ? {} : { line: lineNo };
    const directive = /^\s*(?:#|%:)\s*(include_next|include|import|embed)\b/.exec(line);
    if (directive) {
      const target = /^\s*(?:#|%:)\s*\w+\s*([<"])([^>"]*)[>"]/.exec(rawLine);
      const path = target?.[2];
      const ownHeader = target?.[1] === '"' && path !== undefined ? resolveQuotedInclude(context.file, path, context.headers) : undefined;
      if (directive[1] !== 'include') {
        findings.push({ rule: 'include_forbidden', severity: 'error', ...at, message: `${where}: #${directive[1]} is not allowed; use #include <scx/common.bpf.h> and the kit's headers.` });
      } else if (!path) {
        findings.push({ rule: 'include_forbidden', severity: 'error', ...at, message: `${where}: computed #include (${JSON.stringify(rawLine.trim().slice(0, 60))}) is not allowed; name the header literally.` });
      } else if (ownHeader === undefined && (path.startsWith('/') || path.split('/').includes('..') || !ALLOWED_INCLUDES.some((re) => re.test(path)))) {
        findings.push({ rule: 'include_forbidden', severity: 'error', ...at, message: `${where}: #include ${JSON.stringify(path)} is outside the allowed headers. Allowed: <scx/*.h>, <bpf/*.h>, "vmlinux.h" from the VM kit, and "quoted" headers of the policy's own folder (sent as headers); host paths and .. are refused.` });
      }
    }
    if (/\b(asm|__asm__|__asm)\b\s*(volatile|__volatile__|goto|inline)?\s*\(/.test(line)) {
      findings.push({ rule: 'inline_asm', severity: 'error', ...at, message: `${where}: inline assembly is not allowed in policies (it bypasses the static helper and kfunc checks).` });
    }
    if (/__builtin_(?!expect|memcpy|memset|memcmp|offsetof|preserve_|bswap|ctz|clz|popcount|constant_p|types_compatible_p|choose_expr|unreachable|btf_type_id)/.test(line)) {
      findings.push({ rule: 'builtin_forbidden', severity: 'error', ...at, message: `${where}: ${/__builtin_\w+/.exec(line)?.[0]} is not on the allowed compiler builtins.` });
    }
  }
  return findings;
}
