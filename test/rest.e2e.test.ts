// REST and /metrics on the built server: generated routes, the same gate and tool path as MCP,
// the OpenAPI document validated and equal to tools/list, and Prometheus counters of these calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startHttpServer, type HttpServer } from './helpers/mcp.js';

const ADMIN = 'a'.repeat(40);
const READER = 'r'.repeat(40);
const VERIFIER = 'v'.repeat(40);
let srv: HttpServer;
let base: string;

beforeAll(async () => {
  srv = await startHttpServer({
    tokens: [
      { name: 'admin', token: ADMIN, scopes: ['read', 'verify', 'tune', 'deploy'] },
      { name: 'reader', token: READER, scopes: ['read'] },
      { name: 'verifier', token: VERIFIER, scopes: ['verify'] },
    ],
    http: { maxBodyBytes: 4096 },
  });
  base = srv.url.replace(/\/mcp$/, '');
});
afterAll(async () => { await srv?.close(); });

const rest = (path: string, init: RequestInit & { token?: string } = {}) => fetch(`${base}${path}`, {
  ...init, headers: { 'content-type': 'application/json', ...(init.token && { authorization: `Bearer ${init.token}` }), ...(init.headers as Record<string, string> | undefined) },
});

describe('REST front door', () => {
  it('answers a read-only tool by GET and POST with the MCP structuredContent shape', async () => {
    const client = await srv.connect(READER);
    const mcp = await client.callTool({ name: 'host_capabilities', arguments: { only_missing: true } });
    const get = await rest('/api/v1/host_capabilities?only_missing=true', { token: READER });
    expect(get.status).toBe(200);
    expect(get.headers.get('cache-control')).toBe('no-store');
    const body = await get.json() as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(Object.keys(mcp.structuredContent as object).sort());
    const post = await rest('/api/v1/audit_log', { method: 'POST', token: READER, body: JSON.stringify({ limit: 5, caller: 'reader' }) });
    expect(post.status).toBe(200);
    expect(Array.isArray((await post.json() as { rows: unknown[] }).rows)).toBe(true);
    await client.close();
  });

  it('400 with the bad field path for schema errors and unknown fields', async () => {
    const r = await rest('/api/v1/audit_log', { method: 'POST', token: READER, body: JSON.stringify({ limit: 'many' }) });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ code: 'invalid_argument', path: 'limit' });
    const u = await rest('/api/v1/audit_log', { method: 'POST', token: READER, body: JSON.stringify({ bogus: 1 }) });
    expect(u.status).toBe(400);
    expect((await u.json() as { message: string }).message).toMatch(/bogus/);
  });

  it('401 with WWW-Authenticate, 403 for scope, 405 for GET on a mutating tool, 413, 404, and SchedcpError codes map to statuses', async () => {
    const none = await rest('/api/v1/host_capabilities');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const scope = await rest('/api/v1/host_capabilities', { method: 'POST', token: VERIFIER, body: '{}' });
    expect(scope.status).toBe(403);
    expect(await scope.json()).toMatchObject({ code: 'permission_denied' });
    expect((await rest('/api/v1/verify_policy', { token: ADMIN })).status).toBe(405);
    const big = await rest('/api/v1/audit_log', { method: 'POST', token: READER, body: JSON.stringify({ tool: 'x'.repeat(8000) }) });
    expect(big.status).toBe(413);
    expect((await rest('/api/v1/no_such_tool', { method: 'POST', token: READER, body: '{}' })).status).toBe(404);
    const missing = await rest('/api/v1/get_verification', { method: 'POST', token: READER, body: JSON.stringify({ id: 999999 }) });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'not_found' });
  });

  it('writes audit rows with transport rest', async () => {
    await rest('/api/v1/host_capabilities', { method: 'POST', token: VERIFIER, body: '{}' }).then((r) => r.body?.cancel());
    const r = await rest('/api/v1/audit_log?caller=verifier&outcome=denied&limit=50', { token: ADMIN });
    const rows = (await r.json() as { rows: Array<{ transport: string; tool: string }> }).rows;
    expect(rows).toContainEqual(expect.objectContaining({ transport: 'rest', tool: 'host_capabilities' }));
  });
});

describe('OpenAPI', () => {
  it('validates as OpenAPI 3.1 and its schemas equal tools/list', async () => {
    const doc = await (await rest('/api/v1/openapi.json')).json() as { openapi: string; paths: Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> }; responses: Record<string, { content?: Record<string, { schema: unknown }> }> } }> };
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    const client = await srv.connect(READER);
    const { tools } = await client.listTools();
    expect(Object.keys(doc.paths).sort()).toEqual(tools.map((t) => `/api/v1/${t.name}`).sort());
    for (const t of tools) {
      const op = doc.paths[`/api/v1/${t.name}`]!.post;
      expect(op.requestBody.content['application/json']!.schema).toEqual(t.inputSchema);
      expect(op.responses['200']!.content!['application/json']!.schema).toEqual(t.outputSchema);
    }
    await client.close();
  });
});

describe('/metrics', () => {
  it('needs a token and counts the calls this test made in Prometheus text format', async () => {
    expect((await rest('/metrics')).status).toBe(401);
    expect((await rest('/metrics', { token: VERIFIER })).status).toBe(403);
    for (let i = 0; i < 3; i++) await rest('/api/v1/list_probes', { token: READER }).then((r) => r.body?.cancel());
    const r = await rest('/metrics', { token: READER });
    expect(r.status).toBe(200);
    const text = await r.text();
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eEInfNa]+$/);
    expect(text).toMatch(/^schedcp_tool_calls_total\{tool="list_probes",transport="rest",outcome="ok"\} 3$/m);
    expect(text).toMatch(/^schedcp_http_denials_total\{reason="unauthenticated",front="metrics"\} 1$/m);
  });
});
