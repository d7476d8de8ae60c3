// Attach-tested capabilities: runs the featuretest loader once (tp_btf, raw_tp, fentry, kprobe each
// loaded and attached alone) and feeds host_capabilities real evidence instead of config flags.
import { existsSync } from 'node:fs';
import { run } from '../../exec/index.js';
import type { AttachTests } from '../../host/index.js';
import { loaderPath } from './registry.js';

let cached: Promise<AttachTests | undefined> | undefined;

export function attachFeatureTest(): Promise<AttachTests | undefined> {
  cached ??= (async () => {
    const binary = loaderPath('featuretest');
    if (!existsSync(binary)) return undefined;
    const result = await run(binary, [], { timeoutMs: 20_000, allowFailure: true });
    const line = result.stdout.split('\n').find((l) => l.includes('"feature_test"'));
    if (!line) return undefined;
    const parsed = JSON.parse(line) as Record<string, { ok: boolean; reason: string }>;
    const tests: AttachTests = {};
    for (const key of ['tp_btf', 'raw_tp', 'fentry', 'kprobe'] as const) if (parsed[key]) tests[key] = parsed[key];
    return tests;
  })().catch(() => undefined);
  return cached;
}
