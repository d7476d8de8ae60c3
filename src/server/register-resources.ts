// Registers the resource adapters (src/resources/) and the prompts (src/prompts/) on one McpServer:
// scope checks, template list/complete, prompt arguments with completion from component data.
import { completable, McpServer, ResourceTemplate } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { App } from '../app.js';
import { toSchedcpError } from '../errors.js';
import { prompts } from '../prompts/index.js';
import { resources } from '../resources/index.js';
import { completer } from '../resources/completion-sources.js';
import type { Caller } from './tool.js';

function denied(caller: Caller, what: string, scope: string): Error {
  return new Error(`permission_denied: ${what} needs scope "${scope}"; this caller has [${[...caller.scopes].join(', ')}].`);
}

/** A component error keeps its stable code in the protocol error message. */
async function asProtocolError<T>(fn: () => Promise<T>): Promise<T> {
  try { return await fn(); } catch (error) {
    const err = toSchedcpError(error);
    throw new Error(`${err.code}: ${err.message}`);
  }
}

export function registerResources(server: McpServer, app: App, caller: Caller): void {
  for (const res of resources) {
    const meta = { title: res.title, description: res.description, mimeType: res.mimeType };
    if ('uri' in res) {
      server.registerResource(res.name, res.uri, meta, async (uri) => {
        if (!caller.scopes.has(res.scope)) throw denied(caller, `resource ${res.name}`, res.scope);
        const { text, mimeType } = await asProtocolError(() => res.read(app));
        return { contents: [{ uri: uri.href, text, mimeType: mimeType ?? res.mimeType }] };
      });
      continue;
    }
    const allowed = () => caller.scopes.has(res.scope);
    const complete = Object.fromEntries(Object.entries(res.complete ?? {}).map(([variable, fn]) => [variable,
      async (typed: string) => (allowed() ? fn(app, typed ?? '').catch(() => []) : [])]));
    server.registerResource(res.name, new ResourceTemplate(res.uriTemplate, {
      list: async () => ({ resources: allowed() ? await res.list(app) : [] }),
      complete,
    }), meta, async (uri, variables) => {
      if (!allowed()) throw denied(caller, `resource ${res.name}`, res.scope);
      const vars = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]));
      const { text, mimeType } = await asProtocolError(() => res.read(app, vars));
      return { contents: [{ uri: uri.href, text, mimeType: mimeType ?? res.mimeType }] };
    });
  }
}

// One argument schema per prompt and app (its completers read that app's data), not per server:
// HTTP builds a server for every request.
const promptSchemas = new WeakMap<App, Map<string, z.ZodObject>>();

function promptArgsSchema(app: App, prompt: (typeof prompts)[number]): z.ZodObject {
  let perApp = promptSchemas.get(app);
  if (!perApp) promptSchemas.set(app, perApp = new Map());
  let schema = perApp.get(prompt.name);
  if (!schema) {
    const shape = Object.fromEntries(Object.entries(prompt.arguments).map(([name, arg]) => {
      const plain = z.string().max(arg.maxLength).describe(arg.description);
      // The SDK looks for the completer inside .optional(), so wrap first.
      const base = arg.complete ? completable(plain, completer(app, arg.complete)) : plain;
      return [name, arg.required ? base : base.optional()];
    }));
    perApp.set(prompt.name, schema = z.object(shape).strict());
  }
  return schema;
}

export function registerPrompts(server: McpServer, app: App, caller: Caller): void {
  for (const prompt of prompts) {
    server.registerPrompt(prompt.name, { title: prompt.title, description: prompt.description, argsSchema: promptArgsSchema(app, prompt) }, async (args: Record<string, unknown>) => {
      // Prompts reveal nothing beyond the tool list, but the plan quotes component data: same gate as resources.
      if (!caller.scopes.has('read')) throw denied(caller, `prompt ${prompt.name}`, 'read');
      return {
        description: prompt.title,
        messages: [{ role: 'user' as const, content: { type: 'text' as const, text: prompt.render(app, args as Record<string, string | undefined>) } }], // the schema made them strings
      };
    });
  }
}

