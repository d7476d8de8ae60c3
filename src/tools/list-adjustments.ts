import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { remediationOf } from '../remediation/index.js';
import { adjustmentSchema } from '../remediation/tool-schemas.js';

export const listAdjustmentsTool = defineTool({
  name: 'list_adjustments',
  title: 'Process and cgroup actions schedcp manages',
  description: 'Active actions (and failed reverts being retried) with TTL left, values before and after, verification results and the event log; all=true includes reverted, yielded and finished ones. Before listing, actions whose value someone else changed are marked yielded (schedcp stops managing them); nothing on the system is changed.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false },
  input: z.object({
    all: z.boolean().default(false),
    limit: z.number().int().min(1).max(500).default(50),
  }).strict(),
  output: z.object({ adjustments: z.array(adjustmentSchema) }),
  async run(args, { app }) {
    return { adjustments: await remediationOf(app).list({ all: args.all, limit: args.limit }) };
  },
  summarize: (r) => r.adjustments.length === 0 ? 'no adjustments' : r.adjustments.map((a) => `#${a.id} ${a.state} ${a.kind} ${a.setting} on ${a.target}${a.ttlLeftSeconds ? `, ${a.ttlLeftSeconds} s left` : ''}${a.lastError ? ` (last error: ${a.lastError})` : ''}`).join('\n'),
});
