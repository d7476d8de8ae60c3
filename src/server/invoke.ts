// The one path every tool call takes, whatever the front door (MCP stdio/HTTP, REST): scope check,
// component call, output validation, audit row, metrics, and a SchedcpError on failure. Input
// validation happens before (the MCP SDK, or the REST router with the same zod schema).
import type { App } from '../app.js';
import { SchedcpError, toSchedcpError } from '../errors.js';
import { recordToolCall } from '../metrics/index.js';
import type { AnyToolSpec, Caller, ToolContext } from './tool.js';

export type ToolOutcome =
  | { ok: true; result: Record<string, unknown>; text: string }
  | { ok: false; error: SchedcpError };

export type ToolIo = Pick<ToolContext, 'signal' | 'progress' | 'log'>;

export async function invokeTool(app: App, caller: Caller, spec: AnyToolSpec, rawArgs: Record<string, unknown>, io: ToolIo): Promise<ToolOutcome> {
  const started = performance.now();
  const { justification, ...args } = rawArgs as { justification?: string };
  const finish = (outcome: 'ok' | 'error' | 'denied', errorCode?: string) => {
    const durationMs = performance.now() - started;
    app.audit.record({
      caller: caller.id, transport: caller.transport, tool: spec.name, arguments: args, justification,
      outcome, errorCode, durationMs, readOnly: spec.annotations.readOnlyHint,
    });
    recordToolCall(spec.name, caller.transport, outcome, durationMs / 1000);
  };
  if (!caller.scopes.has(spec.scope)) {
    finish('denied', 'permission_denied');
    return { ok: false, error: new SchedcpError('permission_denied', `tool ${spec.name} needs scope "${spec.scope}"; this caller has [${[...caller.scopes].join(', ')}].`) };
  }
  try {
    const raw = await spec.run(args, { app, caller, ...io });
    const result = spec.output.parse(raw) as Record<string, unknown>;
    finish('ok');
    return { ok: true, result, text: spec.summarize ? spec.summarize(result) : JSON.stringify(result) };
  } catch (error) {
    const err = toSchedcpError(error);
    finish('error', err.code);
    if (err.code === 'internal') app.logger.log('error', `tool ${spec.name} failed`, { error: err.message, stack: err.stack });
    return { ok: false, error: err };
  }
}
