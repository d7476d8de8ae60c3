import { readFileSync } from 'node:fs';

// Read once from package.json so `schedcp --version`, serverInfo and tokens agree.
function readVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'schedcp') return pkg.version;
    } catch { /* try the next layout (src vs dist) */ }
  }
  return '0.0.0';
}

export const SCHEDCP_VERSION = readVersion();
