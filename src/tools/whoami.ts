import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { tools } from './index.js';

export const whoamiTool = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description: 'The calling token\'s name, transport, scopes, the tools those scopes allow, and which repository decisions need a human (config approval.requireHumanFor; approve_policy then needs scope "approve"). Use it before planning a session to know what you may call. Cost: milliseconds, ~800 tokens, no risk. Errors: none of its own.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({}).strict(),
  output: z.object({
    caller: z.string(),
    transport: z.string(),
    scopes: z.array(z.string()),
    tools: z.array(z.object({ name: z.string(), scope: z.string(), readOnly: z.boolean(), allowed: z.boolean() })),
    approval: z.object({ requireHumanFor: z.array(z.string()), canApprove: z.boolean() }),
  }),
  async run(_args, { app, caller }) {
    return {
      caller: caller.id, transport: caller.transport, scopes: [...caller.scopes],
      tools: tools.map((t) => ({ name: t.name, scope: t.scope, readOnly: t.annotations.readOnlyHint, allowed: caller.scopes.has(t.scope) })),
      approval: { requireHumanFor: [...app.config.approval.requireHumanFor], canApprove: caller.scopes.has('approve') },
    };
  },
  summarize: (r) => `${r.caller} (${r.transport}): scopes ${r.scopes.join(', ')}; ${r.tools.filter((t) => t.allowed).length}/${r.tools.length} tools allowed`,
});
