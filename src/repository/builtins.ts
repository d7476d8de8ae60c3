// The built-in policy library shipped in policies/<name>/{policy.bpf.c, policy.json}. Located
// relative to this module so it works from src/ (vitest) and dist/src/ (built server).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchedcpError } from '../errors.js';
import { parseMetadata, type PolicyMetadata } from './metadata.js';

export interface BuiltinPolicy { dir: string; source: string; metadata: PolicyMetadata }

export function builtinPoliciesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'policies');
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  throw new SchedcpError('internal', `The built-in policies/ folder was not found above ${fileURLToPath(import.meta.url)}; the installation is incomplete.`);
}

export function loadBuiltinPolicies(root = builtinPoliciesDir()): BuiltinPolicy[] {
  const out: BuiltinPolicy[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = join(root, entry.name);
    const metaPath = join(dir, 'policy.json');
    const srcPath = join(dir, 'policy.bpf.c');
    if (!existsSync(metaPath) || !existsSync(srcPath)) continue;
    let raw: unknown;
    try { raw = JSON.parse(readFileSync(metaPath, 'utf8')); } catch (error) {
      throw new SchedcpError('internal', `Built-in ${metaPath} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    const metadata = parseMetadata(raw, metaPath);
    if (metadata.name !== entry.name) throw new SchedcpError('internal', `Built-in ${metaPath} names ${metadata.name}, but its folder is ${entry.name}.`);
    out.push({ dir, source: readFileSync(srcPath, 'utf8'), metadata });
  }
  return out;
}
