import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { approvePolicy } from '../repository/index.js';
import { SchedcpError } from '../errors.js';

export const approvePolicyTool = defineTool({
  name: 'approve_policy',
  title: 'Approve a promotion or a quarantine release',
  description: 'Take a repository decision: promote_policy (verified → promoted, only when the recorded evidence calls for it) or release_quarantine (quarantined → candidate). Actions listed in config approval.requireHumanFor (default: promote_policy) need a caller with scope "approve" — a human in the operator console at /console — and are refused to agents with permission_denied. The reason is stored with the status change; list_approvals shows what is waiting.',
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
