import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { startNode } from '../deployer/index.js';
import { nodeOutput } from './deploy-schemas.js';

export const startNodeTool = defineTool({
  name: 'start_node',
  title: 'Start a node VM',
  description: 'Boots a long-running sched_ext node VM (detached: it outlives the server) whose agent runs a steady production-like load and owns the scheduler; returns once the agent answers. Use it when list_nodes has no running node to deploy to. Cost: a few seconds to boot under TCG, then the VM\'s CPUs and memory stay busy on the host until stop_node. Next: deploy_policy. Errors: invalid_argument (name), already_exists (running), permission_denied (target local without config deploy.allowLocalTarget), unsupported (local without sched_ext), precondition_failed (no VM kit, agent did not answer).',
  scope: 'deploy',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: z.object({
    name: z.string().max(32).describe('a-z, 0-9, -; starts with a letter.'),
    target: z.enum(['vm-node', 'local']).default('vm-node'),
    cpus: z.number().int().min(1).max(8).optional(), memory_mib: z.number().int().min(256).max(8192).optional(),
    batch_workers: z.number().int().min(0).max(8).optional().describe('CPU-bound workers in the steady load (default 2).'),
    interval_ms: z.number().int().min(50).max(5000).optional().describe('Agent sampling interval (default 250).'),
    justification: z.string().max(1000).optional(),
  }).strict(),
  output: nodeOutput,
  async run(args, { app }) {
    return startNode(app, args.name, { target: args.target, ...(args.cpus ? { cpus: args.cpus } : {}), ...(args.memory_mib ? { memoryMiB: args.memory_mib } : {}), ...(args.batch_workers !== undefined ? { batchWorkers: args.batch_workers } : {}), ...(args.interval_ms ? { intervalMs: args.interval_ms } : {}) });
  },
});
