import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { listNodes } from '../deployer/index.js';
import { nodeOutput } from './deploy-schemas.js';

export const listNodesTool = defineTool({
  name: 'list_nodes',
  title: 'List deploy nodes',
  description: 'The deploy targets: node VMs (running or not, kernel, the live deployment, the known-good policy). Found from their state dirs, so nodes started by another schedcp process or before a restart appear too.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({}).strict(),
  output: z.object({ nodes: z.array(nodeOutput) }),
  async run(_args, { app }) { return { nodes: await listNodes(app) }; },
});
