import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { remediationOf } from '../remediation/index.js';
import { adjustmentSchema } from '../remediation/tool-schemas.js';

export const listAdjustmentsTool = defineTool({
  name: 'list_adjustments',
  title: 'Process and cgroup actions schedcp manages',
  description: 'Active process/cgroup actions (and failed reverts being retried) with TTL left, values before and after, verification results and events; all=true adds finished ones. Actions whose value someone else changed are marked yielded first (nothing on the system changes). Use it after adjust_process/adjust_cgroup, or to find an id for revert_adjustment. Cost: milliseconds, grows with limit; no risk. Next: revert_adjustment. Errors: none of its own.',
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
