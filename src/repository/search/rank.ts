// Pure ranking for hybrid search: a small domain vocabulary that expands a user's words into the
// terms policies are described with, evidence weighed by the field it is found in (what a policy
// targets counts more than words in its free description), a weighted reciprocal-rank fusion of
// the semantic, BM25 and field-evidence lists, a status prior, and a reason naming what decided.
import { stemKey, type Ranked } from './text.js';

/** Phrases in users' words → the terms policies use. Multi-word keys match as phrases. */
export const DOMAIN_VOCABULARY: ReadonlyArray<{ when: readonly string[]; add: readonly string[] }> = [
  { when: ['compile', 'compiles', 'compiling', 'compilation', 'compiler', 'build', 'builds', 'building', 'make', 'kernel build', 'gcc', 'clang', 'rustc', 'cargo', 'ninja', 'bazel'], add: ['throughput', 'parallel', 'compile', 'build', 'batch'] },
  { when: ['tail latency', 'p99', 'p999', 'p95', 'jitter', 'stutter', 'stutters', 'stuttering', 'lag', 'laggy', 'hiccup', 'hiccups', 'snappy', 'responsive', 'responsiveness', 'sluggish', 'frame drops', 'dropped frames'], add: ['latency', 'interactive'] },
  { when: ['jobs per minute', 'jobs per hour', 'makespan', 'completion time', 'job queue', 'test suite', 'ci'], add: ['batch', 'throughput', 'job-queue'] },
  { when: ['container', 'containers', 'docker', 'kubernetes', 'k8s', 'pods', 'tenant', 'tenants', 'noisy neighbour', 'noisy neighbor', 'cpu.weight', 'cpuweight'], add: ['multi-tenant', 'containers', 'fairness', 'cgroup'] },
  { when: ['l3', 'llc', 'ccx', 'ccd', 'cache misses', 'cache locality', 'epyc', 'working set'], add: ['cache-sensitive', 'cache', 'llc'] },
  { when: ['nice', 'nice values', 'priorities', 'proportional share', 'cfs', 'eevdf'], add: ['fairness', 'weight', 'vtime'] },
  { when: ['thread pool', 'fork-join', 'many cores', 'many-core', 'work stealing', 'idle cpus'], add: ['parallel', 'many-core', 'steal', 'throughput'] },
];

const EXPANSION_WEIGHT = 0.5;

export interface WeightedTerm { term: string; weight: number; expanded: boolean }

/** The query's own terms (weight 1) plus vocabulary expansions (weight 0.5) not already present. */
export function expandTerms(query: string, terms: readonly string[]): WeightedTerm[] {
  const text = ` ${query.toLowerCase().replace(/[^a-z0-9.+-]+/g, ' ')} `;
  const words = new Set(text.trim().split(' '));
  const out: WeightedTerm[] = terms.map((t) => ({ term: t, weight: 1, expanded: false }));
  const have = new Set(terms);
  for (const entry of DOMAIN_VOCABULARY) {
    if (!entry.when.some((w) => (w.includes(' ') ? text.includes(` ${w} `) : words.has(w)))) continue;
    for (const add of entry.add) if (!have.has(add)) { have.add(add); out.push({ term: add, weight: EXPANSION_WEIGHT, expanded: true }); }
  }
  return out;
}

/** How much a match in each field counts; fields not listed count 1. */
export const FIELD_EVIDENCE_WEIGHTS: Readonly<Record<string, number>> = {
  target_workloads: 3, use_cases: 2, name: 2, description: 1, identifiers: 0.25,
};

export interface FieldEvidence { score: number; fields: Array<{ field: string; terms: string[] }> }

interface KeyedTerm extends WeightedTerm { key: string; hyphen: boolean }
// A search weighs the same terms against every candidate: stem them once per term list, not per document.
const keyedCache = new WeakMap<readonly WeightedTerm[], KeyedTerm[] | null>();
/** null: a term has characters other than a-z, 0-9 and '-' (the fast scan below assumes it has not). */
function keyedTerms(terms: readonly WeightedTerm[]): KeyedTerm[] | null {
  let keyed = keyedCache.get(terms);
  if (keyed === undefined) {
    keyed = terms.every((t) => /^[a-z0-9-]+$/.test(t.term)) ? terms.map((t) => ({ ...t, key: stemKey(t.term), hyphen: t.term.includes('-') })) : null;
    keyedCache.set(terms, keyed);
  }
  return keyed;
}

const isWordChar = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57); // a-z 0-9
const isTokenChar = (c: number) => isWordChar(c) || c === 45; // and '-'

/** Whether `needle` starts a word (a run of a-z0-9) of `text`; with `whole`, is a whole token (a run of a-z0-9-). */
function occursAt(text: string, needle: string, whole: boolean): boolean {
  const before = whole ? isTokenChar : isWordChar;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
    if (i > 0 && before(text.charCodeAt(i - 1))) continue;
    if (whole && i + needle.length < text.length && isTokenChar(text.charCodeAt(i + needle.length))) continue;
    return true;
  }
  return false;
}

/**
 * Whether a term matches a field: a plain term when a word starts with its stem (a word equal to
 * the term does), a hyphenated one only as a whole hyphen-joined token ("multi-tenant").
 */
function matches(lower: string, t: KeyedTerm): boolean {
  return t.hyphen ? occursAt(lower, t.term, true) : occursAt(lower, t.key, false);
}

