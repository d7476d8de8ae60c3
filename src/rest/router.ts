// REST front door, generated from the tool registry: POST /api/v1/<tool> with the input as a JSON
// body (GET with query parameters for read-only tools). The same gate as /mcp (auth, scope, rate
// class), the same zod input schema, and the same invokeTool path (audit row with transport "rest",
// metrics). Errors are {code, message} with the status from one table. A client that sends
// `Accept: text/event-stream` gets progress events and then the result on one stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { App } from '../app.js';
import { findTool } from '../tools/index.js';
import { toolInputSchema } from '../server/create-server.js';
import { BodyTooLarge, readBody, type HttpGate, type Reply } from '../server/http-gate.js';
import { MAX_BODY_DEPTH, nestsDeeperThan } from './json-depth.js';
import { invokeTool, type ToolIo } from '../server/invoke.js';
import type { AnyToolSpec } from '../server/tool.js';
import { httpStatusOf } from './status.js';
import { openApiDocument } from './openapi.js';
import { jsonSchemaOf } from './json-schema.js';

export const API_PREFIX = '/api/v1/';
const NO_STORE = { 'cache-control': 'no-store' };

export const restReply: Reply = (res, status, code, message, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...NO_STORE, ...headers });
  res.end(JSON.stringify({ code, message }));
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...NO_STORE });
  res.end(JSON.stringify(body));
}

/** Query parameters → arguments, typed by the tool's JSON schema: strings stay strings, the rest is JSON. */
export function argsFromQuery(spec: AnyToolSpec, params: URLSearchParams): Record<string, unknown> {
  const props = (jsonSchemaOf(toolInputSchema(spec), 'input').properties ?? {}) as Record<string, { type?: string; enum?: unknown[]; items?: { type?: string } }>;
  const parse = (raw: string, type: string | undefined) => {
    if (type === 'string') return raw;
    try { return JSON.parse(raw) as unknown; } catch { return raw; }
  };
  const args: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const prop = props[key];
    const values = params.getAll(key);
    if (prop?.type === 'array') args[key] = values.flatMap((v) => v.split(',')).map((v) => parse(v, prop.items?.type));
    else args[key] = parse(values[values.length - 1]!, prop?.type ?? (prop?.enum?.every((e) => typeof e === 'string') ? 'string' : undefined));
  }
  return args;
}

function issueMessage(issues: z.core.$ZodIssue[]): { message: string; path: string } {
  const first = issues[0]!;
  const path = first.path.map(String).join('.') || '(body)';
  const extra = first.code === 'unrecognized_keys' ? ` (${(first as { keys: string[] }).keys.join(', ')})` : '';
  return { path, message: `invalid argument at ${path}: ${first.message}${extra}` };
}

export async function handleRest(app: App, gate: HttpGate, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (url.pathname === `${API_PREFIX}openapi.json`) return sendJson(res, 200, openApiDocument(app));
  const name = url.pathname.slice(API_PREFIX.length);
  const spec = findTool(name);
  if (!spec) return restReply(res, 404, 'not_found', `No tool ${JSON.stringify(name.slice(0, 80))}; the list is at ${API_PREFIX}openapi.json.`);
  if (req.method !== 'POST' && !(req.method === 'GET' && spec.annotations.readOnlyHint)) {
    return restReply(res, 405, 'invalid_argument', `Method ${req.method} not allowed for ${name}: use POST${spec.annotations.readOnlyHint ? ' or GET' : ''}.`,
      { allow: spec.annotations.readOnlyHint ? 'GET, POST' : 'POST' });
  }
  const auth = gate.authenticate(req, res, 'rest', restReply);
  if (!auth) return;
  const { principal } = auth;

  let args: unknown;
  if (req.method === 'GET') args = argsFromQuery(spec, url.searchParams);
  else {
    let raw: Buffer;
    try { raw = await readBody(req, app.config.http.maxBodyBytes); } catch (error) {
      if (error instanceof BodyTooLarge) return restReply(res, 413, 'limit_exceeded', `Payload too large: the limit is ${app.config.http.maxBodyBytes} bytes (config http.maxBodyBytes).`, { connection: 'close' });
      throw error;
    }
    try { args = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8')); } catch {
      return restReply(res, 400, 'invalid_argument', 'The body is not valid JSON.');
    }
    if (nestsDeeperThan(args, MAX_BODY_DEPTH)) {
      return restReply(res, 400, 'invalid_argument', `The body nests objects or arrays deeper than ${MAX_BODY_DEPTH} levels; no tool input is nearly that deep.`);
    }
  }
  if (!gate.checkScopes(res, 'rest', restReply, principal, [spec.scope], [spec.name])) return;
  if (!gate.charge(res, 'rest', restReply, principal, [spec.scope], [spec.name])) return;

  const parsed = toolInputSchema(spec).safeParse(args);
  if (!parsed.success) {
    const { message, path } = issueMessage(parsed.error.issues);
    // Rejected input is audited too (outcome error, invalid_argument): a caller probing the API shows up.
    app.audit.record({ caller: principal.name, transport: 'rest', tool: spec.name, arguments: args,
      outcome: 'error', errorCode: 'invalid_argument', durationMs: 0, readOnly: spec.annotations.readOnlyHint });
    res.writeHead(400, { 'content-type': 'application/json', ...NO_STORE });
    res.end(JSON.stringify({ code: 'invalid_argument', message, path }));
    return;
  }

  const abort = new AbortController();
  res.on('close', () => { if (!res.writableFinished) abort.abort(); });
  const stream = (req.headers.accept ?? '').includes('text/event-stream');
  const event = (type: string, data: unknown) => res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  if (stream) res.writeHead(200, { 'content-type': 'text/event-stream', ...NO_STORE, connection: 'keep-alive' });
  const io: ToolIo = {
    signal: abort.signal,
    async progress(progress, total, message) { if (stream && !res.writableEnded) event('progress', { progress, total, message }); },
    async log(level, message) {
      app.logger.log(level, message, { caller: principal.name });
      if (stream && !res.writableEnded) event('log', { level, message });
    },
  };
  const caller = { id: principal.name, transport: 'rest' as const, scopes: principal.scopes };
  const outcome = await invokeTool(app, caller, spec, parsed.data as Record<string, unknown>, io);
  if (stream) {
    if (outcome.ok) event('result', outcome.result);
    else event('error', { code: outcome.error.code, message: outcome.error.message, status: httpStatusOf(outcome.error.code) });
    res.end();
    return;
  }
  if (outcome.ok) return sendJson(res, 200, outcome.result);
  restReply(res, httpStatusOf(outcome.error.code), outcome.error.code, outcome.error.message);
}
