// REST over the whole tool registry (one server): every tool answers bad input with 400
// {code, message, path} and an audit row with transport "rest"; every read-only tool that needs no
// input returns over REST the structuredContent it returns over MCP; a long call can be followed as
// server-sent events; a flood gets 429 with Retry-After and an audited refusal; the browser pages
// (/console, /api/docs) pass the Host check and carry their CSP and cache headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from './helpers/mcp.js';
import { tools } from '../src/tools/index.js';

const ADMIN = 'a'.repeat(40);
const FLOOD = 'f'.repeat(40);
let srv: HttpServer;
let base: string;

beforeAll(async () => {
  srv = await startHttpServer({
    tokens: [
      { name: 'admin', token: ADMIN, scopes: ['read', 'verify', 'deploy', 'tune', 'approve'] },
      { name: 'flood', token: FLOOD, scopes: ['read', 'verify'] },
    ],
    repository: { embedding: 'hashing' },
    http: { rateLimits: { read: { perMinute: 600, burst: 200 }, verify: { perMinute: 1, burst: 10 }, deploy: { perMinute: 60, burst: 20 }, tune: { perMinute: 60, burst: 20 }, approve: { perMinute: 60, burst: 20 } } },
  });
  base = srv.url.replace(/\/mcp$/, '');
}, 60_000);
afterAll(async () => { await srv?.close(); });

const post = (tool: string, body: unknown, token = ADMIN, headers: Record<string, string> = {}) => fetch(`${base}/api/v1/${tool}`, {
  method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(body),
});

describe('every tool in the registry over REST', () => {
  it.each(tools.map((t) => [t.name, t.scope] as const))('%s (scope %s): unknown field → 400 {code, message, path} and an audit row with transport rest', async (name) => {
    const r = await post(name, { __bogus_field: 1 });
    expect(r.status).toBe(400);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const body = await r.json() as { code: string; message: string; path: string };
    expect(body).toMatchObject({ code: 'invalid_argument', path: expect.any(String) });
    expect(body.message).toMatch(/__bogus_field|invalid argument/);
    const audit = await (await fetch(`${base}/api/v1/audit_log?caller=admin&tool=${name}&outcome=error&limit=5`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as { rows: Array<{ transport: string; errorCode: string; args: Record<string, unknown> }> };
    expect(audit.rows[0]).toMatchObject({ transport: 'rest', errorCode: 'invalid_argument', args: { __bogus_field: 1 } });
  });
});

// Read-only tools that take no required input: the same call over MCP and over REST.
const READ_ONLY_NO_INPUT = tools.filter((t) => t.annotations.readOnlyHint && t.input.safeParse({}).success);
// Answers move between two calls (a sampler window, the observed top task, list lengths), so the
// two results are held to the tool's output schema and compared by their top-level fields.
const fields = (v: unknown) => Object.keys(v as Record<string, unknown>).sort();

describe('the same result over REST as over MCP', () => {
  it('covers a real share of the registry', () => {
    expect(READ_ONLY_NO_INPUT.length).toBeGreaterThanOrEqual(10);
  });

  it.each(READ_ONLY_NO_INPUT.map((t) => [t.name] as const))('%s: REST returns the structuredContent MCP returns, valid against the tool\'s output schema', async (name) => {
    const client = await srv.connect(ADMIN);
    try {
      const viaMcp = await client.callTool({ name, arguments: {} });
      const r = await post(name, {});
      const viaRest = await r.json() as Record<string, unknown>;
      if (viaMcp.isError) {
        // An error over MCP (e.g. a facility missing on this host) is the same error over REST.
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect((viaMcp.content as Array<{ text: string }>)[0]!.text).toContain(String(viaRest.code));
        return;
      }
      expect(r.status).toBe(200);
      const spec = tools.find((t) => t.name === name)!;
      expect(spec.output.safeParse(viaRest).success).toBe(true);
      expect(spec.output.safeParse(viaMcp.structuredContent).success).toBe(true);
      expect(fields(viaRest)).toEqual(fields(viaMcp.structuredContent));
    } finally {
      await client.close();
    }
  });
});

describe('server-sent events', () => {
  it('streams the result of a call, and an error with its HTTP status, when the client asks for text/event-stream', async () => {
    const ok = await post('list_probes', {}, ADMIN, { accept: 'text/event-stream' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await ok.text();
    const result = /event: result\ndata: (.*)\n\n/.exec(text);
    expect(result).not.toBeNull();
    expect(JSON.parse(result![1]!)).toMatchObject({ probes: expect.any(Array) });

    const missing = await post('get_verification', { id: 999_999 }, ADMIN, { accept: 'text/event-stream' });
    const err = /event: error\ndata: (.*)\n\n/.exec(await missing.text());
    expect(JSON.parse(err![1]!)).toMatchObject({ code: 'not_found', status: 404 });
  });
});

describe('rate limit', () => {
  it('answers a flood of one class with 429, Retry-After and an audited refusal; other classes keep working', async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const r = await post('approve_policy', { name: 'sjf_batch', action: 'promote_policy', reason: '' }, FLOOD);
      statuses.push(r.status);
      if (r.status === 429) { retryAfter = r.headers.get('retry-after'); expect(await r.json()).toMatchObject({ code: 'limit_exceeded' }); } else await r.body?.cancel();
    }
    expect(statuses.slice(0, 10).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await post('list_probes', {}, FLOOD)).status).toBe(200);
    const audit = await (await fetch(`${base}/api/v1/audit_log?caller=flood&outcome=rate_limited&limit=10`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as { rows: Array<{ transport: string; tool: string; errorCode: string }> };
    expect(audit.rows).toHaveLength(2);
    expect(audit.rows[0]).toMatchObject({ transport: 'rest', tool: 'approve_policy', errorCode: 'rate_limit_verify' });
  });
});

describe('browser pages', () => {
  it('serve the console and API reference with a strict CSP, immutable hashed assets, and the same Host check', async () => {
    const page = await fetch(`${base}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'; script-src 'self' 'sha256-[A-Za-z0-9+/=]+'; style-src 'self';/);
    expect(csp).not.toMatch(/unsafe|https?:/);
    const html = await page.text();
    expect(html).not.toMatch(/<script>(?!<)/); // the only inline script is the hashed import map
    const app = /src="(\/console\/assets\/[0-9a-f]{12}\/app\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${base}${app}`);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${base}${app.replace('app.js', '../package.json')}`)).status).toBe(404);
    expect((await fetch(`${base}/console/assets/000000000000/app.js`)).status).toBe(404);
    expect((await fetch(`${base}/console/`, { method: 'POST', body: '{}' })).status).toBe(405);
    expect((await fetch(`${base}/console`, { redirect: 'manual' })).headers.get('location')).toBe('/console/');
    expect((await fetch(`${base}/api/docs`)).headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/console/`, { headers: { host: 'evil.example' } }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});
