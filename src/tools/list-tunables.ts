import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { tuningOf } from '../tuning/index.js';
import { targetField, tunableViewSchema } from '../tuning/tool-schemas.js';

export const listTunablesTool = defineTool({
  name: 'list_tunables',
  title: 'List kernel tunables schedcp knows',
  description: 'The tuning knowledge base (sched, vm, net sysctls) with each key\'s current value, whether it exists on this kernel, its safe range and whether config allows changing it; query ranks by hybrid search ("swap pressure"), area and limit narrow it. Use it to find candidate keys. Cost: milliseconds, but up to ~4k tokens at the default limit of 50: prefer a query or a small limit. No risk. Next: explain_tunable. Errors: invalid_argument (target).',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    area: z.enum(['sched', 'vm', 'net']).optional().describe('Only this area.'),
    query: z.string().max(200).optional().describe('Free-text search over names, titles, effects and signals.'),
    target: targetField,
    limit: z.number().int().min(1).max(100).default(50),
  }).strict(),
  output: z.object({
    tunables: z.array(tunableViewSchema),
    search: z.object({ provider: z.string(), reasons: z.record(z.string(), z.string()) }).optional(),
  }),
  async run(args, { app }) {
    return tuningOf(app).list({ ...(args.area && { area: args.area }), ...(args.query && { query: args.query }), ...(args.target && { target: args.target }), limit: args.limit });
  },
  summarize: (r) => r.tunables.map((t) => `${t.key} = ${t.present ? t.current : '(absent)'}  [${t.allowedRange}]`).join('\n'),
});
