import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { deploymentStatus } from '../deployer/index.js';
import { deploymentStatusOutput } from './deploy-schemas.js';

export const deploymentStatusTool = defineTool({
  name: 'deployment_status',
  title: 'Deployment status',
  description: 'One deployment: stage (canary, awaiting_approval, full, known_good, rolled_back, aborted, rollback_failed, lost), breaker, gates (current vs baseline vs threshold), the trip with evidence and timing (detection_ms, rollback detach/restore ms), recent events; detail=true adds KPI samples (many more tokens). Also the resource deployment://{id}. Use it after deploy_policy and before promote_deployment. Cost: milliseconds, up to ~1k tokens, no risk. Next: promote_deployment, pause_deployment or rollback_deployment. Errors: not_found.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    deployment_id: z.number().int().positive(),
    detail: z.boolean().default(false).describe('Include the stored samples (up to 400) and every event.'),
  }).strict(),
  output: deploymentStatusOutput,
  async run(args, { app }) { return deploymentStatus(app, args.deployment_id, { detail: args.detail }); },
  summarize(r) { return `deployment ${r.id}: ${r.stage}, breaker ${r.breaker}${r.trip ? `, trip ${String(r.trip.kind)}` : ''}`; },
});
