// The repository component through its API on a real SQLite database: seeding, versions, bad
// input, curation with audit, migrations from older databases, and refusal of foreign files.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../src/db/index.js';
import {
  builtinPoliciesDir, getPolicyByName, policyHistory, recordOutcome, repositoryMigrations, repositoryOf, searchPolicies, submitPolicy,
} from '../src/repository/index.js';
import { makeTestApp, type TestApp } from '../src/repository/test-app.js';

const ACTOR = { caller: 'tester', transport: 'stdio' as const };
const src = readFileSync(join(builtinPoliciesDir(), 'global_fifo', 'policy.bpf.c'), 'utf8');
const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name, description: 'A test policy derived from global_fifo with a different slice.', algorithm: 'Shared FIFO queue.', targetWorkloads: ['batch'], ...extra,
});
const countRows = (t: TestApp, table: string) => (t.app.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('repository store and curation (hashing embedder, real SQLite)', () => {
  let t: TestApp;
  // Automatic promotion is what this file tests: no human approval reserved here (test/console.approval.test.ts covers it).
  beforeAll(() => { t = makeTestApp({ repository: { embedding: 'hashing' }, approval: { requireHumanFor: [] } }); });
  afterAll(async () => { await t.close(); });

  it('seeds the eight built-ins once, idempotently, as candidates', async () => {
    const repo = repositoryOf(t.app);
    await repo.ready();
    const again = await repo.seed();
    expect(again.added.length + again.updated.length).toBe(8); // reported from the first-use seed
    expect((await repo.seed()).unchanged).toHaveLength(8);
    const list = repo.list();
    expect(list.map((p) => p.name)).toEqual(['central_dispatch', 'cgroup_weight', 'global_fifo', 'interactive_boost', 'llc_aware', 'percpu_steal', 'sjf_batch', 'weighted_vtime']);
    expect(list.every((p) => p.provenance === 'built-in' && p.version === 1 && p.status === 'candidate')).toBe(true);
    expect(countRows(t, 'policies')).toBe(8);
  });

  it('adds a new version with lineage when a built-in source changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schedcp-builtins-'));
    try {
      cpSync(builtinPoliciesDir(), dir, { recursive: true });
      writeFileSync(join(dir, 'global_fifo', 'policy.bpf.c'), src.replace('5000000ULL', '2000000ULL'));
      const r = await repositoryOf(t.app).seed(ACTOR, dir);
      expect(r.updated).toEqual(['global_fifo']);
      const v2 = getPolicyByName(t.app, 'global_fifo');
      expect(v2.version).toBe(2);
      expect(v2.parentId).toBe(getPolicyByName(t.app, 'global_fifo', 1).id);
      expect(policyHistory(t.app, { name: 'global_fifo' }).lineage.map((l) => l.version)).toEqual([2, 1]);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('rejects bad input with specific errors and writes nothing', async () => {
    const before = countRows(t, 'policies');
    const auditBefore = countRows(t, 'audit_log');
    const submit = (source: string, metadata: unknown, parent?: string) => submitPolicy(t.app, { source, metadata, parent, staticCheck: false }, ACTOR);
    await expect(submit(src + '\n// x', meta('global_fifo'))).rejects.toMatchObject({ code: 'already_exists', message: expect.stringMatching(/"global_fifo" already exists \(versions 1, 2/) });
    await expect(submit(src, meta('fifo_copy'))).rejects.toMatchObject({ code: 'already_exists', message: expect.stringMatching(/exact source is already stored as global_fifo v1/) });
    await expect(submit('x'.repeat(256 * 1024 + 1), meta('too_big'))).rejects.toMatchObject({ code: 'limit_exceeded', message: expect.stringMatching(/262145 bytes; at most 262144/) });
    await expect(submit(src + '//a', meta('Bad-Name'))).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/field name = "Bad-Name" is invalid/) });
    await expect(submit(src + '//b', { ...meta('no_workloads'), targetWorkloads: [] })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/targetWorkloads/) });
    await expect(submit(src + '//c', meta('bad_tunable', { tunables: [{ name: 'slice_ns', type: 'u64', default: 5, min: 10, description: 'x' }] }))).rejects.toMatchObject({ message: expect.stringMatching(/tunables\.0.*outside \[min, max\]/) });
    await expect(submit(src + '//d', meta('orphan'), 'no_such_parent')).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/"no_such_parent"/) });
    await expect(searchPolicies(t.app, { query: '   ' })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/query is empty/) });
    await expect(searchPolicies(t.app, { query: 'q'.repeat(10 * 1024) })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/10240 characters; at most 1000/) });
    await expect(recordOutcome(t.app, { policy: { id: 999999 }, source: 'benchmark', performance: [] })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/id 999999/) });
    await expect(recordOutcome(t.app, { policy: { name: 'global_fifo', version: 7 }, source: 'benchmark' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/version 7 \(it has versions 1, 2\)/) });
    await expect(recordOutcome(t.app, { policy: { name: 'global_fifo' }, source: 'benchmark', performance: [{ workload: 'w', metric: 'm', direction: 'lower_is_better', value: 1, baseline: 0 }] })).rejects.toMatchObject({ message: expect.stringMatching(/baseline 0/) });
    expect(countRows(t, 'policies')).toBe(before);
    expect(countRows(t, 'policy_performance')).toBe(0);
    expect(countRows(t, 'audit_log')).toBe(auditBefore);
  });

  it('stores an agent-submitted candidate with its parent and finds it by search', async () => {
    const r = await submitPolicy(t.app, { source: src.replace('global_fifo', 'fifo_short'), metadata: meta('fifo_short', { description: 'Global FIFO with a very short slice for zebra workloads.' }), parent: 'global_fifo', staticCheck: false }, ACTOR);
    expect(r).toMatchObject({ name: 'fifo_short', version: 1, status: 'candidate', parentId: getPolicyByName(t.app, 'global_fifo').id });
    const s = await searchPolicies(t.app, { query: 'zebra workloads', limit: 3 });
    expect(s.hits[0]!.name).toBe('fifo_short');
    expect(s.embedding.provider).toBe('hashing');
    expect((await searchPolicies(t.app, { query: 'zebra workloads', status: ['verified'] })).hits.map((h) => h.name)).not.toContain('fifo_short');
  });

  it('search sees a status change at once, made on this connection or committed by another (cached briefs)', async () => {
    const statusOf = async () => (await searchPolicies(t.app, { query: 'zebra workloads', limit: 10 })).hits.find((h) => h.name === 'fifo_short')?.status;
    expect(await statusOf()).toBe('candidate');
    repositoryOf(t.app).setStatus({ name: 'fifo_short' }, 'retired', 'superseded by a longer slice', ACTOR);
    expect(await statusOf()).toBe('retired');
    expect((await searchPolicies(t.app, { query: 'zebra workloads', status: ['candidate'] })).hits.map((h) => h.name)).not.toContain('fifo_short');
    // a second connection to the same file, as the CLI beside a running server
    const other = new Database(t.app.db.name);
    try { other.prepare("UPDATE policies SET status = 'candidate' WHERE name = 'fifo_short'").run(); } finally { other.close(); }
    expect(await statusOf()).toBe('candidate');
    expect((await searchPolicies(t.app, { query: 'zebra workloads', status: ['candidate'] })).hits.map((h) => h.name)).toContain('fifo_short');
  });

  it('runs the curation state machine on recorded evidence, storing and auditing each change', async () => {
    const ref = { name: 'sjf_batch' };
    const v = await recordOutcome(t.app, { policy: ref, source: 'verify_run', verification: { id: '41', verdict: 'pass' } }, ACTOR);
    expect(v.statusChanges).toEqual([{ from: 'candidate', to: 'verified', reason: 'passed verification (verdict pass)' }]);
    const trial = (value: number) => ({ workload: 'kernel_compile', metric: 'wall_s', direction: 'lower_is_better' as const, value, baseline: 100 });
    const two = await recordOutcome(t.app, { policy: ref, source: 'benchmark', performance: [trial(80), trial(82)] }, ACTOR);
    expect(two.policy.status).toBe('verified');
    const three = await recordOutcome(t.app, { policy: ref, source: 'benchmark', performance: [trial(79)] }, ACTOR);
    expect(three.statusChanges[0]).toMatchObject({ from: 'verified', to: 'promoted' });
    expect(three.scores[0]).toMatchObject({ workload: 'kernel_compile', n: 3, verdict: 'better' });
    expect((await searchPolicies(t.app, { query: 'jobs', minScore: 1.2, workload: 'compile' })).hits.map((h) => h.name)).toEqual(['sjf_batch']);
    await recordOutcome(t.app, { policy: ref, source: 'deployment', deployment: { result: 'failure', detail: 'watchdog ejected' } }, ACTOR);
    const q = await recordOutcome(t.app, { policy: ref, source: 'deployment', deployment: { result: 'rolled_back' } }, ACTOR);
    expect(q.statusChanges[0]).toMatchObject({ from: 'promoted', to: 'quarantined' });
    const h = policyHistory(t.app, ref);
    expect(h.statusChanges.map((c) => c.to)).toEqual(['candidate', 'verified', 'promoted', 'quarantined']);
    expect(h.statusChanges.slice(1).every((c) => c.actor === 'tester' && c.reason.length > 10)).toBe(true);
    const audits = t.app.audit.query({ tool: 'repository.status_change', limit: 20 }).filter((a) => (a.args as { policy: string }).policy === 'sjf_batch');
    expect(audits.map((a) => (a.args as { to: string }).to).reverse()).toEqual(['verified', 'promoted', 'quarantined']);
    expect(audits.every((a) => a.caller === 'tester' && a.transport === 'stdio')).toBe(true);
    // Leaving quarantine takes an explicit decision; promotion never does.
    const repo = repositoryOf(t.app);
    expect(() => repo.setStatus(ref, 'promoted', 'because', ACTOR)).toThrow(/quarantined; it can be set to candidate, retired by hand/);
    expect(repo.setStatus(ref, 'candidate', 'root cause fixed in the watchdog', ACTOR).status).toBe('candidate');
  });
});

