import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { policyHistory } from '../repository/index.js';
import { SchedcpError } from '../errors.js';

export const policyHistoryTool = defineTool({
  name: 'policy_history',
  title: 'Policy history',
  description: 'One policy\'s record: versions, lineage, every status change with its reason, verification evidence, performance history against baselines, deployment outcomes, per-workload scores with confidence intervals. Use it to judge a policy before deploying it, or to confirm what record_outcome did. Cost: milliseconds, a few hundred to a few thousand tokens, no risk. Errors: invalid_argument (id and name), not_found.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    id: z.number().int().min(1).optional(),
    name: z.string().max(64).optional(),
    version: z.number().int().min(1).optional(),
    limit: z.number().int().min(1).max(500).default(50).describe('Newest entries kept per list.'),
  }).strict(),
  output: z.object({
    policy: z.object({ id: z.number(), name: z.string(), version: z.number(), status: z.string(), provenance: z.string() }),
    versions: z.array(z.object({ id: z.number(), version: z.number(), status: z.string(), sourceSha256: z.string(), createdAt: z.string() })),
    lineage: z.array(z.object({ id: z.number(), name: z.string(), version: z.number(), status: z.string(), provenance: z.string() })),
    statusChanges: z.array(z.object({ id: z.number(), policyId: z.number(), from: z.string().nullable(), to: z.string(), reason: z.string(), actor: z.string(), at: z.string() })),
    verifications: z.array(z.record(z.string(), z.unknown())),
    performance: z.array(z.record(z.string(), z.unknown())),
    deployments: z.array(z.record(z.string(), z.unknown())),
    scores: z.array(z.record(z.string(), z.unknown())),
  }),
  async run(args, { app }) {
    if ((args.id === undefined) === (args.name === undefined)) throw new SchedcpError('invalid_argument', 'Give exactly one of id or name.');
    const h = policyHistory(app, args.id !== undefined ? { id: args.id } : { name: args.name!, version: args.version }, { limit: args.limit });
    const plain = <T extends object>(xs: T[]) => xs as unknown as Array<Record<string, unknown>>;
    return { ...h, verifications: plain(h.verifications), performance: plain(h.performance), deployments: plain(h.deployments), scores: plain(h.scores) };
  },
});
