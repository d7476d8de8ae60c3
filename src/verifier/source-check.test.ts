import { describe, expect, it } from 'vitest';
import { checkSource, stripCommentsAndStrings } from './source-check.js';
import { parseClangDiagnostics } from './compile.js';

const OK = `#include <scx/common.bpf.h>
char _license[] SEC("license") = "GPL";
void BPF_STRUCT_OPS(x_enqueue, struct task_struct *p, u64 f) { scx_bpf_dispatch(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, f); }
`;
const rules = (text: string, max = 65536) => checkSource(text, max).findings.map((f) => f.rule);

describe('checkSource', () => {
  it('accepts a plain policy', () => {
    expect(checkSource(OK, 65536)).toEqual({ isC: true, findings: [] });
  });
  it('refuses oversized source, naming the limit and the config key', () => {
    const f = checkSource(OK, 10).findings[0]!;
    expect(f.rule).toBe('source_too_large');
    expect(f.message).toMatch(/limit is 10 bytes \(config limits.maxPolicySourceBytes\)/);
  });
  it('refuses text that is not C', () => {
    expect(rules('def enqueue(task):\n    return task\n')).toEqual(['not_c_source']);
    expect(rules('#!/bin/sh\nrm -rf /;\n{ int x; }')).toEqual(['not_c_source']);
    expect(rules('int x;\0binary{')).toEqual(['not_c_source']);
  });
  it('refuses includes outside the kit headers, with the line number', () => {
    for (const bad of ['#include "/etc/passwd"', '#include <../../etc/shadow>', '#include <linux/sched.h>', '#include_next <scx/common.bpf.h>', '#include HEADER', '#  include <bpf/../../../x.h>']) {
      const found = checkSource(`${OK}${bad}\n`, 65536).findings;
      expect(found.map((f) => f.rule), bad).toEqual(['include_forbidden']);
      expect(found[0]!.line).toBe(4);
    }
    expect(rules(`#include "vmlinux.h"\n#include <bpf/bpf_helpers.h>\n${OK}`)).toEqual([]);
  });
  it('sees includes and asm the preprocessor splices across lines or spells with the %: digraph', () => {
    // clang-19 reads the host file for each of these (and quotes its first token in the diagnostics).
    for (const bad of ['#\\\ninclude "/etc/hostname"', '#inc\\\nlude "/etc/hostname"', '#include "/etc/host\\\nname"', '%:include "/etc/hostname"', '%: embed "/etc/hostname"']) {
      const found = checkSource(`${OK}${bad}\n`, 65536).findings;
      expect(found.map((f) => f.rule), bad).toEqual(['include_forbidden']);
      expect(found[0]!.line).toBe(4);
    }
    expect(rules(`${OK}void f(void) { __as\\\nm__("exit"); }\n`)).toEqual(['inline_asm']);
    // Multi-line macros stay fine, and line numbers after them stay right.
    const macro = checkSource(`${OK}#define TWICE(x) \\\n  ((x) * 2)\nconst char *s = "a\\\nb";\n#include "/etc/passwd"\n`, 65536).findings;
    expect(macro.map((f) => [f.rule, f.line])).toEqual([['include_forbidden', 8]]);
  });
  it('refuses inline assembly but not the word in comments or strings', () => {
    expect(rules(`${OK}void f(void) { asm volatile("r0 = 0"); }\n`)).toEqual(['inline_asm']);
    expect(rules(`${OK}void g(void) { __asm__("exit"); }\n`)).toEqual(['inline_asm']);
    expect(rules(`${OK}// asm("nope") in a comment\nconst char *s = "asm(x)";\n`)).toEqual([]);
  });
  it('requires a license declaration', () => {
    expect(rules(OK.replace('char _license[] SEC("license") = "GPL";', ''))).toEqual(['license_missing']);
  });
});

describe('stripCommentsAndStrings', () => {
  it('blanks comments and literals but keeps line structure', () => {
    const out = stripCommentsAndStrings('a /* x\ny */ b // c\n"s\\"t" \'q\'');
    expect(out.split('\n')).toHaveLength(3);
    expect(out).not.toMatch(/[xycstq]/);
    expect(out).toMatch(/^a\s+b/);
  });
});

describe('parseClangDiagnostics', () => {
  it('keeps line numbers for the policy and names headers otherwise', () => {
    const text = [
      '/tmp/x/policy.bpf.c:12:5: error: use of undeclared identifier \'foo\'',
      '   12 |     foo();', '      |     ^',
      '/root/.cache/kit/include/scx/common.bpf.h:40:1: warning: something in a header',
      'fatal error: too many errors emitted',
      '/tmp/x/policy.bpf.c:3:1: fatal error: \'missing.h\' file not found',
    ].join('\n');
    expect(parseClangDiagnostics(text, 'policy.bpf.c')).toEqual([
      { severity: 'error', line: 12, column: 5, message: "line 12:5: use of undeclared identifier 'foo'" },
      { severity: 'warning', message: 'common.bpf.h:40:1: something in a header' },
      { severity: 'error', line: 3, column: 1, message: "line 3:1: 'missing.h' file not found" },
    ]);
  });
});
