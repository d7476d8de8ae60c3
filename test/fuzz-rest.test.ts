// Property-based fuzzing of every tool in the registry through the REST front door (/api/v1/<tool>,
// plain fetch, as a script or the console would call it). Bodies come from each tool's schema in the
// OpenAPI document and are broken by exactly one mutation (test/helpers/fuzz-schema.ts, shared with
// the MCP fuzzer); then the request itself is broken (not JSON, wrong shapes, oversize, wrong methods,
// unknown tools, bad tokens, missing scopes), and read-only tools get hostile strings in valid bodies
// and query strings. Every answer must be JSON {code, message} with a 4xx status whose code maps to
// it (src/rest/status.ts), or a 2xx for input that is valid; never a 5xx or a dropped connection.
// Seeded and bounded. Afterwards: nothing written but audit rows (one per rejected body), no file,
// process, BPF program or mount left behind, and the server still answers.
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from './helpers/mcp.js';
import { broken, valid, type JsonSchema } from './helpers/fuzz-schema.js';
import { bpfProgramsOwnedBy, dataFiles, descendants, suspectMounts, tableDigests } from './helpers/leftovers.js';
import { tools as registry } from '../src/tools/index.js';
import { HTTP_STATUS } from '../src/rest/status.js';

const SEED = 1415;
const BROKEN_RUNS = 12;
const MALFORMED_RUNS = 300;
const HOSTILE_RUNS = 4;
const GET_RUNS = 8;
const ODD_QUERY_RUNS = 60;
const ADMIN = 'fuzz-rest-all-scopes-token-0123456789';
const READER = 'fuzz-rest-read-only-token-0123456789a';
const AUDIT_TABLES = new Set(['audit_log', 'audit_counters']);
/** Read-only tools that record what they observe, by design (docs/analysis.md: signal history). */
const OBSERVATION_TABLES = new Set(['signal_samples']);
/** Node's HTTP parser answers request lines over 16 KiB itself (431, no body): long values go in bodies. */
const MAX_QUERY_VALUE = 2_000;
const unlimited = { perMinute: 1_000_000, burst: 1_000_000 };

interface Tool { name: string; schema: JsonSchema; readOnly: boolean; scope: string }
interface Judged { status: number; code?: string; message?: string; path?: string; result?: unknown }

let server: HttpServer;
let base: string;
let dbPath: string;
let tools: Tool[];
let before: { tables: Record<string, string>; files: Record<string, number>; mounts: string[]; auditRows: number };
let schemaRejections = 0;
/** Every status answered, for the one-line summary at the end. */
const statuses = new Map<number, number>();
const perStage = new Map<string, number>();
let stage = 'warm-up';

