import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { remediationOf } from '../remediation/index.js';
import { revertOutcomeSchema } from '../remediation/tool-schemas.js';

export const revertAdjustmentTool = defineTool({
  name: 'revert_adjustment',
  title: 'Revert a process or cgroup action now',
  description: 'Restores the values saved before the action (and moves a process back out of its schedcp cgroup). Values someone else changed since are left alone and the action is reported as yielded; a revert that fails is reported as revert_failed and retried every few seconds. Needs config.tuning.liveApply and root.',
  scope: 'tune',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({ id: z.number().int().positive().describe('Action id from adjust_process, adjust_cgroup or list_adjustments.') }).strict(),
  output: revertOutcomeSchema,
  async run(args, { app }) {
    return remediationOf(app).revert(args.id);
  },
  summarize: (r) => `action ${r.id}: ${r.state} (${r.detail})`,
});
