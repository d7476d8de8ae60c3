import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SchedcpError, quote } from '../errors.js';

/** Absolute path of an executable found on PATH (or the given absolute path if executable). */
export function which(name: string, path = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'): string | undefined {
  const candidates = name.includes('/') ? [name] : path.split(delimiter).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Throws precondition_failed naming the Debian package when `name` is not on PATH; returns its path. */
export function requireBinary(name: string, debianPackage: string, purpose?: string): string {
  const path = which(name);
  if (!path) {
    throw new SchedcpError('precondition_failed', `${purpose ? `${purpose} needs ${quote(name)}, which` : `${name}`} is not installed (Debian package ${debianPackage}; run scripts/setup.sh).`);
  }
  return path;
}