const auditRows = () => { const db = new Database(dbPath, { readonly: true }); try { return (db.prepare('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n; } finally { db.close(); } };

/** One request on its own connection (no keep-alive reuse races), judged: a JSON {code, message} 4xx whose code maps to its status, or a 2xx. */
async function send(method: string, path: string, opts: { body?: string | Buffer; token?: string | null; headers?: Record<string, string> } = {}): Promise<Judged> {
  const what = `${method} ${path.slice(0, 120)} ${String(opts.body ?? '').slice(0, 120)}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? ADMIN}`;
  if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
  const { status, type, text } = await new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (error) => reject(new Error(`connection failure on ${what}: ${error.message}`)));
    req.end(opts.body);
  });
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  perStage.set(stage, (perStage.get(stage) ?? 0) + 1);
  expect(status, `${what} → ${status} ${text.slice(0, 300)}`).toBeLessThan(500);
  expect(type, what).toMatch(/^application\/json/);
  let body: unknown;
  try { body = JSON.parse(text); } catch { throw new Error(`${what} → ${status} with a body that is not JSON: ${text.slice(0, 200)}`); }
  if (status >= 200 && status < 300) return { status, result: body };
  expect(status, `${what} → ${status}`).toBeGreaterThanOrEqual(400);
  const e = body as { code?: unknown; message?: unknown; path?: unknown };
  expect(e, `${what} → ${text.slice(0, 300)}`).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  const code = e.code as string;
  expect(code, what).not.toBe('internal');
  expect((e.message as string).length, `${what}: empty message`).toBeGreaterThan(10);
  // The status says what the code says (src/rest/status.ts); the gate's own answers are the exceptions.
  const gateOwn = (status === 401 && code === 'unauthenticated') || (status === 413 && code === 'limit_exceeded') || (status === 405 && code === 'invalid_argument');
  if (!gateOwn) expect(status, `${what}: code ${code}`).toBe(HTTP_STATUS[code as keyof typeof HTTP_STATUS]);
  return { status, code, message: e.message as string, ...(typeof e.path === 'string' && { path: e.path }) };
}

/** Counterexamples print shortened: a 70 000-character argument must not flood the report. */
function short<T extends object>(value: T): T {
  return Object.assign(value, { [fc.toStringMethod]: () => JSON.stringify(value).slice(0, 400) });
}

const post = (tool: string, args: unknown, token?: string) => send('POST', `/api/v1/${tool}`, { body: JSON.stringify(args), token });

/** Arguments as a query string the way argsFromQuery reads them: strings raw, arrays one value per element, the rest JSON. */
function toQuery(args: Record<string, unknown>): string {
  const q = new URLSearchParams();
  const text = (v: unknown) => { const s = typeof v === 'string' ? v : JSON.stringify(v) ?? 'null'; return s.length > MAX_QUERY_VALUE ? s.slice(0, MAX_QUERY_VALUE) : s; };
  for (const [k, v] of Object.entries(args)) {
    if (Array.isArray(v)) for (const item of v) q.append(k, text(item)); else q.append(k, text(v));
  }
  return q.toString();
}

async function stillAnswers(): Promise<void> {
  expect((await send('GET', '/api/v1/host_capabilities')).status).toBe(200);
}

beforeAll(async () => {
  server = await startHttpServer({
    tokens: [
      { name: 'fuzz', token: ADMIN, scopes: ['read', 'verify', 'deploy', 'tune'] },
      { name: 'reader', token: READER, scopes: ['read'] },
    ],
    repository: { embedding: 'hashing' },
    http: { rateLimits: { read: unlimited, verify: unlimited, deploy: unlimited, tune: unlimited } },
  });
  base = server.url.replace(/\/mcp$/, '');
  dbPath = join(server.env.dataDir, 'schedcp.db');
  // The REST contract itself: each tool's body schema and annotations as the OpenAPI document gives them.
  const doc = await (await fetch(`${base}/api/v1/openapi.json`)).json() as { paths: Record<string, { post: { requestBody: { content: { 'application/json': { schema: JsonSchema } } }; 'x-schedcp-annotations': { readOnlyHint?: boolean }; 'x-schedcp-scope': string } }> };
  tools = Object.entries(doc.paths).map(([p, ops]) => ({
    name: p.replace('/api/v1/', ''), schema: ops.post.requestBody.content['application/json'].schema,
    readOnly: ops.post['x-schedcp-annotations'].readOnlyHint === true, scope: ops.post['x-schedcp-scope'],
  }));
  // Warm-up: each component creates its tables and seeds itself on first use; that is not the fuzzer's doing.
  for (const t of tools.filter((x) => x.readOnly)) {
    const [args] = fc.sample(valid(t.schema, true), { seed: SEED, numRuns: 1 }) as Array<Record<string, unknown>>;
    await fetch(`${base}/api/v1/${t.name}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` }, body: JSON.stringify(args ?? {}) }).then((r) => r.body?.cancel());
  }
  await post('list_tunables', { query: 'swap pressure' }); // the tunables' search index is built on the first query
  before = { tables: tableDigests(dbPath, AUDIT_TABLES), files: dataFiles(server.env.dataDir), mounts: suspectMounts(server.env.dataDir), auditRows: auditRows() };
}, 120_000);

afterAll(async () => {
  await server?.close();
  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  console.log(`fuzz-rest: ${total} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}, ${schemaRejections} schema rejections; per test ${JSON.stringify(Object.fromEntries(perStage))}`);
});

