import { z } from 'zod';
import { SIGNAL_NAMES, currentSignals, signalsSince } from '../analysis/index.js';
import { defineTool } from '../server/tool.js';

const signal = z.object({ name: z.string(), severity: z.string(), score: z.number(), summary: z.string(), evidence: z.record(z.string(), z.number()), at: z.string() });

export const systemSignalsTool = defineTool({
  name: 'system_signals',
  title: 'Semantic pressure signals, now and over time',
  description: `Named signals (${SIGNAL_NAMES.join(', ')}) with severity, a 0..1 score, a one-line summary and evidence, from the latest background window (fresh=true or window_ms samples anew and waits that long); since_minutes/since adds history with per-signal trends ("what changed"). Use it after system_summary to decide what to probe or tune. Cost: milliseconds from the sampler, ~600 tokens; no risk (records the window in schedcp's own history). Next: run_probe, recommend_tunings or recommend_actions. Errors: invalid_argument.`,
  scope: 'read',
  // Observation only; the sample it stores is schedcp's own history, not a change to the host.
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: z.object({
    current: z.boolean().default(true).describe('Sample and classify now.'),
    window_ms: z.number().int().min(100).max(60_000).optional().describe('Classify over a new window of this many ms instead of the latest background window.'),
    fresh: z.boolean().default(false).describe('Classify over a new 1 s window (or window_ms) instead of the latest background one.'),
    since_minutes: z.number().min(0).max(7 * 24 * 60).optional().describe('Also return history and trends of the last N minutes.'),
    since: z.iso.datetime().optional().describe('Alternatively, history since this ISO-8601 time.'),
    names: z.array(z.enum(SIGNAL_NAMES)).max(8).optional().describe('Only these signals.'),
    history_limit: z.number().int().min(1).max(2000).default(200).describe('Most recent history samples returned (trends use all).'),
  }).strict(),
  output: z.object({
    current: z.array(signal).optional(),
    history: z.object({ since: z.string(), samples: z.array(signal), trends: z.array(z.record(z.string(), z.unknown())) }).optional(),
  }),
  async run(args, { app, signal: abort }) {
    const out: { current?: z.infer<typeof signal>[]; history?: { since: string; samples: z.infer<typeof signal>[]; trends: Record<string, unknown>[] } } = {};
    if (args.current) {
      const all = await currentSignals(app, { ...(args.window_ms !== undefined && { windowMs: args.window_ms }), fresh: args.fresh, signal: abort });
      out.current = args.names ? all.filter((s) => args.names!.includes(s.name)) : all;
    }
    const since = args.since ?? (args.since_minutes !== undefined ? new Date(Date.now() - args.since_minutes * 60_000).toISOString() : undefined);
    if (since) {
      const h = signalsSince(app, { sinceIso: since, limit: args.history_limit, ...(args.names && { names: args.names }) });
      out.history = { since, samples: h.samples, trends: h.trends as unknown as Record<string, unknown>[] };
    }
    return out;
  },
  summarize: (r) => [
    ...(r.current ?? []).filter((s) => s.severity !== 'none').map((s) => s.summary),
    ...(r.current && r.current.every((s) => s.severity === 'none') ? ['no active signals'] : []),
    ...(r.history ? [`history since ${r.history.since}: ${r.history.samples.length} samples; ${r.history.trends.filter((t) => t.changed).map((t) => `${t.name} changed`).join(', ') || 'no severity changes'}`] : []),
  ].join('\n'),
});
