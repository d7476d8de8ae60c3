// probe://{name}: the eBPF probe catalogue (what each probe measures, how it attaches, filters).
import { listProbes } from '../analysis/index.js';
import { SchedcpError } from '../errors.js';
import type { TemplateResourceSpec } from '../server/resource.js';
import { narrow, probeNames } from './completion-sources.js';

export const probeResource: TemplateResourceSpec = {
  name: 'probe',
  uriTemplate: 'probe://{name}',
  title: 'eBPF probe',
  description: 'One probe of the library run_probe attaches: what it measures, the kernel events it uses (tp_btf first, classic tracepoints as fallback), whether pid/comm/cgroup filters apply and whether it streams events. Listing the template gives the whole catalogue.',
  mimeType: 'application/json',
  scope: 'read',
  async list() {
    return listProbes().map((p) => ({ uri: `probe://${p.name}`, name: p.name, mimeType: 'application/json', description: p.title }));
  },
  complete: { name: async (_app, typed) => narrow(await probeNames(), typed) },
  async read(_app, variables) {
    const probe = listProbes().find((p) => p.name === variables.name);
    if (!probe) throw new SchedcpError('not_found', `No probe ${JSON.stringify((variables.name ?? '').slice(0, 40))}; probes: ${listProbes().map((p) => p.name).join(', ')}.`);
    return { text: JSON.stringify(probe, null, 2) };
  },
};
