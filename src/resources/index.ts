// Every MCP resource, one adapter file each (thin, like src/tools/). The server registers this list.
import type { ResourceSpec } from '../server/resource.js';
import { policyResource } from './policy.js';
import { verificationResource } from './verification.js';
import { probeResource } from './probe.js';
import { systemSummaryResource } from './system-summary.js';
import { deploymentResource } from './deployment.js';

export const resources: ResourceSpec[] = [systemSummaryResource, policyResource, verificationResource, deploymentResource, probeResource];
