import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { deploymentStatus } from '../deployer/index.js';
import { deploymentStatusOutput } from './deploy-schemas.js';

export const deploymentStatusTool = defineTool({
  name: 'deployment_status',
  title: 'Deployment status',
  description: 'One deployment: stage (canary, awaiting_approval, full, known_good, rolled_back, aborted, rollback_failed, lost), breaker state, gates with the current value vs baseline and threshold, the trip with its evidence and timing (detection_ms from cause to detection, rollback detach/restore ms, what was restored), recent events. detail=true adds the KPI samples.',
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
