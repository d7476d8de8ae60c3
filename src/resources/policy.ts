// policy://{name}: each policy's current version (metadata + BPF source) as an MCP resource.
import { repositoryOf } from '../repository/index.js';
import type { TemplateResourceSpec } from '../server/resource.js';
import { narrow, policyNames } from './completion-sources.js';

export const policyResource: TemplateResourceSpec = {
  name: 'policy',
  uriTemplate: 'policy://{name}',
  title: 'sched_ext policy',
  description: 'The latest version of a repository policy: status, metadata (algorithm, workloads, tunables, trade-offs) and the BPF C source. Same data as get_policy; attach it to a conversation instead of calling the tool.',
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
  complete: { name: async (app, typed) => narrow(await policyNames(app), typed) },
  async read(app, variables) {
    const repo = repositoryOf(app);
    await repo.ready();
    const p = repo.get({ name: variables.name ?? '' });
    const { source, ...rest } = p;
    return { text: JSON.stringify({ ...rest, source }, null, 2) };
  },
};
