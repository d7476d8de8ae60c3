// Streamable HTTP transport. In front of the SDK handler, in this order: Host and Origin checks
// (DNS rebinding → 403), bearer auth (401), body size (413), scope per tool (403), rate limit (429).
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createMcpHandler, localhostAllowedHostnames, validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import type { App } from '../app.js';
import type { Scope } from '../config/index.js';
import { findTool } from '../tools/index.js';
import { createMcpServer } from './create-server.js';
import { bearerToken, TokenStore, type Principal } from './http-auth.js';
import { classifyBody } from './http-classify.js';
import { RateLimiter } from './rate-limit.js';
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

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function allowedHostnames(app: App, bindHost: string): string[] {
  const names = [...localhostAllowedHostnames(), ...app.config.http.allowedHosts];
  if (!['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::'].includes(bindHost)) names.push(bindHost);
  return names;
}

export async function startHttpServer(app: App, options: { host: string; port: number; tokens: TokenEntry[] }): Promise<HttpServerHandle> {
  const store = new TokenStore(options.tokens);
  const limiter = new RateLimiter(app.config.http.rateLimits);
  const hosts = allowedHostnames(app, options.host);
  const origins = [...localhostAllowedHostnames(), ...app.config.http.allowedOrigins];
  const maxBody = app.config.http.maxBodyBytes;

  const mcp = createMcpHandler(({ authInfo }) => {
    const scopes = new Set((authInfo?.scopes ?? []) as Scope[]);
    return createMcpServer(app, { id: authInfo?.clientId ?? 'unknown', transport: 'http', scopes });
  }, { maxRequestBodySize: maxBody, onerror: (e) => app.logger.log('warning', 'mcp http error', { error: e.message }) });
  const handle = toNodeHandler(mcp, { maxRequestBodySize: maxBody });

  const deny = (principal: Principal | undefined, tools: string[], outcome: 'denied' | 'rate_limited', code: string) => {
    for (const tool of tools.length ? tools : ['(protocol)']) {
      app.audit.record({ caller: principal?.name ?? 'anonymous', transport: 'http', tool, arguments: {}, outcome, errorCode: code, durationMs: 0, readOnly: false });
    }
  };

  const server = http.createServer(async (req: AuthedRequest, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://placeholder');
      const host = validateHostHeader(req.headers.host, hosts);
      if (!host.ok) return sendJson(res, 403, `Forbidden: ${host.message}. Allowed Host names: ${hosts.join(', ')} (config http.allowedHosts).`);
      const origin = validateOriginHeader(req.headers.origin, origins);
      if (!origin.ok) return sendJson(res, 403, `Forbidden: ${origin.message}. Allowed origins: ${origins.join(', ')} (config http.allowedOrigins).`);
      if (url.pathname === '/healthz') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"ok":true}'); return; }
      if (url.pathname !== '/mcp') return sendJson(res, 404, `Not found: ${url.pathname}. The MCP endpoint is /mcp.`);

      const token = bearerToken(req.headers.authorization);
      const principal = token ? store.authenticate(token) : undefined;
      if (!principal) {
        // Unauthenticated callers share the "read" budget per address, so a flood of bad tokens is
        // answered 429 and cannot grow the audit log without bound.
        const decision = limiter.take(`unauthenticated@${req.socket.remoteAddress ?? '?'}`, 'read', Date.now());
        if (!decision.allowed) return sendJson(res, 429, `Too many unauthenticated requests; retry after ${decision.retryAfterSeconds} s.`, { 'retry-after': String(decision.retryAfterSeconds) });
        deny(undefined, [], 'denied', 'unauthenticated');
        return sendJson(res, 401, token ? 'Unauthorized: unknown bearer token.' : 'Unauthorized: send "Authorization: Bearer <token>".', { 'www-authenticate': 'Bearer realm="schedcp"' });
      }

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
        const missing = needs.scopes.filter((s) => !principal.scopes.has(s));
        if (missing.length > 0) {
          deny(principal, needs.tools, 'denied', 'insufficient_scope');
          return sendJson(res, 403, `Forbidden: ${needs.tools.length ? `tool ${needs.tools.join(', ')} needs` : 'this request needs'} scope "${missing[0]}"; token "${principal.name}" has [${[...principal.scopes].join(', ')}].`,
            { 'www-authenticate': `Bearer error="insufficient_scope", scope="${missing.join(' ')}"` });
        }
        const now = Date.now();
        for (const cls of needs.classes) {
          const decision = limiter.take(principal.name, cls, now);
          if (!decision.allowed) {
            deny(principal, needs.tools, 'rate_limited', `rate_limit_${cls}`);
            return sendJson(res, 429, `Too many requests: rate limit for "${cls}" tools (${app.config.http.rateLimits[cls].perMinute}/min, burst ${app.config.http.rateLimits[cls].burst}) exceeded; retry after ${decision.retryAfterSeconds} s.`, { 'retry-after': String(decision.retryAfterSeconds) });
          }
        }
      }
      req.auth = { token: token!, clientId: principal.name, scopes: [...principal.scopes] };
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
      await mcp.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
