import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { tools } from './index.js';

export const whoamiTool = defineTool({
  name: 'whoami',
  title: 'Who am I',
  description: 'The calling token\'s name, transport and scopes, which tools those scopes allow (from the tool registry), and which repository decisions the configuration reserves to a human (approval.requireHumanFor: an approve_policy call for them needs scope "approve"). The operator console calls this after sign-in to enable only what the token may do.',
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
