import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { listNodes } from '../deployer/index.js';
import { nodeOutput } from './deploy-schemas.js';

export const listNodesTool = defineTool({
  name: 'list_nodes',
  title: 'List deploy nodes',
  description: 'The deploy targets: node VMs (running or not, kernel, live deployment, known-good policy), found from their state dirs, so nodes started elsewhere or before a restart appear too. Use it before deploy_policy or start_node. Cost: milliseconds, small, no risk. Next: start_node or deploy_policy. Errors: none of its own.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({}).strict(),
  output: z.object({ nodes: z.array(nodeOutput) }),
  async run(_args, { app }) { return { nodes: await listNodes(app) }; },
});
