import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { recordOutcome } from '../repository/index.js';
import { SchedcpError } from '../errors.js';

const perf = z.object({
  workload: z.string().min(1).max(64), metric: z.string().min(1).max(64),
  direction: z.enum(['lower_is_better', 'higher_is_better']),
  value: z.number(), baseline: z.number().optional().describe('The baseline measured in the same conditions.'),
  spread: z.number().min(0).optional(), host: z.string().max(128).optional(), kit: z.string().max(128).optional(),
}).strict();

export const recordOutcomeTool = defineTool({
  name: 'record_outcome',
  title: 'Record a policy outcome',
  description: 'Attaches evidence to a policy version: a verify_policy run by id (the verdict is read from the verifier\'s records; it must be this source and reach the VM stages), benchmark results against a baseline, or a deployment result. Curation then runs: candidate → verified, promotion when evidence calls for it (may wait for a human), quarantine after repeated trips. Use it at the end of a session. Cost: milliseconds; changes the repository status, audited. Next: policy_history. Errors: invalid_argument (no evidence, a run of another source, static-only or infrastructure run), not_found (policy, verification).',
  scope: 'verify',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: z.object({
    id: z.number().int().min(1).optional().describe('Policy version id.'),
    name: z.string().max(64).optional(),
    version: z.number().int().min(1).optional(),
    source: z.enum(['verify_run', 'benchmark', 'deployment']),
    verification_id: z.number().int().positive().optional().describe('Id of a verify_policy run of this policy\'s source (source "verify_run").'),
    performance: z.array(perf).max(200).optional(),
    deployment: z.object({ result: z.enum(['success', 'failure', 'rolled_back']), detail: z.string().max(2000).optional(), host: z.string().max(128).optional() }).strict().optional(),
  }).strict(),
  output: z.object({
    policy: z.object({ id: z.number(), name: z.string(), version: z.number(), status: z.string() }),
    recorded: z.object({ verification: z.number().optional(), performance: z.array(z.number()), deployment: z.number().optional() }),
    statusChanges: z.array(z.object({ from: z.string(), to: z.string(), reason: z.string() })),
    scores: z.array(z.object({ workload: z.string(), metric: z.string(), direction: z.string(), n: z.number(), score: z.number(), changePct: z.number(), ciLowPct: z.number(), ciHighPct: z.number(), verdict: z.string() })),
  }),
  async run(args, { app, caller }) {
    if ((args.id === undefined) === (args.name === undefined)) throw new SchedcpError('invalid_argument', 'Give exactly one of id or name.');
    const policy = args.id !== undefined ? { id: args.id } : { name: args.name!, version: args.version };
    return recordOutcome(app, { policy, source: args.source, verificationId: args.verification_id, performance: args.performance, deployment: args.deployment }, { caller: caller.id, transport: caller.transport });
  },
});
