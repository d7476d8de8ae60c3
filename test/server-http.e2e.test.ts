// The built server over Streamable HTTP on a loopback port: auth, scopes, DNS-rebinding checks,
// rate limits and the body limit, each answered with its own status and audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startHttpServer, type HttpServer } from './helpers/mcp.js';

const READER = 'r'.repeat(40);
const VERIFIER = 'v'.repeat(40);
const FLOODER = 'f'.repeat(40);
let srv: HttpServer;

beforeAll(async () => {
  srv = await startHttpServer({
    tokens: [
      { name: 'reader', token: READER, scopes: ['read'] },
      { name: 'verifier', token: VERIFIER, scopes: ['verify'] },
      { name: 'flooder', token: FLOODER, scopes: ['read'] },
    ],
    http: { maxBodyBytes: 4096, rateLimits: { read: { perMinute: 6, burst: 20 }, verify: { perMinute: 1, burst: 2 }, deploy: { perMinute: 1, burst: 1 }, tune: { perMinute: 1, burst: 1 } } },
  });
});
afterAll(async () => { await srv?.close(); });

const call = (name: string, args: object = {}, id = 1) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
const post = (body: string, headers: Record<string, string> = {}) => fetch(srv.url, {
  method: 'POST', body,
  headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
});
const auditRows = () => {
  const db = new Database(join(srv.env.dataDir, 'schedcp.db'), { readonly: true });
  try { return db.prepare('SELECT caller, tool, outcome, error_code FROM audit_log ORDER BY id').all() as Array<{ caller: string; tool: string; outcome: string; error_code: string }>; } finally { db.close(); }
};

describe('HTTP transport', () => {
  it('serves a real client with a valid token', async () => {
    const client = await srv.connect(READER);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('host_capabilities');
    const r = await client.callTool({ name: 'host_capabilities', arguments: { only_missing: true } });
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { capabilities: Array<{ available: boolean }> }).capabilities.every((c) => !c.available)).toBe(true);
  });

  it('401 without a token or with a wrong one', async () => {
    const none = await post(call('host_capabilities'));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await post(call('host_capabilities'), { authorization: `Bearer ${'x'.repeat(40)}` });
    expect(wrong.status).toBe(401);
    expect((await wrong.json() as { error: { message: string } }).error.message).toMatch(/unknown bearer token/);
  });

  it('403 when the token lacks the tool scope, naming the scope', async () => {
    const r = await post(call('host_capabilities'), { authorization: `Bearer ${VERIFIER}` });
    expect(r.status).toBe(403);
    expect((await r.json() as { error: { message: string } }).error.message).toMatch(/needs scope "read".*\[verify\]/);
    expect(auditRows()).toContainEqual({ caller: 'verifier', tool: 'host_capabilities', outcome: 'denied', error_code: 'insufficient_scope' });
  });

  it('403 for a foreign Origin or Host (DNS rebinding)', async () => {
    const origin = await post(call('host_capabilities'), { authorization: `Bearer ${READER}`, origin: 'http://evil.example' });
    expect(origin.status).toBe(403);
    expect((await origin.json() as { error: { message: string } }).error.message).toMatch(/Origin/);
    // fetch cannot forge Host, so this one goes through node:http as a rebinding page's request would arrive.
    const { request } = await import('node:http');
    const host = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: srv.port, path: '/mcp', method: 'POST', headers: { host: `evil.example:${srv.port}`, authorization: `Bearer ${READER}`, 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(call('host_capabilities'));
    });
    expect(host.status).toBe(403);
    expect(host.body).toMatch(/Invalid Host: evil\.example/);
  });

  it('413 for a body over the limit, before parsing it', async () => {
    const r = await post(call('audit_log', { tool: 'x'.repeat(8000) }), { authorization: `Bearer ${READER}` });
    expect(r.status).toBe(413);
    expect((await r.json() as { error: { message: string } }).error.message).toMatch(/4096 bytes/);
  });

  it('429 with Retry-After when a client floods a tool class, and other clients are unaffected', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 22; i++) {
      const r = await post(call('audit_log', {}, i), { authorization: `Bearer ${FLOODER}` });
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
      await r.body?.cancel();
    }
    expect(statuses.slice(0, 20).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(auditRows().filter((row) => row.outcome === 'rate_limited').length).toBeGreaterThanOrEqual(2);
    const other = await post(call('host_capabilities'), { authorization: `Bearer ${READER}` });
    expect(other.status).not.toBe(429);
  });

  it('rate limits unauthenticated requests too, so bad tokens cannot grow the audit log without bound', async () => {
    const before = auditRows().filter((r) => r.error_code === 'unauthenticated').length;
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await post(call('host_capabilities', {}, i), { authorization: `Bearer ${'z'.repeat(40)}` });
      statuses.push(r.status);
      await r.body?.cancel();
    }
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
    expect(statuses.slice(-2)).toEqual([429, 429]);
    const added = auditRows().filter((r) => r.error_code === 'unauthenticated').length - before;
    expect(added).toBe(statuses.filter((s) => s === 401).length);
  });

  it('400 for a body that is not JSON', async () => {
    const r = await post('{"jsonrpc":', { authorization: `Bearer ${READER}` });
    expect(r.status).toBe(400);
  });
});

describe('HTTP without configured tokens', () => {
  it('generates a 0600 token on first start and prints how to attach', async () => {
    const s = await startHttpServer();
    try {
      const path = join(s.env.dataDir, 'http-token');
      expect(existsSync(path)).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(s.stderr()).toMatch(/claude mcp add --transport http schedcp/);
      expect(s.stderr()).toMatch(/mcpServers/);
      const { readFileSync } = await import('node:fs');
      const client = await s.connect(readFileSync(path, 'utf8').trim());
      expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });
});

describe('HTTP server that fails to start', () => {
  it('exits with the config error and leaves no temp dir behind', async () => {
    const { readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const ours = () => readdirSync(tmpdir()).filter((d) => d.startsWith('schedcp-test-')).sort();
    const before = ours();
    await expect(startHttpServer({ http: { port: 'eighty' } })).rejects.toThrow(/Invalid config key "http\.port"/);
    expect(ours()).toEqual(before);
  });
});