describe('repository migrations and database files', () => {
  it('migrates an empty database and a version-1 database without losing rows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schedcp-repo-mig-'));
    try {
      const fresh = openDatabase(join(dir, 'fresh.db'));
      expect(migrate(fresh, repositoryMigrations)).toEqual([1, 2, 3]);
      expect(migrate(fresh, repositoryMigrations)).toEqual([]);
      fresh.close();
      const old = openDatabase(join(dir, 'old.db'));
      migrate(old, repositoryMigrations.slice(0, 1));
      old.prepare(`INSERT INTO policies (name, version, source, source_sha256, description, algorithm, metadata_json, provenance, status, created_by)
        VALUES ('legacy', 1, 'int x;', 'abc', 'd', 'a', '{}', 'imported', 'verified', 'old')`).run();
      expect(migrate(old, repositoryMigrations)).toEqual([2, 3]);
      expect(old.prepare("SELECT status, headers_json FROM policies WHERE name = 'legacy'").get()).toEqual({ status: 'verified', headers_json: null });
      old.prepare("INSERT INTO policy_deployments (policy_id, result) VALUES (1, 'success')").run();
      old.close();
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it('refuses a corrupted file and a foreign SQLite database instead of re-creating over them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schedcp-repo-bad-'));
    try {
      const data = join(dir, 'a');
      cpSync(join(builtinPoliciesDir(), 'global_fifo'), data, { recursive: true }); // any non-SQLite bytes
      writeFileSync(join(data, 'schedcp.db'), 'this is not a database at all, just text that someone left here');
      expect(() => makeTestApp({ dataDir: data })).toThrow(/not an SQLite database/);
      expect(readFileSync(join(data, 'schedcp.db'), 'utf8')).toMatch(/^this is not a database/);
      const foreignDir = join(dir, 'b');
      cpSync(data, foreignDir, { recursive: true });
      rmSync(join(foreignDir, 'schedcp.db'));
      const foreign = new Database(join(foreignDir, 'schedcp.db'));
      foreign.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)');
      foreign.close();
      expect(() => makeTestApp({ dataDir: foreignDir })).toThrow(/another program/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});

