import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { tuningOf } from '../tuning/index.js';
import { changesField, checkedChangeSchema, liveResultSchema, targetField } from '../tuning/tool-schemas.js';

export const applyTuningPlanTool = defineTool({
  name: 'apply_tuning_plan',
  title: 'Apply a tuning plan (advise, stage or live)',
  description: 'mode advise (default): the checked plan and its sysctl.d text, nothing written; stage: writes that file into the data dir; live (config tuning.liveApply, root): backup, write, read back, optional SLO guard per stage, automatic rollback. Any denial refuses the whole plan. Risk: live changes kernel settings host-wide (or in a netns); keys an admin changes later are yielded. Cost: ms, plus guard trials when live. Next: tuning_history, rollback_tunings. Errors: invalid_argument (refused), precondition_failed (live disabled), permission_denied, dynamic_check_failed, subprocess_failed, cancelled.',
  scope: 'tune',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: z.object({
    target: targetField,
    mode: z.enum(['advise', 'stage', 'live']).default('advise'),
    changes: changesField,
    guard: z.object({
      workload: z.string().max(64).describe('Workload name known to the analysis component.'),
      trials: z.number().int().min(1).max(50).default(5),
      params: z.record(z.string().max(64), z.union([z.string().max(256), z.number()])).optional(),
      maxRegressionPct: z.number().min(0).max(100).default(5).describe('Roll back when the primary metric is significantly worse by more than this.'),
    }).strict().optional().describe('Live only: SLO guard using the feedback channel.'),
    rollout: z.enum(['all', 'one_by_one']).optional().describe('Live only: write everything then observe, or one change per stage (default with a guard).'),
    reclaimYielded: z.boolean().default(false).describe('Take back keys schedcp yielded to the administrator.'),
  }).strict(),
  output: z.object({
    planId: z.number(), mode: z.string(), target: z.string(),
    changes: z.array(checkedChangeSchema), stagedText: z.string(), stagedPath: z.string().optional(),
    live: liveResultSchema.optional(),
  }),
  async run(args, { app, caller, signal, progress }) {
    const result = await tuningOf(app).apply({
      mode: args.mode, changes: args.changes, caller: caller.id, signal, reclaimYielded: args.reclaimYielded,
      ...(args.target && { target: args.target }), ...(args.guard && { guard: args.guard }), ...(args.rollout && { rollout: args.rollout }),
      onProgress: (done, total, message) => { void progress(done, total, message); },
    });
    return { planId: result.planId, mode: result.mode, target: result.target, changes: result.check.changes, stagedText: result.stagedText, ...(result.stagedPath && { stagedPath: result.stagedPath }), ...(result.live && { live: result.live }) };
  },
  summarize: (r) => `plan ${r.planId} (${r.mode} on ${r.target}): ${r.live ? r.live.status + ', ' + r.live.keys.map((k) => `${k.key} ${k.state}`).join(', ') : r.changes.map((c) => `${c.key} ${c.from} → ${c.to}`).join(', ')}${r.stagedPath ? `; staged at ${r.stagedPath}` : ''}`,
});
