// The OpenAPI 3.1 document of the REST front door, generated from the tool registry and the same
// zod schemas the MCP server lists (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
import type { App } from '../app.js';
import { tools } from '../tools/index.js';
import { toolInputSchema } from '../server/create-server.js';
import { SCHEDCP_VERSION } from '../server/version.js';
import type { AnyToolSpec } from '../server/tool.js';
import { HTTP_STATUS } from './status.js';
import { jsonSchemaOf } from './json-schema.js';

const errorRef = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function errorResponses(): Record<string, unknown> {
  const byStatus = new Map<number, string[]>();
  for (const [code, status] of Object.entries(HTTP_STATUS)) byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  byStatus.set(401, ['unauthenticated']);
  byStatus.set(413, ['limit_exceeded (body over http.maxBodyBytes)']);
  byStatus.get(429)!.push('rate limit (Retry-After header)');
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, codes]) => [String(status), errorRef(codes.join(', '))]));
}

function operation(spec: AnyToolSpec, method: 'get' | 'post', errors: Record<string, unknown>) {
  const input = jsonSchemaOf(toolInputSchema(spec), 'input');
  const base = {
    operationId: method === 'post' ? spec.name : `${spec.name}_get`,
    summary: spec.title,
    description: `${spec.description}\n\nScope: \`${spec.scope}\` (also its rate-limit class).`,
    tags: [spec.scope],
    security: [{ bearer: [spec.scope] }],
    'x-schedcp-scope': spec.scope,
    'x-schedcp-annotations': spec.annotations,
    responses: {
      200: { description: 'The tool result (structuredContent over MCP).', content: { 'application/json': { schema: jsonSchemaOf(spec.output, 'output') } } },
      ...errors,
    },
  };
  if (method === 'post') return { ...base, requestBody: { required: false, content: { 'application/json': { schema: input } } } };
  const props = (input.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((input.required ?? []) as string[]);
  return {
    ...base,
    parameters: Object.entries(props).map(([name, schema]) => ({
      name, in: 'query', required: required.has(name), schema,
      ...(typeof schema.description === 'string' && { description: schema.description }),
    })),
  };
}

let cached: Record<string, unknown> | undefined;

export function openApiDocument(_app?: App): Record<string, unknown> {
  if (cached) return cached;
  const errors = errorResponses();
  const paths: Record<string, unknown> = {};
  for (const spec of tools) {
    paths[`/api/v1/${spec.name}`] = {
      post: operation(spec, 'post', errors),
      ...(spec.annotations.readOnlyHint && { get: operation(spec, 'get', errors) }),
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'schedcp REST API', version: SCHEDCP_VERSION,
      description: 'Every schedcp MCP tool as POST /api/v1/<tool> (read-only tools also as GET with query parameters). Same bearer tokens, scopes, rate limits and audit log as /mcp. Errors are {code, message}. Send `Accept: text/event-stream` to follow a long call (progress events, then result or error).',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [{ name: 'read' }, { name: 'verify' }, { name: 'tune' }, { name: 'deploy' }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from config `tokens` (or the generated local one). Operations list the scope they need.' } },
      schemas: {
        Error: {
          type: 'object', required: ['code', 'message'], additionalProperties: false,
          properties: { code: { type: 'string' }, message: { type: 'string' }, path: { type: 'string', description: 'Dotted path of the bad field (schema errors).' } },
        },
      },
    },
  };
  return cached;
}
