import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { rollbackDeployment } from '../deployer/index.js';
import { deploymentStatusOutput } from './deploy-schemas.js';

export const rollbackDeploymentTool = defineTool({
  name: 'rollback_deployment',
  title: 'Roll a deployment back now',
  description: 'Aborts a live deployment now: the node agent detaches the policy, waits for the kernel to report it disabled, and reinstates the node\'s known-good policy (or the default scheduler). An operator rollback does not count towards quarantine. Use it when a canary looks wrong even without a trip. Cost: seconds; the node\'s load changes scheduler. Next: deployment_status, record_outcome. Errors: not_found, precondition_failed (already ended, node down or refused), timeout.',
  scope: 'deploy',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: z.object({ deployment_id: z.number().int().positive(), reason: z.string().max(500).optional(), justification: z.string().max(1000).optional() }).strict(),
  output: deploymentStatusOutput,
  async run(args, { app }) { return rollbackDeployment(app, args.deployment_id, args.reason); },
});