describe('fuzzing every tool over REST', () => {
  it('lists every tool of the registry in the OpenAPI document, each with a strict body schema', () => {
    expect(tools.map((t) => t.name).sort()).toEqual(registry.map((t) => t.name).sort());
    expect(tools.filter((t) => t.schema.additionalProperties !== false).map((t) => t.name)).toEqual([]);
  });

  it('answers every broken body with 400 {code: invalid_argument, message, path}, never a 5xx or a dropped connection', async () => {
    stage = 'broken';
    for (const tool of tools) {
      await fc.assert(fc.asyncProperty(broken(tool.schema).map(short), async ({ args, why }) => {
        const r = await post(tool.name, args);
        // Overlong values can make the body itself too large (NUL is 6 bytes as JSON): 413 before any parsing.
        if (r.status === 413) return void expect(r.code).toBe('limit_exceeded');
        schemaRejections++;
        expect(r.status, `${tool.name} accepted ${why}: ${JSON.stringify(args).slice(0, 300)}`).toBe(400);
        expect(r, `${tool.name} ${why}`).toMatchObject({ code: 'invalid_argument', path: expect.any(String) });
      }), { seed: SEED, numRuns: BROKEN_RUNS, endOnFailure: true });
      await stillAnswers();
    }
  });

  it('answers malformed requests (not JSON, wrong shapes, oversize, wrong method, unknown tool, bad token, missing scope) with a JSON 4xx', async () => {
    stage = 'malformed';
    const names = tools.map((t) => t.name);
    const notJson = fc.constantFrom('not json', '{', '{"a":1}{"b":2}', "{'a':1}", '\ufeff{}', 'NaN', '{"a":NaN}', '\u0000', '<xml/>');
    const wrongShape = fc.constantFrom('[]', 'null', '42', '"x"', 'true', '[{}]', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"x":1}}}', `${'['.repeat(500)}${']'.repeat(500)}`, `${'{"a":'.repeat(500)}1${'}'.repeat(500)}`);
    const badBytes = fc.constantFrom(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]));
    type Case = { method: string; path: string; body?: string | Buffer; token?: string | null; headers?: Record<string, string>; expect: number[] };
    const cases: fc.Arbitrary<Case> = fc.oneof(
      fc.tuple(fc.constantFrom(...names), notJson).map(([n, body]) => ({ method: 'POST', path: `/api/v1/${n}`, body, expect: [400] })),
      fc.tuple(fc.constantFrom(...names), fc.oneof(wrongShape, badBytes), fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded')).map(([n, body, ct]) => ({ method: 'POST', path: `/api/v1/${n}`, body, headers: { 'content-type': ct }, expect: [400] })),
      fc.constantFrom(...names).map((n) => ({ method: 'POST', path: `/api/v1/${n}`, body: JSON.stringify({ x: 'y'.repeat(1_100_000) }), expect: [413] })),
      fc.tuple(fc.constantFrom(...names), fc.constantFrom('PUT', 'DELETE', 'PATCH')).map(([n, method]) => ({ method, path: `/api/v1/${n}`, body: '{}', expect: [405] })),
      fc.constantFrom(...tools.filter((t) => !t.readOnly).map((t) => t.name)).map((n) => ({ method: 'GET', path: `/api/v1/${n}`, expect: [405] })),
      fc.constantFrom('%2e%2e%2f%2e%2e%2fetc%2fpasswd', 'nope', 'list_probes%00', 'LIST_PROBES', 'list_probes/', 'a'.repeat(3_000), '%F0%9F%99%82', 'openapi.json%2f..', '__proto__', 'constructor').map((n) => ({ method: 'POST', path: `/api/v1/${n}`, body: '{}', expect: [404] })),
      fc.tuple(fc.constantFrom(...names), fc.constantFrom(null, 'wrong-token-0123456789abcdefghijkl', '', ADMIN.slice(0, -1), `x${ADMIN}`)).map(([n, token]) => ({ method: 'POST', path: `/api/v1/${n}`, body: '{}', token, expect: [401] })),
      fc.constantFrom(...tools.filter((t) => t.scope !== 'read').map((t) => t.name)).map((n) => ({ method: 'POST', path: `/api/v1/${n}`, body: '{}', token: READER, expect: [403] })),
      // A client that asks for a stream still gets a plain JSON 400 for a body the schema rejects.
      fc.constantFrom(...names).map((n) => ({ method: 'POST', path: `/api/v1/${n}`, body: '{"__bogus":1}', headers: { accept: 'text/event-stream' }, expect: [400] })),
    );
    await fc.assert(fc.asyncProperty(cases.map(short), async (c) => {
      const r = await send(c.method, c.path, c);
      expect(c.expect, `${c.method} ${c.path.slice(0, 80)} ${String(c.body ?? '').slice(0, 80)} → ${r.status} ${r.code}: ${r.message?.slice(0, 200)}`).toContain(r.status);
      if (r.path !== undefined) schemaRejections++; // a JSON body of the wrong shape reaches the schema, which audits it
    }), { seed: SEED, numRuns: MALFORMED_RUNS, endOnFailure: true });
    await stillAnswers();
    // A body that tried to pollute the prototype did not reach the server's objects.
    expect((await post('whoami', {})).result).not.toHaveProperty('polluted');
  });

  // Found by this fuzzer: a body nested ~2 000 deep (10 KB) overflowed the stack of the audit log's
  // recursive redaction and digest (500). The router now refuses bodies deeper than 64 levels first.
  it('answers deeply nested JSON bodies with a JSON 400 naming the depth limit', async () => {
    stage = 'deep';
    // Well past the ~2 000 levels where the stack runs out, so the outcome does not depend on JIT state.
    for (const body of [`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`, `${'['.repeat(10_000)}${']'.repeat(10_000)}`]) {
      const r = await send('POST', '/api/v1/host_capabilities', { body });
      expect(r.status).toBe(400);
      expect(r.message).toMatch(/deeper than 64 levels/);
    }
  });

  it('has written nothing but audit rows (one per body the schema rejected), left no file, process, BPF program or mount behind', () => {
    expect(tableDigests(dbPath, AUDIT_TABLES)).toEqual(before.tables);
    // Unauthenticated and out-of-scope calls are audited as denials too, so at least one row per rejected body.
    expect(auditRows() - before.auditRows).toBeGreaterThanOrEqual(schemaRejections);
    expect(dataFiles(server.env.dataDir)).toEqual(before.files);
    const pid = server.process.pid!;
    expect(descendants(pid)).toEqual([]);
    expect(bpfProgramsOwnedBy(new Set([pid]))).toEqual([]);
    expect(suspectMounts(server.env.dataDir)).toEqual(before.mounts);
  });

  it('survives hostile strings in valid bodies and query strings of read-only tools (2xx or 4xx; only observations recorded)', async () => {
    stage = 'hostile';
    const tablesBefore = tableDigests(dbPath, new Set([...AUDIT_TABLES, ...OBSERVATION_TABLES]));
    let ok = 0; let refused = 0;
    for (const tool of tools.filter((t) => t.readOnly)) {
      await fc.assert(fc.asyncProperty((valid(tool.schema, true) as fc.Arbitrary<Record<string, unknown>>).map(short), async (args) => {
        const r = await post(tool.name, args);
        if (r.status < 300) ok++; else refused++;
      }), { seed: SEED, numRuns: HOSTILE_RUNS, endOnFailure: true });
      // GET turns every value into query text (a string field may so become valid): 2xx or 4xx, never more.
      const query = fc.oneof(broken(tool.schema).map((b) => b.args), valid(tool.schema, true) as fc.Arbitrary<Record<string, unknown>>);
      await fc.assert(fc.asyncProperty(query.map(short), async (args) => {
        const r = await send('GET', `/api/v1/${tool.name}?${toQuery(args)}`);
        if (r.status < 300) ok++; else refused++;
      }), { seed: SEED, numRuns: GET_RUNS, endOnFailure: true });
    }
    // Query strings a browser, a script or an attacker sends: pollution keys, repeats, bad escapes, NaN-likes.
    const oddQueries = fc.tuple(fc.constantFrom(...tools.filter((t) => t.readOnly).map((t) => t.name)),
      fc.constantFrom('__proto__=1', 'constructor=x&constructor=y', 'limit=NaN', 'limit=1e309', 'limit=-0', 'level=%ZZ', '%00=%00', 'a', '&&&', `x=${'%F0%9F%99%82'.repeat(200)}`));
    await fc.assert(fc.asyncProperty(oddQueries, async ([name, q]) => {
      const r = await send('GET', `/api/v1/${name}?${q}`);
      if (r.status < 300) ok++; else refused++;
    }), { seed: SEED, numRuns: ODD_QUERY_RUNS, endOnFailure: true });
    expect(ok).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(tableDigests(dbPath, new Set([...AUDIT_TABLES, ...OBSERVATION_TABLES]))).toEqual(tablesBefore);
    expect(descendants(server.process.pid!)).toEqual([]);
    expect(bpfProgramsOwnedBy(new Set([server.process.pid!]))).toEqual([]);
    await stillAnswers();
  });
});
