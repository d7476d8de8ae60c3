// deployment://{id}: one deployment's report from the deployer's own records (stage, breaker,
// gates against the baseline, trip with its evidence and rollback timing, the event log).
import { SchedcpError } from '../errors.js';
import { deploymentStatus, listDeployments } from '../deployer/index.js';
import type { TemplateResourceSpec } from '../server/resource.js';
import { narrow } from './completion-sources.js';

export const deploymentResource: TemplateResourceSpec = {
  name: 'deployment',
  uriTemplate: 'deployment://{id}',
  title: 'Deployment report',
  description: 'One canary deployment by id (deploy_policy returns it): node, policy and token modes, stage, breaker, gates (current vs baseline vs threshold), the trip with its evidence and detection/restore timing, and every event. The same record as deployment_status with detail (without the raw samples). Lists the 50 most recent deployments.',
  mimeType: 'application/json',
  scope: 'read',
  async list(app) {
    return listDeployments(app, { limit: 50 }).map((d) => ({
      uri: `deployment://${d.id}`, name: `deployment ${d.id}`, mimeType: 'application/json',
      description: `${d.policy} on ${d.node}: ${d.stage}${d.trip ? ` (${d.trip.kind})` : ''}`,
    }));
  },
  complete: { id: async (app, typed) => narrow(listDeployments(app, { limit: 100 }).map((d) => String(d.id)), typed) },
  async read(app, variables) {
    const raw = variables.id ?? '';
    if (!/^[1-9][0-9]{0,15}$/.test(raw)) throw new SchedcpError('invalid_argument', `Deployment id ${JSON.stringify(raw.slice(0, 40))} is not a positive integer; ids come from deploy_policy or list_deployments.`);
    const { samples: _samples, ...report } = await deploymentStatus(app, Number(raw), { detail: true });
    return { text: JSON.stringify(report, null, 2) };
  },
};
