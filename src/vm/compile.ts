// Compiling a sched_ext policy against the kit's headers (vmlinux.h of the guest kernel,
// scx/common.bpf.h, libbpf's bpf_helpers.h) with the same flags the kernel's tools/sched_ext uses.
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { SchedcpError, quote } from '../errors.js';
import { requireBinary, run, sandboxArgs } from '../exec/index.js';
import type { Kit } from './types.js';

export const CLANG = 'clang-19';

export interface CompileInput {
  /** A .bpf.c file, or `sourceText` with a `name` for the output file. */
  sourcePath?: string;
  sourceText?: string;
  /** Output file stem when compiling sourceText (letters, digits, _ . -). */
  name?: string;
  /** With sourceText: the policy's own headers (relative name → text), written beside it for its quoted includes. */
  headers?: Readonly<Record<string, string>>;
  outDir: string;
  signal?: AbortSignal;
}

export interface CompileResult {
  objectPath: string;
  /** clang's warnings (empty when clean). */
  diagnostics: string;
  warningCount: number;
  durationMs: number;
}

/** 6.13+ kfunc names a policy written for newer kernels may use; 6.12 has the older names. */
const NEWER_KFUNCS: Record<string, string> = {
  scx_bpf_dsq_insert: 'scx_bpf_dispatch',
  scx_bpf_dsq_insert_vtime: 'scx_bpf_dispatch_vtime',
  scx_bpf_dsq_move_to_local: 'scx_bpf_consume',
  scx_bpf_dsq_move: 'scx_bpf_dispatch_from_dsq',
  scx_bpf_dsq_move_vtime: 'scx_bpf_dispatch_vtime_from_dsq',
};

export function compileFlags(kit: Kit): string[] {
  return [
    '-g', '-O2', '-target', 'bpf', '-mcpu=v3', '-D__TARGET_ARCH_x86', '-mlittle-endian',
    '-Wall', '-Wno-compare-distinct-pointer-types',
    ...kit.includeDirs.flatMap((dir) => ['-I', dir]),
  ];
}

function hintFor(diagnostics: string): string {
  const hints = Object.entries(NEWER_KFUNCS)
    .filter(([newer]) => new RegExp(`\\b${newer}\\b`).test(diagnostics))
    .map(([newer, old]) => `${newer} does not exist in Linux 6.12, use ${old}`);
  return hints.length ? ` Hint: ${hints.join('; ')} (see sandbox-vm/README.md).` : '';
}

// Policy source is untrusted: clang runs where only the toolchain, the kit's headers, the source's
// folder and the output folder exist, so no #include (or __has_include) can reach host files.
const TOOLCHAIN_PATHS = ['/usr', '/bin', '/lib', '/lib64', '/etc/ld.so.cache'];

function clangSandbox(kit: Kit, source: string, outDir: string, args: string[]) {
  requireBinary('bwrap', 'bubblewrap', 'Compiling a policy (only ever done inside a sandbox)');
  return sandboxArgs(CLANG, args, {
    visiblePaths: [...TOOLCHAIN_PATHS, ...kit.includeDirs, dirname(source)],
    writableDir: outDir,
    maxCpuSeconds: 120,
    maxFileBytes: 64 * 1024 * 1024,
  });
}

export async function compilePolicy(kit: Kit, input: CompileInput): Promise<CompileResult> {
  if ((input.sourcePath === undefined) === (input.sourceText === undefined)) {
    throw new SchedcpError('invalid_argument', 'compilePolicy needs exactly one of sourcePath or sourceText.');
  }
  await mkdir(input.outDir, { recursive: true });
  let source: string;
  let stem: string;
  if (input.sourcePath !== undefined) {
    source = resolve(input.sourcePath);
    stem = basename(source).replace(/\.bpf\.c$|\.c$/, '');
  } else {
    stem = input.name ?? 'policy';
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(stem)) throw new SchedcpError('invalid_argument', `policy name ${quote(stem)} must be 1-64 letters, digits, _ . - characters.`);
    source = join(input.outDir, `${stem}.bpf.c`);
    await writeFile(source, input.sourceText!);
    for (const [name, text] of Object.entries(input.headers ?? {})) {
      // The verifier checked the names; this is the last guard before a write.
      if (!/^\w[\w.+-]*(\/\w[\w.+-]*)*\.h$/.test(name) || name.split('/').includes('..')) throw new SchedcpError('invalid_argument', `header name ${quote(name)} must be a relative path ending in .h without ..`);
      await mkdir(dirname(join(input.outDir, name)), { recursive: true });
      await writeFile(join(input.outDir, name), text);
    }
  }
  const objectPath = join(input.outDir, `${stem}.bpf.o`);
  // Quoted includes in a header in a subfolder also find the policy's other headers (folder-relative names).
  const iquote = input.headers && Object.keys(input.headers).length > 0 ? ['-iquote', resolve(input.outDir)] : [];
  // No -ffile-prefix-map: the BPF backend reads each line's text for BTF line_info from the file at its
  // debug-info path, so a mapped path that does not exist drops the source line from verifier messages.
  const sandboxed = clangSandbox(kit, source, resolve(input.outDir), [...compileFlags(kit), ...iquote, '-c', source, '-o', objectPath]);
  const result = await run(sandboxed.file, sandboxed.args, {
    allowFailure: true, timeoutMs: 120_000, maxOutputBytes: 256 * 1024, ...(input.signal && { signal: input.signal }),
  });
  const diagnostics = result.stderr.trim();
  if (result.exitCode !== 0) {
    const errors = diagnostics.split('\n').filter((l) => /error:/.test(l)).slice(0, 5).join('\n');
    throw new SchedcpError('compile_failed', `${quote(source, 200)} does not compile (${CLANG} exit ${result.exitCode ?? result.signal}):\n${errors || diagnostics.slice(-1500)}${hintFor(diagnostics)}`, {
      details: { diagnostics, source },
    });
  }
  return { objectPath, diagnostics, warningCount: (diagnostics.match(/warning:/g) ?? []).length, durationMs: Math.round(result.durationMs) };
}
