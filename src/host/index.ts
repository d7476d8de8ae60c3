import { gatherHostFacts, type HostFacts } from './facts.js';
import { classifyCapabilities, type AttachTests, type Capability, type KitStatus } from './capabilities.js';

export { gatherHostFacts, parseKernelConfig, parseMounts, type HostFacts } from './facts.js';
export { classifyCgroupControllers, detectCgroupControllers, V1_SUBSYSTEM, type CgroupController, type CgroupControllerLayout } from './cgroups.js';
export { classifyCapabilities, type Capability, type CapabilityName, type AttachTests, type KitStatus } from './capabilities.js';

/** Where contributors look for their state (the VM kit lives in the cache dir). */
export interface CapabilityContext { cacheDir?: string | undefined }

/** Extra evidence other components contribute (attach tests from the probe library, VM kit status). */
export type CapabilityContributor = (context: CapabilityContext) => Promise<{ attach?: AttachTests; kit?: KitStatus }>;
const contributors: CapabilityContributor[] = [];

export function addCapabilityContributor(contributor: CapabilityContributor): void {
  contributors.push(contributor);
}

export async function hostCapabilities(context: CapabilityContext = {}): Promise<{ kernelRelease: string; capabilities: Capability[] }> {
  const facts: HostFacts = gatherHostFacts();
  const extras: { attach?: AttachTests; kit?: KitStatus } = {};
  for (const contribute of contributors) {
    const more = await contribute(context).catch(() => ({}));
    Object.assign(extras, more);
  }
  return { kernelRelease: facts.kernelRelease, capabilities: classifyCapabilities(facts, extras) };
}
