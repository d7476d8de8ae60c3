// Pure text helpers for hybrid search: turning a natural-language query into a safe FTS5 MATCH
// expression, reciprocal-rank fusion, and the "which fields matched" reason shown with each hit.

const STOP = new Set(['a', 'an', 'the', 'and', 'or', 'not', 'of', 'for', 'to', 'in', 'on', 'with', 'by', 'is', 'are', 'that',
  'this', 'it', 'as', 'at', 'be', 'from', 'i', 'we', 'my', 'our', 'me', 'want', 'need', 'some', 'something', 'which', 'what',
  'should', 'can', 'do', 'does', 'policy', 'policies', 'scheduler', 'schedulers', 'good', 'best', 'use', 'very', 'lot', 'lots']);

/** Lower-case word tokens of a query, without stop words, deduplicated, at most 32. */
export function queryTerms(query: string): string[] {
  const words = query.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 1 && !STOP.has(w));
  return [...new Set(words)].slice(0, 32);
}

/** An FTS5 expression OR-ing the quoted terms (quoting disables FTS5 operators in user text). */
export function ftsExpression(terms: readonly string[]): string | undefined {
  if (terms.length === 0) return undefined;
  return terms.map((t) => `"${t}"`).join(' OR ');
}

/** Crude stem: enough for "throughput" ~ "throughputs", "latency" ~ "latencies" when explaining a match. */
export function stemKey(word: string): string {
  const w = word.toLowerCase();
  return w.length <= 4 ? w : w.slice(0, Math.max(4, w.length - 3));
}

/** Names of fields whose text contains a word sharing a stem with one of the query terms. */
export function matchedFields(terms: readonly string[], fields: Record<string, string>): Array<{ field: string; terms: string[] }> {
  const out: Array<{ field: string; terms: string[] }> = [];
  const keys = terms.map((t) => [t, stemKey(t)] as const);
  for (const [field, text] of Object.entries(fields)) {
    const words = new Set(text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean));
    const hit: string[] = [];
    for (const [term, key] of keys) {
      for (const w of words) {
        if (w === term || w.startsWith(key)) { hit.push(term); break; }
      }
    }
    if (hit.length > 0) out.push({ field, terms: hit });
  }
  return out;
}

export interface Ranked { key: string; rank: number }

/** Reciprocal-rank fusion (Cormack et al.): score = Σ 1 / (k + rank), rank starting at 1. */
export function reciprocalRankFusion(lists: ReadonlyArray<readonly Ranked[]>, k = 60): Map<string, number> {
  const scores = new Map<string, number>();
  for (const list of lists) {
    for (const { key, rank } of list) scores.set(key, (scores.get(key) ?? 0) + 1 / (k + rank));
  }
  return scores;
}
