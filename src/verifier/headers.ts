// A policy's own headers ("quoted" includes beside its .bpf.c, e.g. scx_flatcg.h): name and size
// rules, the include closure, the digest that binds them into evidence and tokens (pure), and
// collecting them from the policy's folder on disk with symlinks resolved (I/O shell below).
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { canonicalJson, sha256Hex } from '../audit/index.js';
import { SchedcpError, quote } from '../errors.js';
import { ALLOWED_INCLUDES, resolveQuotedInclude, stripCommentsAndStrings } from './source-check.js';

export const HEADER_LIMITS = { maxCount: 32, maxBytes: 256 * 1024, maxTotalBytes: 1024 * 1024 } as const;
/** Relative path of plain segments ending in .h: no absolute paths, no `.` or `..`, nothing clang could read as a flag. */
const HEADER_NAME = /^(?:[A-Za-z0-9_][A-Za-z0-9_.+-]*\/)*[A-Za-z0-9_][A-Za-z0-9_.+-]*\.h$/;

export type Headers = Record<string, string>;
export interface HeaderRecord { name: string; bytes: number; sha256: string }

export function checkHeaderName(name: string): void {
  if (name.length > 200 || !HEADER_NAME.test(name) || name.split('/').some((s) => s === '.' || s === '..')) {
    throw new SchedcpError('invalid_argument', `header ${quote(name)} is not allowed: header names are relative paths inside the policy's folder ending in .h (letters, digits, _ + - . and /), without .., absolute paths or leading dots.`);
  }
}

/** Names, count and sizes; a bad one is invalid_argument naming the header, before anything is compiled. */
export function checkHeaders(headers: Headers): void {
  const names = Object.keys(headers);
  if (names.length > HEADER_LIMITS.maxCount) throw new SchedcpError('invalid_argument', `${names.length} headers given; at most ${HEADER_LIMITS.maxCount} are allowed.`);
  let total = 0;
  for (const name of names) {
    checkHeaderName(name);
    const text = headers[name]!;
    if (typeof text !== 'string') throw new SchedcpError('invalid_argument', `header ${quote(name)} must be text.`);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > HEADER_LIMITS.maxBytes) throw new SchedcpError('invalid_argument', `header ${quote(name)} is ${bytes} bytes; a header may be at most ${HEADER_LIMITS.maxBytes} bytes.`);
    if (text.includes('\0')) throw new SchedcpError('invalid_argument', `header ${quote(name)} contains NUL bytes: expected C header text.`);
    total += bytes;
  }
  if (total > HEADER_LIMITS.maxTotalBytes) throw new SchedcpError('invalid_argument', `the headers are ${total} bytes together; at most ${HEADER_LIMITS.maxTotalBytes} are allowed.`);
}

/** The quoted include paths a file names (comments skipped, backslash-newlines spliced). */
export function quotedIncludes(text: string): string[] {
  const code = stripCommentsAndStrings(text).replace(/\\\s*\n/g, '');
  const raw = text.replace(/\\\s*\n/g, '');
  const rawLines = raw.split('\n');
  return code.split('\n').flatMap((line, i) => {
    if (!/^\s*(?:#|%:)\s*include\b/.test(line)) return [];
    const m = /^\s*(?:#|%:)\s*include\s*"([^"]*)"/.exec(rawLines[i] ?? '');
    return m ? [m[1]!] : [];
  });
}

/** The headers the source reaches through quoted includes, transitively (the ones clang will read). */
export function headerClosure(source: string, headers: Headers): string[] {
  const names = new Set(Object.keys(headers));
  const used: string[] = [];
  const queue: Array<{ file: string; text: string }> = [{ file: 'policy.bpf.c', text: source }];
  while (queue.length > 0) {
    const { file, text } = queue.shift()!;
    for (const path of quotedIncludes(text)) {
      const name = resolveQuotedInclude(file, path, names);
      if (name === undefined || used.includes(name)) continue;
      used.push(name);
      queue.push({ file: name, text: headers[name]! });
    }
  }
  return used.sort();
}

export function headerRecords(headers: Headers, names: readonly string[]): HeaderRecord[] {
  return names.map((name) => ({ name, bytes: Buffer.byteLength(headers[name]!, 'utf8'), sha256: sha256Hex(headers[name]!) }));
}

/** One digest over the compiled headers (name → sha256), bound into evidence and tokens. */
export function headersDigest(records: readonly HeaderRecord[]): string {
  return sha256Hex(canonicalJson(Object.fromEntries(records.map((r) => [r.name, r.sha256]))));
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root + sep);
}

/**
 * Reads the headers a policy file reaches through quoted includes, from the file's own folder and
 * then each include dir (clang's order). A header that resolves (after symlinks) outside its folder,
 * is not a regular file or is too large is refused as invalid_argument naming it. Includes that
 * match no file are left for the static checks to report.
 */
export function collectHeaders(sourcePath: string, includeDirs: readonly string[] = []): Headers {
  const roots = [dirname(resolve(sourcePath)), ...includeDirs.map((d) => resolve(d))].map((root) => {
    try {
      if (!statSync(root).isDirectory()) throw new Error('not a directory');
      return { given: root, real: realpathSync(root) };
    } catch (error) {
      throw new SchedcpError('invalid_argument', `include dir ${quote(root)} cannot be used: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
    }
  });
  const headers: Headers = {};
  let total = 0;
  const queue: Array<{ file: string; text: string }> = [{ file: 'policy.bpf.c', text: readFileSync(sourcePath, 'utf8') }];
  while (queue.length > 0) {
    const { file, text } = queue.shift()!;
    for (const path of quotedIncludes(text)) {
      if (path.startsWith('/') || path.split('/').includes('..')) continue; // the static checks refuse it by line
      if (ALLOWED_INCLUDES.some((re) => re.test(path))) continue; // the kit's copy is the one compiled, as for the MCP tools
      const candidates = [...new Set([join(dirname(file), path), path].map((c) => c.replace(/^\.\//, '')))];
      const found = candidates.flatMap((name) => roots.map((root) => ({ name, root, path: join(root.given, name) }))).find((c) => {
        try { lstatSync(c.path); return true; } catch { return false; }
      });
      if (!found || found.name in headers) continue;
      checkHeaderName(found.name);
      const real = realpathSync(found.path);
      if (!inside(found.root.real, real)) throw new SchedcpError('invalid_argument', `header ${quote(found.name)} resolves to ${quote(real)}, outside its folder ${quote(found.root.given)} (a symlink out of the policy's folder is not followed).`);
      const st = statSync(real);
      if (!st.isFile()) throw new SchedcpError('invalid_argument', `header ${quote(found.name)} (${quote(relative(found.root.given, found.path))} in ${quote(found.root.given)}) is not a regular file.`);
      if (st.size > HEADER_LIMITS.maxBytes) throw new SchedcpError('invalid_argument', `header ${quote(found.name)} is ${st.size} bytes; a header may be at most ${HEADER_LIMITS.maxBytes} bytes.`);
      total += st.size;
      if (total > HEADER_LIMITS.maxTotalBytes || Object.keys(headers).length >= HEADER_LIMITS.maxCount) {
        throw new SchedcpError('invalid_argument', `header ${quote(found.name)} is one too many: at most ${HEADER_LIMITS.maxCount} headers and ${HEADER_LIMITS.maxTotalBytes} bytes together are allowed.`);
      }
      headers[found.name] = readFileSync(real, 'utf8');
      queue.push({ file: found.name, text: headers[found.name]! });
    }
  }
  return headers;
}
