import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { getPolicy } from '../repository/index.js';
import { SchedcpError } from '../errors.js';

export const getPolicyTool = defineTool({
  name: 'get_policy',
  title: 'Get a sched_ext policy',
  description: 'One policy by id or name (latest version unless version): detail summary (status, description, workloads), metadata (+ algorithm, tunables, trade-offs, lineage, hashes) or source (+ the BPF C source). Also the resource policy://{name}. Use it after search_policies; ask for source only for the policy you will adapt. Cost: milliseconds; ~150 / ~500 / ~1.5k+ tokens. Next: submit_policy (adapted) or verify_policy. Errors: invalid_argument (id and name, version with id), not_found.',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    id: z.number().int().min(1).optional().describe('Policy version id (from search_policies).'),
    name: z.string().max(64).optional().describe('Policy name.'),
    version: z.number().int().min(1).max(1_000_000).optional().describe('With name: this version instead of the latest.'),
    detail: z.enum(['summary', 'metadata', 'source']).default('summary'),
  }).strict(),
  output: z.object({
    id: z.number(), name: z.string(), version: z.number(), status: z.string(), provenance: z.string(),
    description: z.string(), targetWorkloads: z.array(z.string()),
    algorithm: z.string().optional(), tunables: z.array(z.record(z.string(), z.unknown())).optional(),
    useCases: z.array(z.string()).optional(), tradeoffs: z.array(z.string()).optional(), limitations: z.array(z.string()).optional(),
    parentId: z.number().nullable().optional(), sourceSha256: z.string().optional(), objectSha256: z.string().nullable().optional(),
    createdAt: z.string().optional(), createdBy: z.string().optional(), source: z.string().optional(),
  }),
  async run(args, { app }) {
    if ((args.id === undefined) === (args.name === undefined)) throw new SchedcpError('invalid_argument', 'Give exactly one of id or name.');
    if (args.id !== undefined && args.version !== undefined) throw new SchedcpError('invalid_argument', 'version goes with name, not id (an id already names one version).');
    const p = getPolicy(app, args.id !== undefined ? { id: args.id } : { name: args.name!, version: args.version });
    const m = p.metadata;
    const base = { id: p.id, name: p.name, version: p.version, status: p.status, provenance: p.provenance, description: p.description, targetWorkloads: m.targetWorkloads };
    if (args.detail === 'summary') return base;
    const meta = {
      ...base, algorithm: m.algorithm, tunables: m.tunables, useCases: m.useCases, tradeoffs: m.tradeoffs, limitations: m.limitations,
      parentId: p.parentId, sourceSha256: p.sourceSha256, objectSha256: p.objectSha256, createdAt: p.createdAt, createdBy: p.createdBy,
    };
    return args.detail === 'metadata' ? meta : { ...meta, source: p.source };
  },
});
