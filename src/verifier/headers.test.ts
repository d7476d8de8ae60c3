import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SchedcpError } from '../errors.js';
import { checkHeaders, collectHeaders, headerClosure, headerRecords, headersDigest, HEADER_LIMITS, quotedIncludes } from './headers.js';
import { checkHeader, checkSource } from './source-check.js';

const POLICY = `#include <scx/common.bpf.h>
#include "intf.h"
char _license[] SEC("license") = "GPL";
void BPF_STRUCT_OPS(x_enqueue, struct task_struct *p, u64 f) { scx_bpf_dispatch(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, f); }
`;
const refused = (fn: () => unknown) => { try { fn(); } catch (e) { expect(e).toBeInstanceOf(SchedcpError); expect((e as SchedcpError).code).toBe('invalid_argument'); return (e as Error).message; } throw new Error('not refused'); };

describe('policy headers (pure)', () => {
  it('reads quoted includes only, past comments and spliced lines', () => {
    expect(quotedIncludes('#include "a.h"\n// #include "no.h"\n#include <scx/x.h>\n# include \\\n "sub/b.h"\n/* #include "c.h" */')).toEqual(['a.h', 'sub/b.h']);
  });
  it('follows includes transitively, beside the includer first, and ignores kit names and unused headers', () => {
    const headers = { 'intf.h': '#include "sub/deep.h"\n', 'sub/deep.h': '#include "leaf.h"\n', 'sub/leaf.h': 'int x;\n', 'leaf.h': 'int y;\n', 'unused.h': '', 'vmlinux.h': 'evil' };
    expect(headerClosure(`${POLICY}#include "vmlinux.h"\n`, headers)).toEqual(['intf.h', 'sub/deep.h', 'sub/leaf.h']);
  });
  it('allows a quoted include of a given header and still refuses one that is not given', () => {
    expect(checkSource(POLICY, 65536, new Set(['intf.h'])).findings).toEqual([]);
    const missing = checkSource(POLICY, 65536).findings;
    expect(missing.map((f) => [f.rule, f.line])).toEqual([['include_forbidden', 2]]);
  });
  it('applies the include and asm rules inside headers, naming the header and its line', () => {
    const f = checkHeader('int a;\n#include "/etc/passwd"\nvoid f(void) { asm("exit"); }\n', { file: 'intf.h', headers: new Set(['intf.h']) });
    expect(f.map((x) => x.rule)).toEqual(['include_forbidden', 'inline_asm']);
    expect(f[0]!.message).toMatch(/^intf.h line 2: #include "\/etc\/passwd" is outside/);
    expect(f[0]!.line).toBeUndefined();
  });
  it('refuses bad header names, too many and too large headers, naming the header', () => {
    for (const bad of ['../x.h', '/etc/x.h', 'a/../b.h', '.hidden.h', 'x.c', 'sub/./x.h', '-I.h', 'a b.h']) {
      expect(refused(() => checkHeaders({ [bad]: '' }))).toContain(JSON.stringify(bad));
    }
    expect(refused(() => checkHeaders({ 'big.h': 'x'.repeat(HEADER_LIMITS.maxBytes + 1) }))).toMatch(/header "big.h" is 262145 bytes; a header may be at most 262144/);
    expect(refused(() => checkHeaders(Object.fromEntries(Array.from({ length: HEADER_LIMITS.maxCount + 1 }, (_, i) => [`h${i}.h`, '']))))).toMatch(/33 headers given; at most 32/);
    expect(() => checkHeaders({ 'intf.h': 'int x;', 'sub/y.h': '' })).not.toThrow();
  });
  it('digests name and content: any change to either changes the digest', () => {
    const d = (h: Record<string, string>) => headersDigest(headerRecords(h, Object.keys(h)));
    expect(d({ 'a.h': 'x' })).toBe(d({ 'a.h': 'x' }));
    expect(d({ 'a.h': 'x' })).not.toBe(d({ 'a.h': 'y' }));
    expect(d({ 'a.h': 'x' })).not.toBe(d({ 'b.h': 'x' }));
  });
});

describe('collectHeaders (real files)', () => {
  const root = mkdtempSync(join(tmpdir(), 'schedcp-headers-test-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dir = (name: string, files: Record<string, string>) => {
    const d = join(root, name);
    for (const [f, text] of Object.entries(files)) { mkdirSync(join(d, f, '..'), { recursive: true }); writeFileSync(join(d, f), text); }
    return d;
  };

  it('reads the headers the source reaches, from its folder then the include dirs, through links inside', () => {
    const d = dir('ok', { 'p.bpf.c': `${POLICY}#include "sub/two.h"\n#include "vmlinux.h"\n`, 'real.h': '#include "common.h"\n', 'sub/two.h': 'int two;\n', 'vmlinux.h': 'not read', 'unused.h': '' });
    symlinkSync('real.h', join(d, 'intf.h'));
    const inc = dir('inc', { 'common.h': 'int c;\n' });
    expect(collectHeaders(join(d, 'p.bpf.c'), [inc])).toEqual({ 'intf.h': '#include "common.h"\n', 'sub/two.h': 'int two;\n', 'common.h': 'int c;\n' });
  });
  it('refuses a symlink out of the folder, a non-regular file and an oversized header, naming it', () => {
    const out = dir('outside', { 'secret.h': 'int s;\n' });
    const link = dir('link', { 'p.bpf.c': POLICY });
    symlinkSync(join(out, 'secret.h'), join(link, 'intf.h'));
    expect(refused(() => collectHeaders(join(link, 'p.bpf.c')))).toMatch(/header "intf.h" resolves to ".*outside\/secret.h", outside its folder/);
    const fifo = dir('dirhdr', { 'p.bpf.c': POLICY, 'intf.h/x': '' });
    expect(refused(() => collectHeaders(join(fifo, 'p.bpf.c')))).toMatch(/header "intf.h" .* is not a regular file/);
    const big = dir('big', { 'p.bpf.c': POLICY, 'intf.h': 'x'.repeat(HEADER_LIMITS.maxBytes + 1) });
    expect(refused(() => collectHeaders(join(big, 'p.bpf.c')))).toMatch(/header "intf.h" is 262145 bytes/);
    expect(refused(() => collectHeaders(join(big, 'p.bpf.c'), [join(root, 'nonexistent')]))).toMatch(/include dir ".*nonexistent" cannot be used: ENOENT/);
  });
  it('leaves includes that match no file (and .. paths) to the static checks', () => {
    const d = dir('missing', { 'p.bpf.c': `${POLICY}#include "../outside/secret.h"\n` });
    expect(collectHeaders(join(d, 'p.bpf.c'))).toEqual({});
  });
});
