import { gatherHostFacts, type HostFacts } from './facts.js';
import { classifyCapabilities, type AttachTests, type Capability, type KitStatus } from './capabilities.js';

export { gatherHostFacts, parseKernelConfig, parseMounts, type HostFacts } from './facts.js';
export { classifyCapabilities, type Capability, type CapabilityName, type AttachTests, type KitStatus } from './capabilities.js';

/** Extra evidence other components contribute (attach tests from the probe library, VM kit status). */
export type CapabilityContributor = () => Promise<{ attach?: AttachTests; kit?: KitStatus }>;
const contributors: CapabilityContributor[] = [];

export function addCapabilityContributor(contributor: CapabilityContributor): void {
  contributors.push(contributor);
}

export async function hostCapabilities(): Promise<{ kernelRelease: string; capabilities: Capability[] }> {
  const facts: HostFacts = gatherHostFacts();
  const extras: { attach?: AttachTests; kit?: KitStatus } = {};
  for (const contribute of contributors) {
    const more = await contribute().catch(() => ({}));
    Object.assign(extras, more);
  }
  return { kernelRelease: facts.kernelRelease, capabilities: classifyCapabilities(facts, extras) };
}
