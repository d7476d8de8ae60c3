import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { tuningOf } from '../tuning/index.js';
import { targetField } from '../tuning/tool-schemas.js';

export const tuningHistoryTool = defineTool({
  name: 'tuning_history',
  title: 'Tuning plans, backups and events',
  description: 'Recent tuning plans with status, backups available for rollback_tunings, the event log (read-back writes, guard verdicts, rollbacks, yields to the administrator) and the keys schedcp manages now. Use it after apply_tuning_plan or to find a backupId. Cost: milliseconds, grows with limit; no risk. Errors: invalid_argument (target).',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    planId: z.number().int().positive().optional().describe('Only this plan and its events.'),
    target: targetField,
    limit: z.number().int().min(1).max(200).default(20),
  }).strict(),
  output: z.object({
    plans: z.array(z.object({ id: z.number(), createdAt: z.string(), caller: z.string().nullable(), target: z.string(), mode: z.string(), status: z.string(), changes: z.unknown(), result: z.unknown() })),
    events: z.array(z.object({ id: z.number(), ts: z.string(), planId: z.number().nullable(), target: z.string(), key: z.string().nullable(), kind: z.string(), detail: z.string() })),
    backups: z.array(z.object({ id: z.number(), planId: z.number(), target: z.string(), createdAt: z.string(), keys: z.array(z.string()) })),
    managed: z.array(z.object({ target: z.string(), key: z.string(), written: z.string(), planId: z.number(), state: z.string() })),
  }),
  async run(args, { app }) {
    return tuningOf(app).history({ limit: args.limit, ...(args.planId !== undefined && { planId: args.planId }), ...(args.target && { target: args.target }) });
  },
});
