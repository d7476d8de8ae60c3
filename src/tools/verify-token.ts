import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { DEPLOY_MODES, verifyToken } from '../verifier/index.js';

export const verifyTokenTool = defineTool({
  name: 'verify_token',
  title: 'Check a deployment token',
  description: 'Checks a verify_policy token: Ed25519 signature, expiry, the policy object hash, the current kit kernel, an allowed deploy mode, and that the cited evidence is stored unchanged; valid=false with the reason on any mismatch (not an error). Use it before deploy_policy when a token is old or came from elsewhere. Cost: milliseconds, small, no risk. Next: deploy_policy. Errors: invalid_argument (unknown mode, malformed hash).',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    token: z.string().max(4096).describe('The token string (schedcp-vt1.…).'),
    policy_sha256: z.string().regex(/^[0-9a-f]{64}$/).optional().describe('sha256 of the policy object about to be deployed.'),
    kernel_release: z.string().max(128).optional().describe('Expected kit kernel release (default: the current kit).'),
    mode: z.enum(DEPLOY_MODES).optional().describe('The deploy mode the caller intends.'),
  }).strict(),
  output: z.object({
    valid: z.boolean(), reason: z.string().optional(),
    claims: z.object({
      kid: z.string(), policySha256: z.string(), sourceSha256: z.string().optional(), verifierVersion: z.string(), kernelRelease: z.string(),
      evidenceId: z.number(), evidenceSha256: z.string(), iat: z.number(), exp: z.number(), modes: z.array(z.string()),
    }).optional(),
  }),
  async run(args, { app }) {
    return verifyToken(app, args.token, {
      ...(args.policy_sha256 ? { policySha256: args.policy_sha256 } : {}), ...(args.kernel_release ? { kernelRelease: args.kernel_release } : {}), ...(args.mode ? { mode: args.mode } : {}),
    });
  },
});
