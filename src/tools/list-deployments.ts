import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { listDeployments } from '../deployer/index.js';

export const listDeploymentsTool = defineTool({
  name: 'list_deployments',
  title: 'List deployments',
  description: 'Deployments, newest first: node, policy, stage, breaker, and the trip kind and reason if one tripped; filter by node. Use it to find a deployment id or what runs where. Cost: milliseconds, small, no risk. Next: deployment_status. Errors: none of its own.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({ node: z.string().max(32).optional(), limit: z.number().int().min(1).max(500).default(50) }).strict(),
  output: z.object({ deployments: z.array(z.object({
    id: z.number(), node: z.string(), policy: z.string(), stage: z.string(), breaker: z.string(), createdAt: z.string(), endedAt: z.string().nullable(),
    trip: z.object({ kind: z.unknown(), reason: z.unknown() }).nullable(),
  })) }),
  async run(args, { app }) { return { deployments: listDeployments(app, { ...(args.node ? { node: args.node } : {}), limit: args.limit }) }; },
});
