import { z } from 'zod';
import { defineTool } from '../server/tool.js';

const row = z.object({
  id: z.number(), ts: z.string(), caller: z.string(), transport: z.string(), tool: z.string(),
  argsDigest: z.string(), args: z.unknown(), justification: z.string().nullable(),
  outcome: z.enum(['ok', 'error', 'denied', 'rate_limited']), errorCode: z.string().nullable(),
  durationMs: z.number(), sampled: z.boolean(),
});

export const auditLogTool = defineTool({
  name: 'audit_log',
  title: 'Read the audit log',
  description: 'Recent audited calls, newest first: caller, transport, tool, redacted arguments and their digest, justification, outcome, duration; counters=true adds exact per-tool counts. Use it to see what this or another agent did, or why a call was refused. Changing and failed calls are always recorded; successful read-only calls are sampled. Cost: milliseconds, tokens grow with limit; no risk. Errors: invalid_argument (bad filter or since).',
  scope: 'read',
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    tool: z.string().max(64).optional().describe('Only calls of this tool.'),
    caller: z.string().max(64).optional(),
    outcome: z.enum(['ok', 'error', 'denied', 'rate_limited']).optional(),
    since: z.iso.datetime().optional().describe('ISO-8601 timestamp; only rows at or after it.'),
    limit: z.number().int().min(1).max(500).default(20),
    counters: z.boolean().default(false).describe('Include per-tool call counters.'),
  }).strict(),
  output: z.object({
    rows: z.array(row),
    counters: z.array(z.object({ tool: z.string(), caller: z.string(), outcome: z.string(), calls: z.number() })).optional(),
  }),
  async run(args, { app }) {
    const rows = app.audit.query({ tool: args.tool, caller: args.caller, outcome: args.outcome, sinceIso: args.since, limit: args.limit });
    return { rows, ...(args.counters && { counters: app.audit.counters() }) };
  },
});
