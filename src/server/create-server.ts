// Builds one McpServer with every tool and resource. Each call goes through the same wrapper:
// scope check, component call, output validation, audit row, and a specific isError on failure.
import { McpServer, type ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { App } from '../app.js';
import { toSchedcpError } from '../errors.js';
import { tools } from '../tools/index.js';
import { registerPrompts, registerResources } from './register-resources.js';
import type { AnyToolSpec, Caller, ToolContext } from './tool.js';
import { SCHEDCP_VERSION } from './version.js';

const justificationField = z.string().max(2000).optional()
  .describe('Why the agent is making this call; stored in the audit log.');

export function toolInputSchema(spec: AnyToolSpec): z.ZodObject {
  // Calls that change or run something carry an optional justification for the audit trail.
  return spec.annotations.readOnlyHint ? spec.input : spec.input.extend({ justification: justificationField });
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
    const started = performance.now();
    const { justification, ...args } = rawArgs as { justification?: string };
    const audit = (outcome: 'ok' | 'error' | 'denied', errorCode?: string) => app.audit.record({
      caller: caller.id, transport: caller.transport, tool: spec.name, arguments: args, justification,
      outcome, errorCode, durationMs: performance.now() - started, readOnly: spec.annotations.readOnlyHint,
    });
    if (!caller.scopes.has(spec.scope)) {
      audit('denied', 'permission_denied');
      return {
        isError: true,
        content: [{ type: 'text' as const, text: `permission_denied: tool ${spec.name} needs scope "${spec.scope}"; this caller has [${[...caller.scopes].join(', ')}].` }],
      };
    }
    try {
      const raw = await spec.run(args, toolContext(app, caller, ctx));
      const result = spec.output.parse(raw);
      audit('ok');
      return {
        content: [{ type: 'text' as const, text: spec.summarize ? spec.summarize(result) : JSON.stringify(result) }],
        structuredContent: result as Record<string, unknown>,
      };
    } catch (error) {
      const err = toSchedcpError(error);
      audit('error', err.code);
      if (err.code === 'internal') app.logger.log('error', `tool ${spec.name} failed`, { error: err.message, stack: err.stack });
      return { isError: true, content: [{ type: 'text' as const, text: `${err.code}: ${err.message}` }] };
    }
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
