import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { rollbackDeployment } from '../deployer/index.js';
import { deploymentStatusOutput } from './deploy-schemas.js';

export const rollbackDeploymentTool = defineTool({
  name: 'rollback_deployment',
  title: 'Roll a deployment back now',
  description: 'Aborts a live deployment at once: the agent detaches the policy, waits for the kernel to report disabled, and reinstates the node\'s known-good policy (or stays on the default scheduler). An operator rollback does not count towards quarantine.',
  scope: 'deploy',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: z.object({ deployment_id: z.number().int().positive(), reason: z.string().max(500).optional(), justification: z.string().max(1000).optional() }).strict(),
  output: deploymentStatusOutput,
  async run(args, { app }) { return rollbackDeployment(app, args.deployment_id, args.reason); },
});
