import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { pendingApprovals } from '../repository/index.js';

export const listApprovalsTool = defineTool({
  name: 'list_approvals',
  title: 'Decisions waiting for approval',
  description: 'Repository decisions waiting: verified policies whose evidence calls for promotion (held when config approval.requireHumanFor lists promote_policy) and quarantined policies that could be released; humanRequired says whether approve_policy needs scope "approve" (a human in the console). Use it after record_outcome to see whether a promotion waits for someone. Cost: milliseconds, small, no risk. Errors: none of its own.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({}).strict(),
  output: z.object({
    requireHumanFor: z.array(z.string()),
    pending: z.array(z.object({
      policy: z.object({ id: z.number(), name: z.string(), version: z.number(), status: z.string() }),
      action: z.enum(['promote_policy', 'release_quarantine']), reason: z.string(), humanRequired: z.boolean(),
    })),
  }),
  async run(_args, { app }) {
    return { requireHumanFor: [...app.config.approval.requireHumanFor], pending: await pendingApprovals(app) };
  },
  summarize: (r) => r.pending.length ? r.pending.map((p) => `${p.action} ${p.policy.name} v${p.policy.version}: ${p.reason}`).join('\n') : 'nothing waiting for approval',
});
