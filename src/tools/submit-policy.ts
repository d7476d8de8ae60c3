import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { policyMetadataSchema, submitPolicy } from '../repository/index.js';

export const submitPolicyTool = defineTool({
  name: 'submit_policy',
  title: 'Submit a candidate sched_ext policy',
  description: 'Adds an agent-written candidate (BPF C for the 6.12 sched_ext API + metadata, optional parent) to the repository; the verifier\'s static stage (sandboxed compile + rules) runs at once and its verdict and findings come back (a failing compile is a verdict, not an error). Use it for a new or adapted policy. Cost: ~0.2–2 s, a few hundred tokens; stores a candidate, nothing runs in the kernel. Next: fix and resubmit, or verify_policy with the id. Errors: invalid_argument (metadata, empty source), already_exists (name or identical source), limit_exceeded (source size), not_found (parent).',
  scope: 'verify',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: z.object({
    source: z.string().max(4 * 1024 * 1024).describe('The policy.bpf.c source (#include <scx/common.bpf.h>; limits.maxPolicySourceBytes applies).'),
    headers: z.record(z.string().max(256), z.string().max(4 * 1024 * 1024)).optional().describe('The policy\'s own headers for its "quoted" includes: name (relative to the policy\'s folder, ending in .h, no ..) → text. Checked by the static stage and stored with the policy.'),
    metadata: policyMetadataSchema.describe('name, description, algorithm, targetWorkloads, useCases, tradeoffs, limitations, tunables.'),
    parent: z.union([z.string().max(64), z.number().int().min(1)]).optional().describe('Name or id of the policy this one derives from (lineage).'),
  }).strict(),
  output: z.object({
    id: z.number(), name: z.string(), version: z.number(), status: z.string(), sourceSha256: z.string(), parentId: z.number().nullable(),
    staticStage: z.object({
      verdict: z.string(), reason: z.string().optional(), objectSha256: z.string().optional(),
      findings: z.array(z.object({ rule: z.string(), severity: z.string(), message: z.string(), line: z.number().optional() })).optional(),
    }).optional(),
  }),
  async run(args, { app, caller, signal }) {
    const r = await submitPolicy(app, { source: args.source, headers: args.headers, metadata: args.metadata, parent: args.parent, signal }, { caller: caller.id, transport: caller.transport });
    const s = r.staticStage;
    return {
      ...r,
      ...(s && {
        staticStage: {
          verdict: s.verdict, ...('reason' in s && s.reason ? { reason: s.reason } : {}),
          ...('objectSha256' in s && s.objectSha256 ? { objectSha256: s.objectSha256 } : {}),
          ...('findings' in s ? { findings: s.findings.filter((f) => f.severity !== 'info').slice(0, 20).map((f) => ({ rule: f.rule, severity: f.severity, message: f.message, ...(f.line !== undefined && { line: f.line }) })) } : {}),
        },
      }),
    };
  },
});
