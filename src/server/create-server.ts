// Builds one McpServer with every tool and resource. Each call goes through the same wrapper:
// invokeTool (scope check, component call, output validation, audit row, metrics), shared with REST.
import { McpServer, type ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { App } from '../app.js';
import { tools } from '../tools/index.js';
import { invokeTool } from './invoke.js';
import { registerPrompts, registerResources } from './register-resources.js';
import type { AnyToolSpec, Caller, ToolContext } from './tool.js';
import { SCHEDCP_VERSION } from './version.js';

const justificationField = z.string().max(2000).optional()
  .describe('Why the agent is making this call; stored in the audit log.');

// Built once per tool: HTTP makes a server per request (the SDK's stateless design), and building
// zod schemas again each time was most of its ~4 ms.
const inputSchemas = new WeakMap<AnyToolSpec, z.ZodObject>();

export function toolInputSchema(spec: AnyToolSpec): z.ZodObject {
  const known = inputSchemas.get(spec);
  if (known) return known;
  // Calls that change or run something carry an optional justification for the audit trail.
  const schema: z.ZodObject = spec.annotations.readOnlyHint ? spec.input : spec.input.extend({ justification: justificationField });
  inputSchemas.set(spec, schema);
  return schema;
}

function toolContext(app: App, caller: Caller, ctx: ServerContext): ToolContext {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  return {
    app,
    caller,
    signal: ctx.mcpReq.signal,
    async progress(progress, total, message) {
      if (progressToken === undefined) return;
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken, progress, ...(total !== undefined && { total }), ...(message !== undefined && { message }) },
      }).catch(() => undefined);
    },
    async log(level, message) {
      app.logger.log(level, message, { caller: caller.id });
      await ctx.mcpReq.log(level, message, 'schedcp').catch(() => undefined);
    },
  };
}

export function registerTool(server: McpServer, app: App, caller: Caller, spec: AnyToolSpec): void {
  server.registerTool(spec.name, {
    title: spec.title,
    description: spec.description,
    inputSchema: toolInputSchema(spec),
    outputSchema: spec.output,
    annotations: { title: spec.title, ...spec.annotations },
  }, async (rawArgs: Record<string, unknown>, ctx: ServerContext) => {
    const { app: _app, caller: _caller, ...io } = toolContext(app, caller, ctx);
    const outcome = await invokeTool(app, caller, spec, rawArgs, io);
    if (!outcome.ok) return { isError: true, content: [{ type: 'text' as const, text: `${outcome.error.code}: ${outcome.error.message}` }] };
    return { content: [{ type: 'text' as const, text: outcome.text }], structuredContent: outcome.result };
  });
}

export function createMcpServer(app: App, caller: Caller): McpServer {
  const server = new McpServer(
    { name: 'schedcp', version: SCHEDCP_VERSION },
    {
      capabilities: { tools: {}, resources: {}, prompts: {}, completions: {}, logging: {} },
      instructions: 'schedcp: observe a Linux system (system_summary first, small by default), search and verify sched_ext policies, and tune kernel parameters safely. Call host_capabilities to learn what this host supports.',
    },
  );
  for (const spec of tools) registerTool(server, app, caller, spec);
  registerResources(server, app, caller);
  registerPrompts(server, app, caller);
  return server;
}
