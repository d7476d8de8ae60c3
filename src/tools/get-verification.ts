import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { getVerification } from '../verifier/index.js';

export const getVerificationTool = defineTool({
  name: 'get_verification',
  title: 'Get a verification\'s evidence',
  description: 'The stored evidence of a verify_policy run by id: detail summary (verdict, one line per stage), stages (default: each stage\'s evidence without logs) or full (+ kernel verifier log tail, dmesg, program stats, workload output). Use it to see why a stage failed before fixing the source; ask for full only then. Cost: milliseconds; ~500 tokens to several thousand for full; no risk. Also the resource verification://{id}. Next: submit_policy (fixed) or verify_policy. Errors: not_found.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    id: z.number().int().positive().describe('Verification id from verify_policy or `schedcp verify`.'),
    detail: z.enum(['summary', 'stages', 'full']).default('stages'),
  }).strict(),
  output: z.object({
    id: z.number(), createdAt: z.string(), verdict: z.string(), failedStage: z.string().nullable(), reason: z.string().nullable(),
    policyLabel: z.string(), repositoryPolicyId: z.number().nullable(), sourceSha256: z.string().nullable(), objectSha256: z.string().nullable(),
    durationMs: z.number(), evidenceSha256: z.string(), token: z.string().nullable(),
    stages: z.array(z.object({ stage: z.string(), verdict: z.string(), summary: z.string() }).passthrough()),
    evidence: z.unknown().optional(),
  }),
  async run(args, { app }) {
    return getVerification(app, args.id, args.detail);
  },
});
