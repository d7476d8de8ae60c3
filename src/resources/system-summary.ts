// system://summary: the level-0 digest (a few lines: busy, pressure, top tasks, active signals).
import { systemSummary } from '../analysis/index.js';
import type { FixedResourceSpec } from '../server/resource.js';

export const systemSummaryResource: FixedResourceSpec = {
  name: 'system-summary',
  uri: 'system://summary',
  title: 'What the machine is doing now',
  description: 'The current level-0 digest of system_summary as plain text: CPU busy, pressure, top tasks and active signals. Cheap (reuses a sample under a minute old, else samples 200 ms); call system_summary level 1 or 2 for metrics and per-task rows.',
  mimeType: 'text/plain',
  scope: 'read',
  async read(app) {
    const r = await systemSummary(app, { level: 0, windowMs: 0, topN: 5, sort: 'cpu' });
    return { text: `${r.digest.join('\n')}\n` };
  },
};
