import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getKit, kitInputs, kitStatus } from './kit.js';

const cacheDir = mkdtempSync(join(tmpdir(), 'schedcp-kit-test-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

describe('kit cache', () => {
  it('hashes the sandbox-vm sources and package versions, stably', async () => {
    const a = await kitInputs();
    const b = await kitInputs();
    expect(a.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(b.hash).toBe(a.hash);
    expect(Object.keys(a.files)).toEqual(expect.arrayContaining(['build-kit.sh', 'kernel.config', 'init', 'loader/loader.c']));
    expect(a.files['README.md']).toBeUndefined();
    expect(a.packages['linux-source-6.12']).toBeDefined();
  });

  it('reports a missing kit with the fix, then accepts a complete one and notices a damaged one', async () => {
    await expect(getKit({ cacheDir })).rejects.toMatchObject({ code: 'precondition_failed', message: expect.stringMatching(/^VM kit missing or stale: run `schedcp vm build` \(no kit has been built/) });
    const { hash } = await kitInputs();
    const dir = join(cacheDir, 'vm-kit', hash);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bzImage'), 'kernel');
    const manifest = { schemaVersion: 1, inputsHash: hash, files: { bzImage: { sha256: 'x', bytes: 6 } } };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const kit = await getKit({ cacheDir });
    expect(kit.bzImage).toBe(join(dir, 'bzImage'));
    expect(kit.includeDirs[0]).toBe(join(dir, 'include'));
    writeFileSync(join(dir, 'bzImage'), 'truncated!');
    expect((await kitStatus(cacheDir)).problem).toMatch(/kit file "bzImage" is missing or has the wrong size/);
  });

  it('calls kits built from other inputs stale', async () => {
    const other = join(cacheDir, 'vm-kit', '0000000000000000');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'manifest.json'), '{"schemaVersion":1,"files":{}}');
    expect((await kitStatus(cacheDir)).staleDirs).toEqual([other]);
  });
});
