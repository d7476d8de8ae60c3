import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { tuningOf } from '../tuning/index.js';
import { changesField, checkedChangeSchema, denialSchema, targetField } from '../tuning/tool-schemas.js';

export const validateTuningPlanTool = defineTool({
  name: 'validate_tuning_plan',
  title: 'Check a tuning plan against the guardrails',
  description: 'Runs every guardrail on a plan (allow-list, type, safe range, vector order, max change per step, relations over current + proposed values) and writes nothing; each denial names its rule and what would be allowed, and the sysctl.d text of the accepted part is returned. Use it before apply_tuning_plan. Cost: milliseconds, small, no risk. Next: apply_tuning_plan (advise or stage). Errors: invalid_argument (empty plan, target).',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({ target: targetField, changes: changesField }).strict(),
  output: z.object({ ok: z.boolean(), changes: z.array(checkedChangeSchema), denials: z.array(denialSchema), stagedText: z.string() }),
  async run(args, { app }) {
    return tuningOf(app).validate({ changes: args.changes, ...(args.target && { target: args.target }) });
  },
  summarize: (r) => r.ok ? `ok: ${r.changes.filter((c) => !c.unchanged).map((c) => `${c.key} ${c.from} → ${c.to}`).join(', ') || 'nothing to change'}` : `refused: ${r.denials.map((d) => `[${d.rule}] ${d.message}`).join(' ')}`,
});
