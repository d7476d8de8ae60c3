import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { tuningOf } from '../tuning/index.js';
import { signalSchema, targetField } from '../tuning/tool-schemas.js';

export const recommendTuningsTool = defineTool({
  name: 'recommend_tunings',
  title: 'Recommend kernel tunings from signals',
  description: 'Deterministic rule-based proposals from the current signals (or the signals you pass) and the knowledge base, within the guardrails, each with the rule that fired, rationale, expected effect and confidence. Nothing is applied. Use it when system_signals shows pressure a sysctl can address. Cost: milliseconds with the sampler, ~400 tokens, no risk. Next: validate_tuning_plan with the proposed changes. Errors: invalid_argument (target, signals).',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    signals: z.array(signalSchema).max(16).optional().describe('Signals to reason from; omitted: read them now from the analysis component.'),
    windowMs: z.number().int().min(100).max(60_000).optional().describe('Observation window when signals are read now.'),
    target: targetField,
  }).strict(),
  output: z.object({
    recommendations: z.array(z.object({ rule: z.string(), key: z.string(), from: z.string(), to: z.string(), signals: z.array(z.string()), rationale: z.string(), expectedEffect: z.string(), confidence: z.number() })),
    notes: z.array(z.string()),
    signals: z.array(z.object({ name: z.string(), severity: z.string(), score: z.number(), summary: z.string() })),
  }),
  async run(args, { app }) {
    return tuningOf(app).recommend({ ...(args.signals && { signals: args.signals }), ...(args.windowMs !== undefined && { windowMs: args.windowMs }), ...(args.target && { target: args.target }) });
  },
});
