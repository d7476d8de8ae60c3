// Streamable HTTP transport. In front of the SDK handler, in this order: Host and Origin checks
// (DNS rebinding → 403), bearer auth (401), body size (413), scope per tool (403), rate limit (429).
// /api/v1 (REST, src/rest) and /metrics (src/metrics) pass the same Host/Origin checks and HttpGate.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createMcpHandler, localhostAllowedHostnames, validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { App } from '../app.js';
import type { Scope } from '../config/index.js';
import { findTool } from '../tools/index.js';
import { createMcpServer } from './create-server.js';
import { McpSessions } from './http-sessions.js';
import { classifyBody } from './http-classify.js';
import { BodyTooLarge, HttpGate, readBody, type Reply } from './http-gate.js';
import { API_PREFIX, handleRest, restReply } from '../rest/router.js';
import { DOCS_PATH, serveApiDocs } from '../rest/docs.js';
import { CONSOLE_PATH, serveConsole } from '../console/serve.js';
import { registerSessionGauge, registerStateGauges, registry } from '../metrics/index.js';
import type { TokenEntry } from './http-auth.js';

export interface HttpServerHandle {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

type AuthedRequest = IncomingMessage & { auth?: { token: string; clientId: string; scopes: string[] } };

function sendJson(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

const mcpReply: Reply = (res, status, _code, message, headers) => sendJson(res, status, message, headers);

export function allowedHostnames(app: App, bindHost: string): string[] {
  const names = [...localhostAllowedHostnames(), ...app.config.http.allowedHosts];
  if (!['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::'].includes(bindHost)) names.push(bindHost);
  return names;
}

export async function startHttpServer(app: App, options: { host: string; port: number; tokens: TokenEntry[] }): Promise<HttpServerHandle> {
  const gate = new HttpGate(app, options.tokens);
  registerStateGauges(app);
  const metricsToken = app.config.http.metricsToken;
  const metricsPrincipal = metricsToken ? new HttpGate(app, [{ name: 'metrics', token: metricsToken, scopes: [] }]).store : undefined;
  const hosts = allowedHostnames(app, options.host);
  const origins = [...localhostAllowedHostnames(), ...app.config.http.allowedOrigins];
  const maxBody = app.config.http.maxBodyBytes;

  const mcp = createMcpHandler(({ authInfo }) => {
    const scopes = new Set((authInfo?.scopes ?? []) as Scope[]);
    return createMcpServer(app, { id: authInfo?.clientId ?? 'unknown', transport: 'http', scopes });
  }, { maxRequestBodySize: maxBody, onerror: (e) => app.logger.log('warning', 'mcp http error', { error: e.message }) });
  const handle = toNodeHandler(mcp, { maxRequestBodySize: maxBody });
  const sessions = new McpSessions(app.config.http.sessions,
    (owner) => createMcpServer(app, { id: owner.name, transport: 'http', scopes: owner.scopes }),
    (e) => app.logger.log('warning', 'mcp session error', { error: e.message }));
  registerSessionGauge(() => sessions.size);

  const server = http.createServer(async (req: AuthedRequest, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://placeholder');
      const host = validateHostHeader(req.headers.host, hosts);
      if (!host.ok) return sendJson(res, 403, `Forbidden: ${host.message}. Allowed Host names: ${hosts.join(', ')} (config http.allowedHosts).`);
      const origin = validateOriginHeader(req.headers.origin, origins);
      if (!origin.ok) return sendJson(res, 403, `Forbidden: ${origin.message}. Allowed origins: ${origins.join(', ')} (config http.allowedOrigins).`);
      if (url.pathname === '/healthz') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); return; }
      // Browser pages hold no data (they call /api/v1 with the operator's token): no auth, same Host/Origin checks.
      if (url.pathname === CONSOLE_PATH || url.pathname.startsWith(`${CONSOLE_PATH}/`)) return serveConsole(req, res, url);
      if (url.pathname === DOCS_PATH || url.pathname.startsWith(`${DOCS_PATH}/`)) return serveApiDocs(req, res, url);
      if (url.pathname.startsWith(API_PREFIX)) return await handleRest(app, gate, req, res, url);
      if (url.pathname === '/metrics') {
        // Scrapers hold a static token: the metrics token, or any token with scope "read".
        const auth = gate.authenticate(req, res, 'metrics', restReply, (t) => metricsPrincipal?.authenticate(t) && { name: 'metrics', scopes: new Set(['read' as const]) });
        if (!auth || !gate.charge(res, 'metrics', restReply, auth.principal, ['read'], [])) return;
        if (!gate.checkScopes(res, 'metrics', restReply, auth.principal, ['read'], [])) return;
        res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
        res.end(await registry.metrics());
        return;
      }
      if (url.pathname !== '/mcp') return sendJson(res, 404, `Not found: ${url.pathname}. The MCP endpoint is /mcp; REST is under ${API_PREFIX} (${API_PREFIX}openapi.json).`);

      const auth = gate.authenticate(req, res, 'mcp', mcpReply);
      if (!auth) return;
      const { principal, token } = auth;

      let parsed: unknown;
      if (req.method === 'POST') {
        let raw: Buffer;
        try { raw = await readBody(req, maxBody); } catch (error) {
          if (error instanceof BodyTooLarge) return sendJson(res, 413, `Payload too large: the limit is ${maxBody} bytes (config http.maxBodyBytes).`, { connection: 'close' });
          throw error;
        }
        try { parsed = JSON.parse(raw.toString('utf8')); } catch {
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32700, message: 'Parse error: the body is not valid JSON.' }, id: null }));
          return;
        }
        const needs = classifyBody(parsed, (name) => findTool(name)?.scope);
        if (!gate.checkScopes(res, 'mcp', mcpReply, principal, needs.scopes, needs.tools)) return;
        if (!gate.charge(res, 'mcp', mcpReply, principal, needs.classes, needs.tools)) return;
      }
      req.auth = { token, clientId: principal.name, scopes: [...principal.scopes] };
      if (await sessions.handle(req, res, parsed, principal)) return;
      await handle(req, res, parsed);
    } catch (error) {
      app.logger.log('error', 'http request failed', { error: (error as Error).message });
      if (!res.headersSent) sendJson(res, 500, 'Internal server error.');
      else res.end();
    }
  });
  server.requestTimeout = 0; // long tools (verify, benchmarks) stream progress for minutes
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server, port,
    async close() {
      await sessions.closeAll();
      await mcp.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
