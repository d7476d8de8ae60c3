import { z } from 'zod';
import { SchedcpError } from '../errors.js';
import { defineTool } from '../server/tool.js';
import { deployPolicy, type DeploySource } from '../deployer/index.js';
import { deploymentStatusOutput, planFromInput, planInput } from './deploy-schemas.js';

export const deployPolicyTool = defineTool({
  name: 'deploy_policy',
  title: 'Deploy a verified policy (canary first)',
  description: 'Deploys a sched_ext policy that verify_policy passed to a node. The token names the exact object the verifier checked (kept by the verifier; nothing is recompiled); its signature, expiry, evidence, the node\'s kernel and the canary mode must match, and a source or repository policy given beside it must be the one verified, or nothing is sent. Captures a baseline of the node\'s steady load, starts a canary (SCX_OPS_SWITCH_PARTIAL: only part of the load in SCHED_EXT), and returns once the canary is live and its first check passed, with a deployment id; the rollout (→ full → known-good) continues in the server, and the node agent rolls back on its own on an ejection, scx_bpf_error, a stall, a soft KPI gate, or heartbeat loss. Follow it with deployment_status. Errors: token_invalid (any token mismatch; nothing sent), invalid_argument, permission_denied (local target without config deploy.allowLocalTarget), unsupported (local without sched_ext), not_found (policy), already_exists (node busy), precondition_failed (node down, quarantined policy, too few baseline samples), dynamic_check_failed (canary did not start), subprocess_failed, timeout.',
  scope: 'deploy',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: z.object({
    token: z.string().max(4096).describe('The deployment token verify_policy returned.'),
    node: z.string().max(32).describe('Node name (list_nodes).'),
    target: z.enum(['vm-node', 'local']).default('vm-node').describe('vm-node: a node VM; local: this host (needs sched_ext).'),
    source: z.string().max(4 * 1024 * 1024).optional().describe('Optional cross-check: the policy C source you verified; refused unless it is what the token\'s verification compiled. The object shipped is always the verifier\'s own.'),
    headers: z.record(z.string().max(256), z.string().max(256 * 1024)).optional().describe('With source: its own headers, as given to verify_policy.'),
    policy_name: z.string().max(128).optional().describe('Optional cross-check: a repository policy (latest version, or `version`); also links the deployment to its repository record.'),
    version: z.number().int().positive().optional(),
    policy_id: z.number().int().positive().optional().describe('A repository policy version by id.'),
    plan: planInput.optional(),
    justification: z.string().max(1000).optional().describe('Why (stored in the audit log).'),
  }).strict(),
  output: deploymentStatusOutput,
  async run(args, ctx) {
    const given = [args.source !== undefined, args.policy_name !== undefined, args.policy_id !== undefined].filter(Boolean).length;
    if (given > 1) throw new SchedcpError('invalid_argument', `Give at most one of source, policy_name or policy_id (got ${given}); the token alone names the verified object.`);
    if (args.headers && args.source === undefined) throw new SchedcpError('invalid_argument', 'headers go with source; policy_name and policy_id bring their own.');
    const policy: DeploySource | undefined = given === 0 ? undefined : args.source !== undefined ? { source: args.source, ...(args.headers ? { headers: args.headers } : {}) }
      : args.policy_id !== undefined ? { policyId: args.policy_id } : { policyName: args.policy_name!, ...(args.version !== undefined ? { version: args.version } : {}) };
    return deployPolicy(ctx.app, { token: args.token, node: args.node, target: args.target, ...(policy ? { policy } : {}), plan: planFromInput(args.plan) }, {
      signal: ctx.signal, onProgress: (done, total, message) => { void ctx.progress(done, total, message); },
    });
  },
  summarize(r) { return `deployment ${r.id} on ${r.node}: ${r.stage}, breaker ${r.breaker}`; },
});
