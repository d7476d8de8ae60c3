import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { pauseDeployment } from '../deployer/index.js';
import { deploymentStatusOutput } from './deploy-schemas.js';

export const pauseDeploymentTool = defineTool({
  name: 'pause_deployment',
  title: 'Pause or resume a deployment\'s rollout',
  description: 'Holds a live deployment at its current stage (paused: true) or lets it continue (paused: false). While paused the node agent still enforces every trip and the dead-man switch; only the automatic steps (canary → full, full → known-good) wait. Use it to look at a canary longer before it goes full; rollback_deployment aborts instead. Errors: not_found (unknown id), precondition_failed (ended, or already in that state).',
  scope: 'deploy',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: z.object({
    deployment_id: z.number().int().positive(),
    paused: z.boolean().describe('true: hold the stage; false: resume the automatic rollout.'),
    justification: z.string().max(1000).optional().describe('Why (stored in the audit log).'),
  }).strict(),
  output: deploymentStatusOutput,
  async run(args, { app }) { return pauseDeployment(app, args.deployment_id, args.paused); },
  summarize(r) { return `deployment ${r.id}: ${r.paused ? 'paused' : 'resumed'} at ${r.stage}`; },
});
