// The verifier's calls into the repository component (policy lookup, outcome recording), loaded
// lazily so `schedcp verify file.bpf.c` does not load the search engine and its models.
import type { App } from '../app.js';
import type { Verification } from './types.js';
import type { PerfComparison } from './vm-stages.js';

export interface RepositoryPolicy { id: number; name: string; version: number; source: string; headers?: Record<string, string> }

export async function lookupPolicy(app: App, ref: { id: number } | { name: string; version?: number }): Promise<RepositoryPolicy> {
  const repo = await import('../repository/index.js');
  await repo.repositoryOf(app).ready();
  return 'id' in ref ? repo.getPolicyById(app, ref.id) : repo.getPolicyByName(app, ref.name, ref.version);
}

export async function recordInRepository(app: App, input: { policyId: number; verification: Verification; performance?: PerfComparison[]; kit?: string }): Promise<void> {
  const repo = await import('../repository/index.js');
  const v = input.verification;
  await repo.recordOutcome(app, {
    policy: { id: input.policyId },
    source: 'verify_run',
    verification: { id: String(v.id), verdict: v.verdict, tokenId: v.token ? v.evidenceSha256.slice(0, 16) : undefined, detail: v.reason ?? v.stages.map((s) => `${s.stage}:${s.verdict}`).join(' ') },
    performance: (input.performance ?? []).map((c) => ({
      workload: c.workload, metric: c.metric, direction: c.direction, value: c.comparison.candidateMedian,
      ...(c.comparison.baselineMedian !== 0 ? { baseline: c.comparison.baselineMedian } : {}), spread: c.spreadPct / 100, host: 'schedcp-microvm', kit: input.kit,
    })),
  });
}
