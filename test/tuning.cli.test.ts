// `schedcp tune …` input checks as a user hits them: the built CLI in a child process with a
// private data dir. Only read-only subcommands: nothing here writes a kernel value.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/exec/index.js';
import { CLI, makeTestEnv, type TestEnv } from './helpers/mcp.js';

let env: TestEnv;
beforeAll(() => { env = makeTestEnv({ repository: { embedding: 'hashing' } }); });
afterAll(() => env.cleanup());

const tune = (...args: string[]) => run(process.execPath, [CLI, 'tune', ...args], { env: env.env, allowFailure: true, timeoutMs: 30_000 });

describe('schedcp tune recommend --signals', () => {
  it('recommends from a valid signals file', async () => {
    const file = join(dirname(env.dataDir), 'signals.json');
    writeFileSync(file, JSON.stringify([{ name: 'io_congestion', severity: 'high', score: 0.9, summary: 'writeback stalls', evidence: {}, at: '2026-01-01T00:00:00Z' }]));
    const r = await tune('recommend', '--signals', file, '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { recommendations: Array<{ rule: string }> }).recommendations.map((x) => x.rule)).toContain('io-congestion-starts-writeback-earlier');
  });

  it('rejects a file that is not JSON or not a list of signals with a specific error', async () => {
    const notJson = join(dirname(env.dataDir), 'bad.json');
    writeFileSync(notJson, '{ not json');
    const a = await tune('recommend', '--signals', notJson);
    expect(a.exitCode).not.toBe(0);
    expect(a.stderr).toMatch(/invalid_argument: --signals ".*bad\.json" could not be read as JSON/);
    const wrongShape = join(dirname(env.dataDir), 'shape.json');
    writeFileSync(wrongShape, JSON.stringify([{ name: 'io_congestion', severity: 'extreme', score: 0.9, summary: 's', evidence: {}, at: 'now' }]));
    const b = await tune('recommend', '--signals', wrongShape);
    expect(b.exitCode).not.toBe(0);
    expect(b.stderr).toMatch(/invalid_argument: --signals ".*shape\.json" must hold an array of at most 16 signals .* at 0\.severity:/);
  });
});
