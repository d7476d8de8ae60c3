import { z } from 'zod';
import { defineTool } from '../server/tool.js';
import { searchPolicies, STATUSES } from '../repository/index.js';

export const searchPoliciesTool = defineTool({
  name: 'search_policies',
  title: 'Search sched_ext policies',
  description: 'Finds sched_ext policies for a workload or goal in plain words ("parallel compilation throughput", "low tail latency for web requests"): hybrid keyword + embedding + BM25 ranking, verified/promoted preferred in close calls, quarantined pushed down; each hit says what decided it. Use it after observing the workload, before writing a policy. Cost: ~0.2 s, ~1k tokens per 5 hits, no risk. Next: get_policy with detail source. Errors: invalid_argument (empty or too long query), unsupported (embedding model failed to load).',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    query: z.string().max(16_384).describe('What the workload needs, in a sentence (at most 1000 characters).'),
    status: z.array(z.enum(STATUSES)).max(5).optional().describe('Only policies in these statuses (default: any).'),
    workload: z.string().max(48).optional().describe('Only policies targeting this workload tag (e.g. batch, interactive, compile).'),
    minScore: z.number().min(0).max(100).optional().describe('Only policies whose measured improvement factor over the baseline (>1 = better) reaches this on some (or the given) workload.'),
    limit: z.number().int().min(1).max(50).default(5),
  }).strict(),
  output: z.object({
    embedding: z.object({ provider: z.string(), modelId: z.string() }),
    hits: z.array(z.object({
      id: z.number(), name: z.string(), version: z.number(), status: z.string(), targetWorkloads: z.array(z.string()),
      summary: z.string(), score: z.number(), reason: z.string(), decidedBy: z.string(), matchedFields: z.array(z.string()),
    })),
    timings: z.object({ embedMs: z.number(), embedCached: z.boolean(), vectorMs: z.number(), textMs: z.number(), fuseMs: z.number(), totalMs: z.number() }),
  }),
  async run(args, { app }) {
    return searchPolicies(app, args);
  },
  summarize(r) {
    if (r.hits.length === 0) return `No policies matched (embedding: ${r.embedding.provider}).`;
    return [`${r.hits.length} policies (embedding: ${r.embedding.provider}):`, ...r.hits.map((h, i) => `${i + 1}. ${h.name} v${h.version} [${h.status}] — ${h.summary} (${h.reason})`)].join('\n');
  },
});
