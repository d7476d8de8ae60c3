import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { stopNode } from '../deployer/index.js';

export const stopNodeTool = defineTool({
  name: 'stop_node',
  title: 'Stop a node VM',
  description: 'Stops a node VM and removes its state dir. Use it at the end of a session to free the host\'s CPUs. Cost: a second or two. Errors: precondition_failed (a deployment is live on it: rollback_deployment first), not_found, invalid_argument (name).',
  scope: 'deploy',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: z.object({ name: z.string().max(32), justification: z.string().max(1000).optional() }).strict(),
  output: z.object({ name: z.string(), wasRunning: z.boolean() }),
  async run(args, { app }) { return stopNode(app, args.name); },
});
