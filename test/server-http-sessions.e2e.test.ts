// MCP sessions on the HTTP transport: a 2025-era client that sends initialize gets an
// Mcp-Session-Id and keeps one server for its calls; a session belongs to its token, ends on
// DELETE or after http.sessions.idleSeconds idle, and a token over http.sessions.maxPerToken
// loses its least recently used one. Clients that never initialize stay stateless.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startHttpServer, type HttpServer } from './helpers/mcp.js';

const ALICE = 'a'.repeat(40);
const BOB = 'b'.repeat(40);
const CAPPED = 'c'.repeat(40);
let srv: HttpServer;
let idleSrv: HttpServer;
let jsonSrv: HttpServer;

beforeAll(async () => {
  const tokens = [
    { name: 'alice', token: ALICE, scopes: ['read'] },
    { name: 'bob', token: BOB, scopes: ['read'] },
    { name: 'capped', token: CAPPED, scopes: ['read'] },
  ];
  [srv, idleSrv, jsonSrv] = await Promise.all([
    startHttpServer({ tokens, http: { metricsToken: 'm'.repeat(32), sessions: { maxPerToken: 2, idleSeconds: 600 } } }),
    startHttpServer({ tokens, http: { sessions: { maxPerToken: 8, idleSeconds: 1 } } }),
    startHttpServer({ tokens, http: { sessions: { jsonResponses: true } } }),
  ]);
});
afterAll(async () => { await Promise.all([srv?.close(), idleSrv?.close(), jsonSrv?.close()]); });

const sessionOf = (c: Client) => (c.transport as StreamableHTTPClientTransport | undefined)?.sessionId;
const rawCall = (s: HttpServer, token: string, sessionId?: string) => fetch(s.url, {
  method: 'POST',
  headers: {
    'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`,
    'mcp-protocol-version': '2025-06-18', ...(sessionId && { 'mcp-session-id': sessionId }),
  },
  body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'host_capabilities', arguments: {} } }),
});
const openSessions = async () => {
  const text = await (await fetch(srv.url.replace('/mcp', '/metrics'), { headers: { authorization: `Bearer ${'m'.repeat(32)}` } })).text();
  return Number(/^schedcp_mcp_sessions_open (\d+)$/m.exec(text)?.[1]);
};

describe('MCP sessions over HTTP', () => {
  it('gives an initializing client a session id and serves its calls on it', async () => {
    const before = await openSessions();
    const client = await srv.connect(ALICE);
    const id = sessionOf(client);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    for (let i = 0; i < 3; i++) expect((await client.callTool({ name: 'host_capabilities', arguments: {} })).isError).toBeFalsy();
    expect(sessionOf(client)).toBe(id);
    expect(await openSessions()).toBe(before + 1);
    const res = await rawCall(srv, ALICE, id);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('"structuredContent"');
  });

  it('answers a session in one JSON body with http.sessions.jsonResponses, dropping progress (SSE by default)', async () => {
    const sse = await rawCall(srv, ALICE, sessionOf(await srv.connect(ALICE)));
    expect(sse.headers.get('content-type')).toBe('text/event-stream');
    await sse.body?.cancel();
    const client = await jsonSrv.connect(ALICE);
    const res = await rawCall(jsonSrv, ALICE, sessionOf(client));
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(((await res.json()) as { result: { structuredContent?: unknown } }).result.structuredContent).toBeDefined();
    // the trade: a tool that reports progress still answers, but its notifications have no stream
    const progress = { sse: 0, json: 0 };
    const probe = (c: Client, arm: keyof typeof progress) => c.callTool({ name: 'run_probe', arguments: { name: 'cswitch', duration_s: 1.2 } }, { onprogress: () => { progress[arm]++; } });
    const [viaSse, viaJson] = await Promise.all([probe(await srv.connect(BOB), 'sse'), probe(client, 'json')]);
    expect(viaSse.isError).toBeFalsy();
    expect(viaJson.isError).toBeFalsy();
    expect((viaJson.structuredContent as { probe: string }).probe).toBe('cswitch');
    expect(progress.sse).toBeGreaterThan(0);
    expect(progress.json).toBe(0);
  });

  it('refuses a session id presented with another token (404, the same as an unknown id)', async () => {
    const alice = await srv.connect(ALICE);
    const res = await rawCall(srv, BOB, sessionOf(alice));
    expect(res.status).toBe(404);
    const body = await res.json() as { error: { message: string } };
    expect(body.error.message).toMatch(/Session not found: ".*" \(closed, idle for more than 600 s, or opened with another token\)\. Send initialize/);
    // The owner's session is untouched.
    expect((await alice.callTool({ name: 'host_capabilities', arguments: {} })).isError).toBeFalsy();
    const unknown = await rawCall(srv, ALICE, 'not-a-session');
    expect(unknown.status).toBe(404);
  });

  it('ends the session on DELETE', async () => {
    const client = await srv.connect(BOB);
    const id = sessionOf(client)!;
    await (client.transport as StreamableHTTPClientTransport).terminateSession();
    expect((await rawCall(srv, BOB, id)).status).toBe(404);
  });

  it('closes the least recently used session of a token that opens more than maxPerToken', async () => {
    const first = await srv.connect(CAPPED);
    const second = await srv.connect(CAPPED);
    await second.callTool({ name: 'host_capabilities', arguments: {} });
    const third = await srv.connect(CAPPED);
    expect((await rawCall(srv, CAPPED, sessionOf(first))).status).toBe(404);
    expect((await rawCall(srv, CAPPED, sessionOf(second))).status).toBe(200);
    expect((await rawCall(srv, CAPPED, sessionOf(third))).status).toBe(200);
    // Another token's sessions are not counted against this one.
    expect((await rawCall(srv, ALICE, sessionOf(await srv.connect(ALICE)))).status).toBe(200);
  });

  it('closes a session idle for longer than idleSeconds (one with no open request or stream)', async () => {
    // A raw initialize: the SDK client also holds a GET stream open, and a session with an open stream is not idle.
    const init = await fetch(idleSrv.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${ALICE}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } }),
    });
    await init.text();
    const id = init.headers.get('mcp-session-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await rawCall(idleSrv, ALICE, id)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2600));
    expect((await rawCall(idleSrv, ALICE, id)).status).toBe(404);
  });

  it('still answers a client that never initializes, without a session', async () => {
    const res = await rawCall(srv, ALICE);
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    expect(await res.text()).toContain('"structuredContent"');
  });
});
