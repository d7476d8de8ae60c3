// Sessionful Streamable HTTP for 2025-era clients (the handshake Claude Desktop, Claude Code and the
// SDK client use): `initialize` opens a session with its own McpServer and transport, later requests
// carry Mcp-Session-Id and reuse them. Building a server with every tool per request was ~1/3 of a
// call's CPU. Requests without a session (modern per-request envelope, or a legacy client that never
// initialized) fall through to the stateless handler.
// A session belongs to the token that opened it; idle sessions close after http.sessions.idleSeconds;
// a token holding http.sessions.maxPerToken sessions loses its least recently used one.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/server';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import type { Scope } from '../config/index.js';

export interface SessionLimits {
  maxPerToken: number;
  idleSeconds: number;
  /** One JSON body per response instead of an SSE stream (no progress or log notifications). */
  jsonResponses?: boolean;
}

interface Session {
  id: string;
  owner: string;
  server: McpServer;
  transport: NodeStreamableHTTPServerTransport;
  lastUsed: number;
  /** Requests and SSE streams still open: a session serving one is never idle. */
  open: number;
}

/** Who opened the session: its token's name and scopes (token names are unique). */
export interface SessionOwner { name: string; scopes: ReadonlySet<Scope> }

export type SessionServerFactory = (owner: SessionOwner) => McpServer;

const SESSION_HEADER = 'mcp-session-id';

/** A JSON-RPC `initialize` request (single message; batches are not part of the 2025-06 revision). */
export function isInitializeRequest(body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    && (body as { method?: unknown }).method === 'initialize' && 'id' in body;
}

function sessionNotFound(res: ServerResponse, id: string, idleSeconds: number): void {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({
    jsonrpc: '2.0', id: null,
    error: { code: -32001, message: `Session not found: ${JSON.stringify(id)} (closed, idle for more than ${idleSeconds} s, or opened with another token). Send initialize without an Mcp-Session-Id header to open a new one.` },
  }));
}

export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly limits: SessionLimits, private readonly factory: SessionServerFactory, private readonly onerror: (e: Error) => void = () => undefined) {
    this.sweeper = setInterval(() => this.closeIdle(Date.now()), Math.min(60_000, Math.max(250, limits.idleSeconds * 500)));
    this.sweeper.unref();
  }

  get size(): number { return this.sessions.size; }

  /**
   * Serves the request when it belongs to a session (or opens one); false when the caller should
   * use the stateless handler instead.
   */
  async handle(req: IncomingMessage, res: ServerResponse, parsedBody: unknown, owner: SessionOwner): Promise<boolean> {
    const header = req.headers[SESSION_HEADER];
    const id = Array.isArray(header) ? header[0] : header;
    if (id !== undefined) {
      const session = this.sessions.get(id);
      if (!session || session.owner !== owner.name) { sessionNotFound(res, id, this.limits.idleSeconds); return true; }
      await this.serve(session, req, res, parsedBody);
      return true;
    }
    if (req.method !== 'POST' || !isInitializeRequest(parsedBody)) return false;
    await this.open(req, res, parsedBody, owner);
    return true;
  }

  private async open(req: IncomingMessage, res: ServerResponse, parsedBody: unknown, owner: SessionOwner): Promise<void> {
    const server = this.factory(owner);
    // Filled in (and registered) once the transport has accepted the initialize and minted an id.
    const session = { id: '', owner: owner.name, server, lastUsed: Date.now(), open: 0 } as Session;
    session.transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: this.limits.jsonResponses ?? false,
      onsessioninitialized: (id) => {
        session.id = id;
        this.makeRoom(owner.name);
        this.sessions.set(id, session);
      },
      onsessionclosed: (id) => { this.forget(id); },
    });
    // Set before connect: the protocol layer chains the handlers it finds.
    session.transport.onerror = (e) => this.onerror(e);
    session.transport.onclose = () => { if (this.sessions.get(session.id) === session) this.sessions.delete(session.id); };
    await server.connect(session.transport);
    await this.serve(session, req, res, parsedBody);
    // The initialize was refused (bad params, unsupported version): nothing to keep.
    if (!session.id) await server.close().catch(() => undefined);
  }

  private async serve(session: Session, req: IncomingMessage, res: ServerResponse, parsedBody: unknown): Promise<void> {
    session.open++;
    session.lastUsed = Date.now();
    res.once('close', () => { session.open--; session.lastUsed = Date.now(); });
    await session.transport.handleRequest(req, res, parsedBody);
  }

  /** The owner's oldest session goes when a new one would exceed the per-token limit. */
  private makeRoom(owner: string): void {
    const mine = [...this.sessions.values()].filter((s) => s.owner === owner);
    if (mine.length < this.limits.maxPerToken) return;
    mine.sort((a, b) => a.lastUsed - b.lastUsed);
    for (const s of mine.slice(0, mine.length - this.limits.maxPerToken + 1)) this.close(s);
  }

  private closeIdle(now: number): void {
    for (const s of this.sessions.values()) {
      if (s.open <= 0 && now - s.lastUsed > this.limits.idleSeconds * 1000) this.close(s);
    }
  }

  private forget(id: string): void {
    const s = this.sessions.get(id);
    if (s) this.close(s);
  }

  private close(s: Session): void {
    this.sessions.delete(s.id);
    void s.server.close().catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.server.close().catch(() => undefined)));
  }
}
