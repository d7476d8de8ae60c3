// The bubblewrap sandbox for real (tests run as root, where bwrap works without user namespaces).
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, sandboxArgs } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'schedcp-sandbox-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const inSandbox = async (args: string[], spec: Parameters<typeof sandboxArgs>[2]) => {
  const cmd = sandboxArgs('/bin/sh', ['-c', ...args], spec);
  return run(cmd.file, cmd.args, { allowFailure: true, timeoutMs: 20_000 });
};

describe('sandboxArgs', () => {
  it('with visiblePaths, shows only those paths (links recreated), not the rest of the host', async () => {
    writeFileSync(join(dir, 'input.txt'), 'visible');
    const r = await inSandbox(['cat input.txt; ls /; test -e /etc/hostname && echo HOST-VISIBLE; true'], { visiblePaths: ['/usr', '/bin', '/lib', '/lib64', dir], writableDir: undefined });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toMatch(/HOST-VISIBLE/);
    expect(r.stdout.split('\n')).not.toContain('root');
    expect(r.stdout).toContain('bin');
  });

  it('reads a visible file under /tmp and writes only into writableDir', async () => {
    const out = mkdtempSync(join(tmpdir(), 'schedcp-sandbox-out-'));
    try {
      writeFileSync(join(dir, 'in.txt'), 'payload');
      const r = await inSandbox([`cat ${dir}/in.txt > ${out}/copy.txt && touch ${dir}/forbidden`], { visiblePaths: ['/usr', '/bin', '/lib', '/lib64', dir], writableDir: out });
      expect(readFileSync(join(out, 'copy.txt'), 'utf8')).toBe('payload');
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/Read-only file system/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('drops capabilities and the network by default', async () => {
    // /proc/net/dev lists the interfaces of the process's own network namespace.
    const r = await inSandbox(["grep CapEff /proc/self/status; awk -F: 'NR > 2 { gsub(/ /, \"\", $1); print $1 }' /proc/net/dev"], {});
    expect(r.stdout).toMatch(/CapEff:\s+0000000000000000/);
    expect(r.stdout.trim().split('\n').slice(1)).toEqual(['lo']);
  });
});
