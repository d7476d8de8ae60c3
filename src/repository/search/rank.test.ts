// Field evidence: the scan-based matcher gives the same matches as the plain split-into-words
// definition it replaced (a plain term matches a word starting with its stem; a hyphenated term
// only a whole hyphen-joined token), on real policy texts and on random ones.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../stats/index.js';
import { expandTerms, fieldEvidence, type FieldEvidence, type WeightedTerm } from './rank.js';
import { queryTerms, stemKey } from './text.js';

/** The definition, written the slow way. */
function reference(terms: readonly WeightedTerm[], fields: Record<string, string>): FieldEvidence {
  const weights: Record<string, number> = { target_workloads: 3, use_cases: 2, name: 2, description: 1, identifiers: 0.25 };
  let score = 0;
  const out: FieldEvidence['fields'] = [];
  for (const [field, text] of Object.entries(fields)) {
    const words = new Set(text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean));
    const tokens = new Set(text.toLowerCase().split(/[^a-z0-9-]+/).filter(Boolean));
    const hit: string[] = [];
    let s = 0;
    for (const t of terms) {
      const found = tokens.has(t.term) || [...words].some((w) => w === t.term || (!t.term.includes('-') && w.startsWith(stemKey(t.term))));
      if (found) { hit.push(t.term); s += t.weight; }
    }
    if (hit.length) { out.push({ field, terms: hit }); score += (weights[field] ?? 1) * s; }
  }
  return { score, fields: out };
}

describe('fieldEvidence', () => {
  it('matches stems at word starts and hyphenated terms as whole tokens', () => {
    const terms = expandTerms('docker tenants with tail latency', queryTerms('docker tenants with tail latency'));
    const e = fieldEvidence(terms, { target_workloads: 'multi-tenant, latency-sensitive', description: 'Low latencies for Docker; not multi-tenanted' });
    expect(e.fields).toEqual([
      { field: 'target_workloads', terms: ['tenants', 'latency', 'multi-tenant'] },
      // 'tenanted' starts with the stem of 'tenants'; 'multi-tenanted' is not the token 'multi-tenant'.
      { field: 'description', terms: ['docker', 'tenants', 'latency'] },
    ]);
  });

  it('agrees with the split-into-words definition on random texts and terms', () => {
    const rand = seededRandom(7);
    const alphabet = ['lat', 'ency', 'multi', '-', 'tenant', ' ', ',', '.', 'x9', 'cache', 'Cache-sensitive', 'é', '--', 'thro', 'ughput', '\n', 'build'];
    const termPool = ['latency', 'multi-tenant', 'cache-sensitive', 'throughput', 'cache', 'build', 'x9', 'tenants', 'lat', 'interactive', 'job-queue'];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      const terms = termPool.filter(() => rand() < 0.4).map((term) => ({ term, weight: rand() < 0.5 ? 1 : 0.5, expanded: false }));
      const fields = { description: text, use_cases: text.split('').reverse().join('') };
      expect(fieldEvidence(terms, fields), JSON.stringify({ text, terms })).toEqual(reference(terms, fields));
    }
  });
});
