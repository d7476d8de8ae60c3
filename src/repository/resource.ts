// policy://{name} — each policy's current version (metadata + BPF source) as an MCP resource.
import type { ResourceSpec } from '../server/resource.js';
import { repositoryOf } from './operations.js';

export const policyResource: ResourceSpec = {
  name: 'policy',
  uriTemplate: 'policy://{name}',
  title: 'sched_ext policy',
  description: 'The latest version of a repository policy: status, metadata (algorithm, workloads, tunables, trade-offs) and the BPF C source.',
  mimeType: 'application/json',
  scope: 'read',
  async list(app) {
    const repo = repositoryOf(app);
    await repo.ready();
    return repo.list().map((p) => ({
      uri: `policy://${p.name}`, name: p.name, mimeType: 'application/json',
      description: `v${p.version} [${p.status}] ${p.description.slice(0, 160)}`,
    }));
  },
  async read(app, variables) {
    const repo = repositoryOf(app);
    await repo.ready();
    const p = repo.get({ name: variables.name ?? '' });
    const { source, ...rest } = p;
    return { text: JSON.stringify({ ...rest, source }, null, 2) };
  },
};