describe('switching the embedding model', () => {
  it('re-embeds the stored library with the configured ONNX model and reports the new provider', async () => {
    const { writeTinyModel } = await import('../src/repository/search/tiny-onnx.js');
    const root = mkdtempSync(join(tmpdir(), 'schedcp-switch-'));
    try {
      writeTinyModel(join(root, 'tiny-model'));
      const dataDir = join(root, 'data');
      const first = makeTestApp({ dataDir, repository: { embedding: 'hashing' } });
      expect((await searchPolicies(first.app, { query: 'batch jobs' })).embedding.provider).toBe('hashing');
      await first.close();
      const second = makeTestApp({ dataDir, repository: { embedding: 'transformers', transformersModelPath: join(root, 'tiny-model') } });
      try {
        const index = await repositoryOf(second.app).ready();
        expect(index.model()).toEqual({ modelId: expect.stringContaining('tiny-model'), dimension: 8 });
        const r = await searchPolicies(second.app, { query: 'batch jobs' });
        expect(r.embedding.provider).toBe('transformers');
        expect(r.hits.length).toBeGreaterThan(0);
        expect(index.count()).toBe(8);
      } finally { await second.close(); }
      await expect(makeTestAppAsync({ repository: { embedding: 'transformers' } })).rejects.toThrow(/transformersModelPath is not set/);
    } finally { rmSync(root, { recursive: true, force: true }); }
  });
});

async function makeTestAppAsync(config: Record<string, unknown>): Promise<void> {
  const t = makeTestApp(config);
  try { await repositoryOf(t.app).ready(); } finally { await t.close(); }
}
