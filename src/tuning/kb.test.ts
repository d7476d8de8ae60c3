import { describe, expect, it } from 'vitest';
import { loadKnowledgeBase, parseKnowledgeBase, parseValue } from './kb.js';

describe('tuning knowledge base', () => {
  const kb = loadKnowledgeBase();

  it('covers the required tunables with consistent defaults and relations', () => {
    const keys = new Set(kb.map((t) => t.key));
    for (const k of ['kernel.numa_balancing', 'vm.swappiness', 'vm.dirty_ratio', 'vm.dirty_background_ratio', 'vm.min_free_kbytes', 'vm.vfs_cache_pressure', 'net.core.somaxconn', 'net.core.netdev_max_backlog', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'kernel.sched_base_slice_ns', 'kernel.sched_min_granularity_ns']) {
      expect(keys.has(k), k).toBe(true);
    }
    expect(kb.length).toBeGreaterThanOrEqual(40);
    for (const t of kb) {
      // Numeric defaults that are plain numbers must be inside the safe range.
      if ((t.type === 'int' || t.type === 'int_vector') && /^[\d ]+$/.test(t.default)) {
        for (const n of t.default.split(' ').map(Number)) expect(n >= t.min! && n <= t.max!, `${t.key} default ${n}`).toBe(true);
      }
      // Every relation has its mirror on the other side, so a single change is checked from both ends.
      for (const r of t.relations) {
        const other = kb.find((o) => o.key === r.other)!;
        expect(other.relations.some((m) => m.other === t.key), `${t.key} ↔ ${r.other}`).toBe(true);
      }
    }
  });

  it('rejects a malformed knowledge base with the offending path', () => {
    expect(() => parseKnowledgeBase('{')).toThrow(/not valid JSON/);
    const bad = { version: 1, description: 'x', tunables: [{ ...kb[0], relations: [{ op: '<', other: 'vm.nope', why: 'x' }] }] };
    expect(() => parseKnowledgeBase(JSON.stringify(bad))).toThrow(/unknown "vm.nope"/);
    const noRange = { version: 1, description: 'x', tunables: [{ ...kb.find((t) => t.key === 'vm.swappiness'), min: undefined, relations: [] }] };
    expect(() => parseKnowledgeBase(JSON.stringify(noRange))).toThrow(/need min and max/);
  });

  it('normalizes kernel-formatted values', () => {
    const rmem = kb.find((t) => t.key === 'net.ipv4.tcp_rmem')!;
    expect(parseValue(rmem, '4096\t131072\t6291456\n')).toEqual({ text: '4096 131072 6291456', numbers: [4096, 131072, 6291456] });
    expect(() => parseValue(rmem, '1e3 2 3')).toThrow(/wrong type; expected 3 space-separated integers/);
  });
});
