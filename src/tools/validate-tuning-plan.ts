import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { tuningOf } from '../tuning/index.js';
import { changesField, checkedChangeSchema, denialSchema, targetField } from '../tuning/tool-schemas.js';

export const validateTuningPlanTool = defineTool({
  name: 'validate_tuning_plan',
  title: 'Check a tuning plan against the guardrails',
  description: 'Runs every guardrail (allow-list, type, safe range, vector order, max change per step, relations over current + proposed values) without changing anything. Each denial names the rule that fired and what would be allowed; the sysctl.d text of the accepted part is returned.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({ target: targetField, changes: changesField }).strict(),
  output: z.object({ ok: z.boolean(), changes: z.array(checkedChangeSchema), denials: z.array(denialSchema), stagedText: z.string() }),
  async run(args, { app }) {
    return tuningOf(app).validate({ changes: args.changes, ...(args.target && { target: args.target }) });
  },
  summarize: (r) => r.ok ? `ok: ${r.changes.filter((c) => !c.unchanged).map((c) => `${c.key} ${c.from} → ${c.to}`).join(', ') || 'nothing to change'}` : `refused: ${r.denials.map((d) => `[${d.rule}] ${d.message}`).join(' ')}`,
});
