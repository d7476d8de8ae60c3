import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { tuningOf } from '../tuning/index.js';
import { targetField, tunableDetailSchema } from '../tuning/tool-schemas.js';

export const explainTunableTool = defineTool({
  name: 'explain_tunable',
  title: 'Explain one kernel tunable',
  description: 'Everything the knowledge base holds on one tunable: what it affects, risks, safe range, max change per step, relations to other keys (with their current values), availability on this kernel, the signals it addresses. Use it before putting a key into a plan. Cost: milliseconds, ~200 tokens, no risk. Next: validate_tuning_plan. Errors: not_found (not in the knowledge base; near names suggested), invalid_argument (target).',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    key: z.string().max(128).describe('sysctl-style key, e.g. "vm.dirty_ratio".'),
    target: targetField,
  }).strict(),
  output: z.object({ tunable: tunableDetailSchema, related: z.array(tunableDetailSchema) }),
  async run(args, { app }) {
    return tuningOf(app).explain(args.key, args.target);
  },
});
