// The checks every authenticated HTTP front door shares (/mcp, /api/v1, /metrics): bearer auth with
// a per-address budget for unauthenticated callers, scope, rate limit per class, and an audit row
// and a metric for every refusal. Each front door only chooses how an error body looks.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import type { Scope } from '../config/index.js';
import { httpDenials } from '../metrics/index.js';
import { bearerToken, TokenStore, type Principal, type TokenEntry } from './http-auth.js';
import { RateLimiter } from './rate-limit.js';

export type Front = 'mcp' | 'rest' | 'metrics';
export type Reply = (res: ServerResponse, status: number, code: string, message: string, headers?: Record<string, string>) => void;

export class BodyTooLarge extends Error {}

const DRAIN_LIMIT = 64 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  // An oversized body is read to its end (up to DRAIN_LIMIT) before the 413: replying while the client
  // is still sending resets the connection, and the client sees 'fetch failed' instead of the 413.
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > DRAIN_LIMIT) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > DRAIN_LIMIT) throw new BodyTooLarge();
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit) throw new BodyTooLarge();
  return Buffer.concat(chunks);
}

export class HttpGate {
  readonly store: TokenStore;
  readonly limiter: RateLimiter;

  constructor(private readonly app: App, tokens: readonly TokenEntry[]) {
    this.store = new TokenStore(tokens);
    this.limiter = new RateLimiter(app.config.http.rateLimits);
  }

  private transportOf(front: Front): 'http' | 'rest' { return front === 'rest' ? 'rest' : 'http'; }

  deny(front: Front, principal: Principal | undefined, tools: string[], outcome: 'denied' | 'rate_limited', code: string): void {
    httpDenials.inc({ reason: code, front });
    for (const tool of tools.length ? tools : [front === 'metrics' ? '(metrics)' : '(protocol)']) {
      this.app.audit.record({ caller: principal?.name ?? 'anonymous', transport: this.transportOf(front), tool, arguments: {}, outcome, errorCode: code, durationMs: 0, readOnly: false });
    }
  }

  /** The caller's principal, or undefined after answering 401 (or 429 for a flood of bad tokens). */
  authenticate(req: IncomingMessage, res: ServerResponse, front: Front, reply: Reply, extra?: (token: string) => Principal | undefined): { principal: Principal; token: string } | undefined {
    const token = bearerToken(req.headers.authorization);
    const principal = token ? this.store.authenticate(token) ?? extra?.(token) : undefined;
    if (principal) return { principal, token: token! };
    // Unauthenticated callers share the "read" budget per address, so a flood of bad tokens is
    // answered 429 and cannot grow the audit log without bound.
    const decision = this.limiter.take(`unauthenticated@${req.socket.remoteAddress ?? '?'}`, 'read', Date.now());
    if (!decision.allowed) {
      httpDenials.inc({ reason: 'rate_limit_unauthenticated', front });
      reply(res, 429, 'limit_exceeded', `Too many unauthenticated requests; retry after ${decision.retryAfterSeconds} s.`, { 'retry-after': String(decision.retryAfterSeconds) });
      return undefined;
    }
    this.deny(front, undefined, [], 'denied', 'unauthenticated');
    reply(res, 401, 'unauthenticated', token ? 'Unauthorized: unknown bearer token.' : 'Unauthorized: send "Authorization: Bearer <token>".', { 'www-authenticate': 'Bearer realm="schedcp"' });
    return undefined;
  }

  /** True when the principal holds every scope; otherwise answers 403 naming the missing one. */
  checkScopes(res: ServerResponse, front: Front, reply: Reply, principal: Principal, scopes: Scope[], tools: string[]): boolean {
    const missing = scopes.filter((s) => !principal.scopes.has(s));
    if (missing.length === 0) return true;
    this.deny(front, principal, tools, 'denied', 'insufficient_scope');
    reply(res, 403, 'permission_denied', `Forbidden: ${tools.length ? `tool ${tools.join(', ')} needs` : 'this request needs'} scope "${missing[0]}"; token "${principal.name}" has [${[...principal.scopes].join(', ')}].`,
      { 'www-authenticate': `Bearer error="insufficient_scope", scope="${missing.join(' ')}"` });
    return false;
  }

  /** True when every class has budget; otherwise answers 429 with Retry-After. */
  charge(res: ServerResponse, front: Front, reply: Reply, principal: Principal, classes: Scope[], tools: string[]): boolean {
    const now = Date.now();
    for (const cls of classes) {
      const decision = this.limiter.take(principal.name, cls, now);
      if (decision.allowed) continue;
      this.deny(front, principal, tools, 'rate_limited', `rate_limit_${cls}`);
      const limit = this.app.config.http.rateLimits[cls];
      reply(res, 429, 'limit_exceeded', `Too many requests: rate limit for "${cls}" tools (${limit.perMinute}/min, burst ${limit.burst}) exceeded; retry after ${decision.retryAfterSeconds} s.`, { 'retry-after': String(decision.retryAfterSeconds) });
      return false;
    }
    return true;
  }
}
