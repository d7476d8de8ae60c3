import { z } from 'zod';
import { SchedcpError } from '../errors.js';
import { defineTool } from '../server/tool.js';
import { tuningOf } from '../tuning/index.js';
import { keyOutcomeSchema } from '../tuning/tool-schemas.js';

export const rollbackTuningsTool = defineTool({
  name: 'rollback_tunings',
  title: 'Roll back live tunings to a backup',
  description: 'Restores the values saved before a live plan (by backupId or planId); keys someone else changed since are left alone and reported as yielded. Use it when compare_to_baseline or a guard shows a regression. Needs config tuning.liveApply and root. Cost: milliseconds; writes kernel settings back, audited. Next: tuning_history. Errors: invalid_argument (both or neither id), not_found (backup, plan), precondition_failed (live disabled, read-only fs), permission_denied (not root).',
  scope: 'tune',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: z.object({
    backupId: z.number().int().positive().optional().describe('A backup id from tuning_history.'),
    planId: z.number().int().positive().optional().describe('Roll back this live plan (its backup).'),
  }).strict(),
  output: z.object({ backupId: z.number(), planId: z.number(), target: z.string(), keys: z.array(keyOutcomeSchema) }),
  async run(args, { app, signal }) {
    if ((args.backupId === undefined) === (args.planId === undefined)) throw new SchedcpError('invalid_argument', 'Give exactly one of backupId or planId.');
    return tuningOf(app).rollback({ ...(args.backupId !== undefined && { backupId: args.backupId }), ...(args.planId !== undefined && { planId: args.planId }), signal });
  },
  summarize: (r) => `backup ${r.backupId} on ${r.target}: ${r.keys.map((k) => `${k.key} ${k.state}${k.detail ? ` (${k.detail})` : ''}`).join(', ')}`,
});
