import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertSchedExtObject, inspectBpfObject } from './bpf-object.js';

const dir = mkdtempSync(join(tmpdir(), 'schedcp-bpfobj-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Minimal BPF objects built with clang-19 (no kit needed: no vmlinux.h).
function compile(name: string, source: string): Buffer {
  const src = join(dir, `${name}.c`);
  writeFileSync(src, source);
  execFileSync('clang-19', ['-O2', '-target', 'bpf', '-c', src, '-o', join(dir, `${name}.o`)]);
  return readFileSync(join(dir, `${name}.o`));
}

describe('inspectBpfObject', () => {
  it('finds struct_ops sections', () => {
    const obj = compile('ops', 'struct ops { int (*f)(void); };\nint f(void) { return 0; }\n__attribute__((section(".struct_ops.link"))) struct ops my_ops = { .f = f };\nchar _license[] __attribute__((section("license"))) = "GPL";\n');
    const info = assertSchedExtObject(obj, 'ops.o');
    expect(info.structOpsSections).toEqual(['.struct_ops.link']);
    expect(info.hasLicense).toBe(true);
  });

  it('names what is wrong with other files', () => {
    expect(() => inspectBpfObject(Buffer.from('#include <scx/common.bpf.h>\n'.repeat(4)), 'x.bpf.c')).toThrow(/x\.bpf\.c is not an ELF file.*compile the policy/);
    expect(() => inspectBpfObject(readFileSync(process.execPath).subarray(0, 1 << 20), 'node')).toThrow(/machine 62, not BPF/);
    const plain = compile('plain', 'int x(void) { return 1; }\n');
    expect(() => assertSchedExtObject(plain, 'plain.o')).toThrow(/without a struct_ops section.*SEC\("\.struct_ops\.link"\)/);
  });
});
