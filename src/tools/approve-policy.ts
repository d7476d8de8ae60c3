import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { approvePolicy } from '../repository/index.js';
import { SchedcpError } from '../errors.js';

export const approvePolicyTool = defineTool({
  name: 'approve_policy',
  title: 'Approve a promotion or a quarantine release',
  description: 'Takes a repository decision: promote_policy (verified → promoted, only when the recorded evidence calls for it) or release_quarantine (quarantined → candidate), with a stored reason. Actions in config approval.requireHumanFor (default promote_policy) need scope "approve", i.e. a human at /console; agents are refused. Use it only when list_approvals shows the decision and humanRequired is false. Cost: milliseconds; changes status, audited. Errors: permission_denied (reserved for a human), precondition_failed (no evidence, wrong status), not_found, invalid_argument.',
  scope: 'verify',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: z.object({
    id: z.number().int().min(1).optional(),
    name: z.string().max(64).optional(),
    version: z.number().int().min(1).optional(),
    action: z.enum(['promote_policy', 'release_quarantine']),
    reason: z.string().min(1).max(2000).describe('Why: stored with the status change.'),
  }).strict(),
  output: z.object({
    policy: z.object({ id: z.number(), name: z.string(), version: z.number(), status: z.string() }),
    change: z.object({ from: z.string(), to: z.string(), reason: z.string() }),
  }),
  async run(args, { app, caller }) {
    if ((args.id === undefined) === (args.name === undefined)) throw new SchedcpError('invalid_argument', 'Give exactly one of id or name.');
    const policy = args.id !== undefined ? { id: args.id } : { name: args.name!, version: args.version };
    return approvePolicy(app, { policy, action: args.action, reason: args.reason }, { caller: caller.id, transport: caller.transport, scopes: caller.scopes });
  },
  summarize: (r) => `${r.policy.name} v${r.policy.version}: ${r.change.from} → ${r.change.to} (${r.change.reason})`,
});
