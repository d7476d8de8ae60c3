import { z } from 'zod';
import { SchedcpError } from '../errors.js';
import { defineTool } from '../server/tool.js';
import { tuningOf } from '../tuning/index.js';
import { keyOutcomeSchema } from '../tuning/tool-schemas.js';

export const rollbackTuningsTool = defineTool({
  name: 'rollback_tunings',
  title: 'Roll back live tunings to a backup',
  description: 'Restores the values saved before a live plan (by backupId or planId). Keys someone else changed after schedcp wrote them are left alone and reported as yielded. Needs config.tuning.liveApply and root.',
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
