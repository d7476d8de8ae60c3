// Zod shapes shared by the remediation MCP tools and the CLI, kept beside the component.
import { z } from 'zod';
import { SIGNAL_NAMES } from '../analysis/signals/classify.js';
import { KNOBS } from './knobs.js';

export const ttlField = z.number().int().min(1).max(86_400).optional()
  .describe('Seconds until schedcp reverts the action (default config.remediation.defaultTtlSeconds, 600). Apply the same action again to renew.');

export const modeField = z.enum(['advise', 'live']).default('advise')
  .describe('"advise" (default) runs every guardrail and shows what would change, writing nothing; "live" (config.tuning.liveApply and root) applies it.');

export const verifyField = z.object({
  seconds: z.number().int().min(2).max(60).default(5).describe('Seconds of the target\'s own CPU/IO/memory use sampled before and after (1 s samples).'),
  signal: z.enum(SIGNAL_NAMES).optional().describe('The signal that motivated the action; its score is compared before/after.'),
  kpi: z.object({
    workload: z.string().max(64).describe('Protected workload (run_workload name) whose primary metric must not get worse.'),
    trials: z.number().int().min(1).max(20).default(3),
    params: z.record(z.string().max(64), z.union([z.string().max(256), z.number()])).optional(),
    maxRegressionPct: z.number().min(0).max(100).default(5),
  }).strict().optional(),
  revertIfWorse: z.boolean().default(false).describe('Revert at once when the protected workload got significantly worse beyond maxRegressionPct.'),
}).strict().optional().describe('Live only: measure whether the action helped.');

export const knobField = z.enum(KNOBS).describe('cgroup v2 name; on v1 schedcp writes cpu.shares, cpu.cfs_quota_us/cfs_period_us, memory.soft_limit_in_bytes, memory.limit_in_bytes or blkio.weight.');
/** A limit's value, in the unit its knob takes. */
export const limitValueField = z.number().positive().describe('cpu.max: percent of one CPU; cpu.weight/io.weight: 1..10000; memory.*: bytes.');

const comparisonShape = z.object({ baselineMedian: z.number(), candidateMedian: z.number(), changePct: z.number(), ciLowPct: z.number(), ciHighPct: z.number(), verdict: z.string(), before: z.array(z.number()), after: z.array(z.number()) });

export const verificationSchema = z.object({
  metric: z.string(), target: comparisonShape,
  signal: z.object({ name: z.string(), before: z.number().optional(), after: z.number().optional(), improved: z.boolean().optional() }).optional(),
  kpi: z.object({ workload: z.string(), metric: z.string(), changePct: z.number(), verdict: z.string(), regression: z.boolean() }).optional(),
  helped: z.enum(['yes', 'no', 'unclear']), summary: z.string(),
});

export const revertOutcomeSchema = z.object({ id: z.number(), state: z.string(), detail: z.string() });

export const actionResultSchema = z.object({
  mode: z.enum(['advise', 'live']), id: z.number().optional(), state: z.string(), renewed: z.boolean(), kind: z.string(), target: z.string(),
  changes: z.array(z.object({ key: z.string(), from: z.string(), to: z.string() })),
  ttlSeconds: z.number(), expiresAt: z.string().optional(), verification: verificationSchema.optional(), revertedBecauseWorse: revertOutcomeSchema.optional(),
});

export const adjustmentSchema = z.object({
  id: z.number(), kind: z.string(), target: z.string(), state: z.string(), createdAt: z.string(), caller: z.string().nullable(), justification: z.string().nullable(),
  setting: z.string(), before: z.record(z.string(), z.string()), after: z.record(z.string(), z.string()),
  expiresAt: z.string(), ttlLeftSeconds: z.number(), revertAttempts: z.number(), lastError: z.string().nullable(), verification: z.unknown(),
  events: z.array(z.object({ id: z.number(), ts: z.string(), actionId: z.number(), kind: z.string(), detail: z.string() })),
});

export function summarizeAction(r: z.output<typeof actionResultSchema>): string {
  const head = r.mode === 'advise' ? `advise (nothing changed): ${r.kind} on ${r.target}` : `action ${r.id} ${r.renewed ? 'renewed' : r.state}: ${r.kind} on ${r.target}`;
  const changes = r.changes.slice(0, 4).map((c) => `${c.key} ${c.from} → ${c.to}`).join(', ') + (r.changes.length > 4 ? `, … (${r.changes.length} in all)` : '');
  return `${head}; ${changes}${r.expiresAt ? `; reverts at ${r.expiresAt}` : ''}${r.verification ? `; helped: ${r.verification.helped} (${r.verification.summary})` : ''}${r.revertedBecauseWorse ? `; reverted: ${r.revertedBecauseWorse.detail}` : ''}`;
}
