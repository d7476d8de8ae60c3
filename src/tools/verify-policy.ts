import { z } from 'zod';
import { SchedcpError } from '../errors.js';
import { defineTool } from '../server/tool.js';
import { verifyPolicyRequest, type PolicyRequest } from '../verifier/index.js';

const stage = z.object({ stage: z.string(), verdict: z.enum(['pass', 'warn', 'fail', 'skipped']), durationMs: z.number(), summary: z.string(), reason: z.string().optional() });

export const verifyPolicyTool = defineTool({
  name: 'verify_policy',
  title: 'Verify a sched_ext policy',
  description: 'Runs the execution verifier on C source or a repository policy: static checks and compile, the real kernel verifier in a micro-VM, a dynamic suite with a watchdog, a noise-aware perf check; stops at the first failing stage (verdict fail + failureClass, not an error). On success: a signed deployment token. Cost: ~0.2 s static_only; ~5 s (perf off) to ~15 s (perf on) under TCG on an idle 2-core host, one VM at a time; progress, cancellable; no host risk. Next: deploy_policy or record_outcome. Errors: invalid_argument, not_found, precondition_failed (no VM kit), cancelled.',
  scope: 'verify',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: z.object({
    source: z.string().max(4 * 1024 * 1024).optional().describe('Policy C source (a sched_ext BPF program including <scx/common.bpf.h>). Size limit: config limits.maxPolicySourceBytes.'),
    headers: z.record(z.string().max(256), z.string().max(4 * 1024 * 1024)).optional().describe('With source: the policy\'s own headers for its "quoted" includes, name (relative to the policy\'s folder, ending in .h, no ..) → text, e.g. {"scx_flatcg.h": "…"}. At most 32, 256 KiB each; they are checked like the source and hashed into the evidence and the token.'),
    file_name: z.string().max(128).regex(/^[A-Za-z0-9_.-]+$/).optional().describe('A name for the source in reports, e.g. my_sched.bpf.c.'),
    policy_id: z.number().int().positive().optional().describe('Verify this repository policy version by id.'),
    policy_name: z.string().max(128).optional().describe('Verify the latest (or `version`) repository policy with this name.'),
    version: z.number().int().positive().optional().describe('With policy_name: a specific version.'),
    static_only: z.boolean().default(false).describe('Only the static stage (no VM, no token).'),
    perf: z.boolean().default(true).describe('Run the performance regression check; without it a token allows canary deploys only.'),
    timeout_seconds: z.number().int().min(5).max(3600).optional().describe('Wall-clock limit for the VM run.'),
    fresh_baseline: z.boolean().default(false).describe('With perf: measure the default-scheduler baseline in this VM instead of reusing a stored one (younger than an hour, same kit, suite, VM shape and host). Costs ~6 s more under TCG.'),
  }).strict(),
  output: z.object({
    id: z.number(), verdict: z.enum(['pass', 'warn', 'fail']),
    failedStage: z.string().optional(), failureClass: z.string().optional(), reason: z.string().optional(),
    policy: z.object({ label: z.string(), repositoryPolicyId: z.number().optional(), sourceSha256: z.string().optional(), headersSha256: z.string().optional(), objectSha256: z.string().optional(), opsName: z.string().optional() }),
    stages: z.array(stage), token: z.string().optional(), tokenExpiresAt: z.string().optional(), tokenModes: z.array(z.string()).optional(),
    evidenceSha256: z.string(), durationMs: z.number(), notes: z.array(z.string()),
  }),
  async run(args, ctx) {
    const given = [args.source !== undefined, args.policy_id !== undefined, args.policy_name !== undefined].filter(Boolean).length;
    if (given !== 1) throw new SchedcpError('invalid_argument', `Give exactly one of source, policy_id or policy_name (got ${given}).`);
    if (args.headers !== undefined && args.source === undefined) throw new SchedcpError('invalid_argument', '`headers` go with `source`; a repository policy brings its own stored headers.');
    if (args.version !== undefined && args.policy_name === undefined) throw new SchedcpError('invalid_argument', '`version` only applies together with policy_name.');
    const request: PolicyRequest = args.source !== undefined ? { source: args.source, ...(args.headers ? { headers: args.headers } : {}), ...(args.file_name ? { fileName: args.file_name } : {}) }
      : args.policy_id !== undefined ? { policyId: args.policy_id } : { policyName: args.policy_name!, ...(args.version !== undefined ? { version: args.version } : {}) };
    return verifyPolicyRequest(ctx.app, request, {
      signal: ctx.signal, staticOnly: args.static_only, perf: args.perf, baseline: args.fresh_baseline ? 'fresh' : 'reuse', ...(args.timeout_seconds ? { timeoutSeconds: args.timeout_seconds } : {}),
      onProgress: (done, total, message) => { void ctx.progress(done, total, message); },
    });
  },
  summarize(r) {
    const stages = r.stages.map((s) => `${s.stage}:${s.verdict}`).join(' ');
    return `verification #${r.id}: ${r.verdict.toUpperCase()} [${stages}]${r.reason ? ` — ${r.reason}` : ''}${r.token ? ` — token issued (${r.tokenModes?.join('/')})` : ''}`;
  },
});
