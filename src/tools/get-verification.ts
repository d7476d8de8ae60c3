import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { getVerification } from '../verifier/index.js';

export const getVerificationTool = defineTool({
  name: 'get_verification',
  title: 'Get a verification\'s evidence',
  description: 'The stored evidence of a verify_policy run by id. detail "summary": verdict and one line per stage; "stages" (default): plus each stage\'s evidence without logs and workload output; "full": everything (kernel verifier log tail, dmesg, per-program stats, workload output).',
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
