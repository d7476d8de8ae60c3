// `schedcp policies …` as a user runs it: the built CLI in a child process with a private data dir.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, makeTestEnv, type TestEnv } from './helpers/mcp.js';

const exec = promisify(execFile);
let env: TestEnv;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [CLI, 'policies', ...args], { env: env.env });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => { env = makeTestEnv({ repository: { embedding: 'hashing' } }); });
afterAll(() => env.cleanup());

describe('schedcp policies (CLI)', () => {
  it('seeds exactly once when two processes start on a fresh data dir at the same time', async () => {
    const [a, b] = await Promise.all([cli('list', '--json'), cli('list', '--json')]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    for (const r of [a, b]) expect((JSON.parse(r.stdout) as Array<{ version: number }>).map((p) => p.version)).toEqual(new Array(8).fill(1));
  });

  it('lists the seeded library and searches it', async () => {
    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/global_fifo\s+v1\s+candidate\s+built-in/);
    const search = await cli('search', 'enforce', 'cpu.weight', 'between', 'containers', '--json');
    const out = JSON.parse(search.stdout) as { embedding: { provider: string }; hits: Array<{ name: string }> };
    expect(out.embedding.provider).toBe('hashing');
    expect(out.hits[0]!.name).toBe('cgroup_weight');
  });

  it('imports a policy folder with lineage and shows it, and refuses bad input with exit 2', async () => {
    const dir = join(env.dataDir, '..', 'my_fifo');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'policy.bpf.c'), readFileSync(join(REPO_ROOT, 'policies', 'global_fifo', 'policy.bpf.c'), 'utf8').replace(/global_fifo/g, 'my_fifo'));
    writeFileSync(join(dir, 'policy.json'), JSON.stringify({ name: 'my_fifo', description: 'Imported FIFO variant.', algorithm: 'FIFO.', targetWorkloads: ['batch'] }));
    const imp = await cli('import', dir, '--parent', 'global_fifo', '--no-static');
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/imported my_fifo v1 \(id \d+\) as candidate; static stage: skipped/);
    const show = await cli('show', 'my_fifo', '--json', '--history');
    const p = JSON.parse(show.stdout) as { provenance: string; history: { lineage: Array<{ name: string }> } };
    expect(p.provenance).toBe('imported');
    expect(p.history.lineage.map((l) => l.name)).toEqual(['my_fifo', 'global_fifo']);
    const again = await cli('import', dir, '--no-static');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already_exists/);
    const bad = await cli('status', 'my_fifo', '--set', 'promoted');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--reason/);
    const retire = await cli('status', 'my_fifo', '--set', 'retired', '--reason', 'superseded');
    expect(retire.stdout).toMatch(/my_fifo v1 is now retired/);
  });
});
