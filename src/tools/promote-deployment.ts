import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { promoteDeployment } from '../deployer/index.js';
import { deploymentStatusOutput } from './deploy-schemas.js';

export const promoteDeploymentTool = defineTool({
  name: 'promote_deployment',
  title: 'Promote a canary to full',
  description: 'Moves a canary (or one awaiting approval) to full: the node agent reloads the policy without SCX_OPS_SWITCH_PARTIAL and confirms it is enabled; the breaker stays armed. Use it when deployment_status shows green gates. Risk: every task on that node then runs under the policy. Cost: a few seconds. Next: deployment_status; record_outcome once the rollout is known-good. Errors: not_found, precondition_failed (not a canary, ended, node down or refused), token_invalid (the token allows canary only), timeout.',
  scope: 'deploy',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: z.object({ deployment_id: z.number().int().positive(), justification: z.string().max(1000).optional() }).strict(),
  output: deploymentStatusOutput,
  async run(args, { app }) { return promoteDeployment(app, args.deployment_id); },
});
