import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCpio, writeCpio } from './cpio.js';

describe('writeCpio', () => {
  it('round-trips directories and files with 4-byte alignment', () => {
    const archive = writeCpio([
      { type: 'dir', path: '/schedcp' },
      { type: 'file', path: '/schedcp/plan', data: 'policy a p0.bpf.o 0 0\n' },
      { type: 'file', path: 'schedcp/odd', data: Buffer.from([1, 2, 3]), mode: 0o755 },
    ]);
    expect(archive.length % 4).toBe(0);
    const entries = readCpio(archive);
    expect(entries.map((e) => e.path)).toEqual(['schedcp', 'schedcp/plan', 'schedcp/odd']);
    expect(entries[0]!.mode).toBe(0o040755);
    expect(entries[1]!.data.toString()).toBe('policy a p0.bpf.o 0 0\n');
    expect(entries[2]!.mode).toBe(0o100755);
    expect([...entries[2]!.data]).toEqual([1, 2, 3]);
  });

  it('produces an archive GNU cpio can list and extract', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schedcp-cpio-test-'));
    try {
      const file = join(dir, 'a.cpio');
      writeFileSync(file, writeCpio([{ type: 'dir', path: 'x' }, { type: 'file', path: 'x/y.txt', data: 'hello' }]));
      const listing = execFileSync('cpio', ['-it', '--quiet', '-F', file], { encoding: 'utf8' });
      expect(listing.trim().split('\n')).toEqual(['x', 'x/y.txt']);
      execFileSync('cpio', ['-id', '--quiet', '-F', file], { cwd: dir });
      expect(readFileSync(join(dir, 'x', 'y.txt'), 'utf8')).toBe('hello');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses paths that escape the archive root', () => {
    expect(() => writeCpio([{ type: 'file', path: '../etc/passwd', data: '' }])).toThrow(/must be a relative path/);
    expect(() => writeCpio([{ type: 'file', path: '', data: '' }])).toThrow(/relative path/);
  });
});
