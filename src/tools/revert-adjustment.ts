import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { remediationOf } from '../remediation/index.js';
import { revertOutcomeSchema } from '../remediation/tool-schemas.js';

export const revertAdjustmentTool = defineTool({
  name: 'revert_adjustment',
  title: 'Revert a process or cgroup action now',
  description: 'Restores the values saved before an action now (and moves a process out of its schedcp cgroup); values someone else changed since are left alone (yielded); a failed revert is reported as revert_failed and retried every few seconds. Use it when an action hurt or is no longer needed, rather than waiting for its TTL. Needs config tuning.liveApply and root. Cost: milliseconds. Errors: not_found (id), precondition_failed (live disabled), permission_denied (not root).',
  scope: 'tune',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({ id: z.number().int().positive().describe('Action id from adjust_process, adjust_cgroup or list_adjustments.') }).strict(),
  output: revertOutcomeSchema,
  async run(args, { app }) {
    return remediationOf(app).revert(args.id);
  },
  summarize: (r) => `action ${r.id}: ${r.state} (${r.detail})`,
});
