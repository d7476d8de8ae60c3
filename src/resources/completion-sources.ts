// Completion values for prompt arguments and resource-template variables, read from each
// component's real data (never a list kept here), then narrowed to what the client has typed.
import type { App } from '../app.js';
import { listBaselines, listProbes, workloadCatalog } from '../analysis/index.js';
import { repositoryOf } from '../repository/index.js';
import { tuningOf } from '../tuning/index.js';

/** MCP caps a completion answer at 100 values. */
const MAX_VALUES = 100;

/** Values starting with `typed` first, then values containing it (case-insensitive), unique, capped. */
export function narrow(values: Iterable<string>, typed: string): string[] {
  const needle = typed.toLowerCase();
  const unique = [...new Set(values)];
  const starts = unique.filter((v) => v.toLowerCase().startsWith(needle)).sort();
  const contains = unique.filter((v) => !v.toLowerCase().startsWith(needle) && v.toLowerCase().includes(needle)).sort();
  return [...starts, ...contains].slice(0, MAX_VALUES);
}

export async function policyNames(app: App): Promise<string[]> {
  const repo = repositoryOf(app);
  await repo.ready();
  return repo.list().map((p) => p.name);
}

/** Workload names an agent can mean: the runnable catalogue plus the repository's workload tags. */
export async function workloadNames(app: App): Promise<string[]> {
  const runnable = workloadCatalog(app).map((w) => w.name);
  const repo = repositoryOf(app);
  await repo.ready();
  return [...runnable, ...repo.list().flatMap((p) => p.metadata.targetWorkloads)];
}

export async function probeNames(): Promise<string[]> {
  return listProbes().map((p) => p.name);
}

export async function tunableKeys(app: App): Promise<string[]> {
  return [...tuningOf(app).kb.keys()];
}

export async function baselineNames(app: App): Promise<string[]> {
  return listBaselines(app).map((b) => b.name);
}

/** Deploy nodes found from their state dirs (running or not). */
export async function nodeNames(app: App): Promise<string[]> {
  const { listNodeVms } = await import('../vm/node-vm.js');
  return listNodeVms(app.config.dataDir).map((n) => n.name);
}

export type CompletionSource = (app: App) => Promise<string[]>;

/** A completion callback that never fails the protocol call: a broken source completes nothing. */
export function completer(app: App, source: CompletionSource): (typed: string) => Promise<string[]> {
  return async (typed: string) => {
    try { return narrow(await source(app), typed ?? ''); } catch (error) {
      app.logger.log('warning', 'completion source failed', { error: (error as Error).message });
      return [];
    }
  };
}