/** The same test by splitting into words and tokens, for terms the scan does not cover. */
function matchesBySplit(lower: string, term: string): boolean {
  if (new Set(lower.split(/[^a-z0-9-]+/)).has(term)) return true;
  const key = stemKey(term);
  return lower.split(/[^a-z0-9]+/).some((w) => w.length > 0 && (w === term || (!term.includes('-') && w.startsWith(key))));
}

/** Field-weighted keyword evidence: Σ field weight × term weight over (field, term) matches (stem-prefix). */
export function fieldEvidence(terms: readonly WeightedTerm[], fields: Record<string, string>, weights = FIELD_EVIDENCE_WEIGHTS): FieldEvidence {
  let score = 0;
  const matched: FieldEvidence['fields'] = [];
  const keyed = keyedTerms(terms);
  for (const field in fields) {
    const lower = fields[field]!.toLowerCase();
    const hit: string[] = [];
    let fieldScore = 0;
    terms.forEach((t, i) => {
      if (keyed ? matches(lower, keyed[i]!) : matchesBySplit(lower, t.term)) { hit.push(t.term); fieldScore += t.weight; }
    });
    if (hit.length) { matched.push({ field, terms: hit }); score += (weights[field] ?? 1) * fieldScore; }
  }
  return { score, fields: matched };
}

/** Status prior: verified/promoted win close calls over candidates; quarantined/retired sink. */
export const STATUS_PRIOR: Readonly<Record<string, number>> = { promoted: 1.06, verified: 1.04, candidate: 1, retired: 0.6, quarantined: 0.4 };

export interface FusionInput {
  vector: readonly Ranked[];
  text: readonly Ranked[];
  evidence: ReadonlyMap<string, FieldEvidence>;
  similarity: ReadonlyMap<string, number>;
  status?: ReadonlyMap<string, string>;
}

export interface FusedHit {
  key: string; score: number;
  parts: { vector: number; text: number; fields: number };
  decidedBy: 'semantic' | 'keywords' | 'fields';
  statusFactor: number;
}

/** List weights in the fusion: field evidence first, then the semantic neighbour, then raw BM25. */
export const FUSION_WEIGHTS: Readonly<{ vector: number; text: number; fields: number }> = { vector: 1, text: 0.6, fields: 1.4 };
const RRF_K = 60;

export function fuse(input: FusionInput, weights = FUSION_WEIGHTS): FusedHit[] {
  const byEvidence = [...input.evidence.entries()].filter(([, e]) => e.score > 0).sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1));
  const out = new Map<string, FusedHit>();
  const get = (key: string) => {
    let h = out.get(key);
    if (!h) out.set(key, h = { key, score: 0, parts: { vector: 0, text: 0, fields: 0 }, decidedBy: 'semantic', statusFactor: 1 });
    return h;
  };
  for (const r of input.vector) get(r.key).parts.vector = weights.vector / (RRF_K + r.rank);
  for (const r of input.text) get(r.key).parts.text = weights.text / (RRF_K + r.rank);
  // Tied evidence scores share a rank, so the order among equals does not decide.
  let rank = 0; let prev = Infinity;
  byEvidence.forEach(([key, e], i) => { if (e.score < prev) { rank = i + 1; prev = e.score; } get(key).parts.fields = weights.fields / (RRF_K + rank); });
  for (const h of out.values()) {
    const { vector, text, fields } = h.parts;
    h.decidedBy = fields >= vector && fields >= text ? 'fields' : vector >= text ? 'semantic' : 'keywords';
    h.statusFactor = STATUS_PRIOR[input.status?.get(h.key) ?? 'candidate'] ?? 1;
    h.score = (vector + text + fields) * h.statusFactor;
  }
  return [...out.values()].sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1));
}

/** One line per hit: the deciding evidence first, then the rest, then the status effect. */
export function reason(hit: FusedHit, evidence: FieldEvidence | undefined, similarity: number | undefined, vectorRank: number | undefined, status: string | undefined): string {
  const fieldText = evidence?.fields.length ? `keywords in ${[...evidence.fields].sort((a, b) => (FIELD_EVIDENCE_WEIGHTS[b.field] ?? 1) - (FIELD_EVIDENCE_WEIGHTS[a.field] ?? 1)).map((f) => `${f.field} [${f.terms.join(', ')}]`).join('; ')}` : undefined;
  const semantic = vectorRank !== undefined && similarity !== undefined ? `semantic match #${vectorRank} (cosine ${similarity.toFixed(2)})` : undefined;
  const ordered = hit.decidedBy === 'semantic' ? [semantic, fieldText] : [fieldText, semantic];
  const parts = ordered.filter((p): p is string => Boolean(p));
  if (parts.length === 0) parts.push('keyword match (BM25) only');
  parts[0] = `decided by ${hit.decidedBy === 'fields' ? 'field evidence' : hit.decidedBy === 'semantic' ? 'semantic similarity' : 'BM25'}: ${parts[0]}`;
  if (status === 'quarantined' || status === 'retired') parts.push(`${status}: ranked down (score x${hit.statusFactor})`);
  else if (hit.statusFactor > 1) parts.push(`${status}: preferred over candidates in close calls (x${hit.statusFactor})`);
  return parts.join('; ');
}
