import { describe, expect, it } from 'vitest';
import { checkPlan, stepWindow, type GuardrailInput } from './guardrails.js';
import { loadKnowledgeBase } from './kb.js';

const kb = new Map(loadKnowledgeBase().map((t) => [t.key, t]));
const current = new Map<string, string | undefined>([
  ['vm.swappiness', '60'], ['vm.dirty_ratio', '20'], ['vm.dirty_background_ratio', '10'],
  ['net.ipv4.tcp_rmem', '4096 131072 6291456'], ['net.core.somaxconn', '4096'],
  ['kernel.sched_latency_ns', undefined], ['kernel.sched_min_granularity_ns', undefined],
  ['kernel.sched_rt_runtime_us', '950000'], ['kernel.sched_rt_period_us', '1000000'], ['vm.overcommit_memory', '0'],
]);
const input = (changes: GuardrailInput['changes'], extra: Partial<GuardrailInput> = {}): GuardrailInput => ({ kb, allow: [], target: 'host', current, changes, ...extra });

describe('tuning guardrails', () => {
  it('accepts an in-range plan and marks no-op changes', () => {
    const check = checkPlan(input([{ key: 'vm.swappiness', value: 30 }, { key: 'net.core.somaxconn', value: '4096' }]));
    expect(check.ok).toBe(true);
    expect(check.changes).toEqual([
      { key: 'vm.swappiness', from: '60', to: '30', unchanged: false },
      { key: 'net.core.somaxconn', from: '4096', to: '4096', unchanged: true },
    ]);
  });

  it('denies an out-of-range value naming the rule and the allowed range', () => {
    const check = checkPlan(input([{ key: 'vm.swappiness', value: 250 }]));
    expect(check.ok).toBe(false);
    expect(check.denials[0]).toMatchObject({ key: 'vm.swappiness', rule: 'range', allowed: '0..200 (relative swap cost)' });
    expect(check.denials[0]!.message).toContain('250 is outside the safe range 0..200');
  });

  it('denies wrong types, enum values outside the safe set, and unknown keys', () => {
    const check = checkPlan(input([{ key: 'vm.swappiness', value: 'low' }, { key: 'vm.overcommit_memory', value: 2 }, { key: 'vm.made_up', value: 1 }]));
    expect(check.denials.map((d) => [d.key, d.rule])).toEqual([['vm.swappiness', 'type'], ['vm.overcommit_memory', 'type'], ['vm.made_up', 'unknown_tunable']]);
    expect(check.denials[1]!.message).toContain('choose one of 0, 1');
    expect(check.changes).toEqual([]);
  });

  it('enforces the max change per step with the reachable window', () => {
    const check = checkPlan(input([{ key: 'vm.swappiness', value: 10 }]));
    expect(check.denials[0]).toMatchObject({ rule: 'step', allowed: '20..100 (relative swap cost) in this step' });
    expect(stepWindow(kb.get('net.core.somaxconn')!, 4096)).toEqual([256, 65535]);
  });

  it('checks vector order min <= default <= max', () => {
    const check = checkPlan(input([{ key: 'net.ipv4.tcp_rmem', value: [4096, 8388608, 6291456] }]));
    expect(check.denials[0]).toMatchObject({ key: 'net.ipv4.tcp_rmem', rule: 'order' });
    expect(checkPlan(input([{ key: 'net.ipv4.tcp_rmem', value: '4096 131072' }])).denials[0]!.rule).toBe('type');
  });

  it('checks relations against current and proposed values together', () => {
    const alone = checkPlan(input([{ key: 'vm.dirty_background_ratio', value: 20 }]));
    expect(alone.denials[0]).toMatchObject({ rule: 'relation', allowed: 'vm.dirty_background_ratio < 20' });
    expect(alone.denials[0]!.message).toContain('(current vm.dirty_ratio)');
    const together = checkPlan(input([{ key: 'vm.dirty_background_ratio', value: 20 }, { key: 'vm.dirty_ratio', value: 30 }]));
    expect(together.ok).toBe(true);
    const inverted = checkPlan(input([{ key: 'vm.dirty_background_ratio', value: 15 }, { key: 'vm.dirty_ratio', value: 12 }]));
    expect(inverted.denials).toHaveLength(1);
    expect(inverted.denials[0]!.message).toContain('(proposed vm.dirty_ratio)');
    expect(checkPlan(input([{ key: 'kernel.sched_rt_runtime_us', value: 1000000 }, { key: 'kernel.sched_rt_period_us', value: 900000 }])).denials[0]!.rule).toBe('relation');
  });

  it('honours the allow-list, namespaces, presence and duplicates', () => {
    expect(checkPlan(input([{ key: 'vm.swappiness', value: 50 }], { allow: ['net.core.somaxconn'] })).denials[0]).toMatchObject({ rule: 'not_allowed', allowed: 'keys in config.tuning.allow: net.core.somaxconn' });
    expect(checkPlan(input([{ key: 'vm.swappiness', value: 50 }], { target: 'netns' })).denials[0]!.rule).toBe('namespace');
    expect(checkPlan(input([{ key: 'kernel.sched_latency_ns', value: 6000000 }])).denials[0]!.rule).toBe('not_present');
    expect(checkPlan(input([{ key: 'vm.swappiness', value: 50 }, { key: 'vm.swappiness', value: 40 }])).denials[0]!.rule).toBe('duplicate');
  });
});
