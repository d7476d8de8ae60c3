// Renders bench/results/latest.json as readable markdown (pure: JSON in, text out). Generic over the
// section convention documented at the top of bench/run.ts.

export interface Stat { median?: number; p50?: number; min?: number; max?: number; p95?: number; n?: number }
type Cell = string | number | boolean | null | Stat | undefined;
export interface Peer { what: string; ours: number | Stat; peer: string; theirs: number | Stat; unit: string; better?: 'lower' | 'higher' }
export interface SectionMeta { date: string; loadavg: number[]; cores: number; cpuModel?: string; accel: string; node: string; kernel: string; benchSeconds?: number }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const STAT_KEYS = new Set(['median', 'p50', 'medianMs', 'p50Ms', 'min', 'minMs', 'max', 'maxMs', 'p95', 'p95Ms', 'p99', 'n', 'trials', 'mean', 'stddev', 'spread']);

/** A stat object: a median (or p50, or medianMs) with optional spread, and nothing else. */
export function asStat(v: unknown): Stat | undefined {
  if (!isObject(v) || !Object.keys(v).every((k) => STAT_KEYS.has(k))) return undefined;
  const pick = (...keys: string[]) => keys.map((k) => v[k]).find((x): x is number => typeof x === 'number');
  const median = pick('median', 'p50', 'medianMs', 'p50Ms');
  if (median === undefined) return undefined;
  const stat: Stat = { median };
  const min = pick('min', 'minMs'); const max = pick('max', 'maxMs'); const p95 = pick('p95', 'p95Ms'); const n = pick('n', 'trials');
  if (min !== undefined) stat.min = min;
  if (max !== undefined) stat.max = max;
  if (p95 !== undefined) stat.p95 = p95;
  if (n !== undefined) stat.n = n;
  return stat;
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(2));

export function formatCell(v: Cell): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return num(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const s = asStat(v);
  if (!s) return JSON.stringify(v).replace(/\|/g, '\\|');
  const spread = s.min !== undefined && s.max !== undefined ? ` (${num(s.min)}–${num(s.max)})` : '';
  return `${num(s.median!)}${spread}${s.p95 !== undefined ? `, p95 ${num(s.p95)}` : ''}${s.n !== undefined ? `, n=${s.n}` : ''}`;
}

function table(rows: Array<Record<string, Cell>>): string[] {
  if (rows.length === 0) return [];
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [`| ${columns.join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${columns.map((c) => formatCell(r[c])).join(' | ')} |`)];
}

const isLeaf = (v: unknown) => v === null || typeof v !== 'object' || asStat(v) !== undefined;

/** Siblings that are all flat records (e.g. one per probe) become one table, one row each. */
function rowGroup(value: unknown): Array<Record<string, Cell>> | undefined {
  if (!isObject(value) || asStat(value)) return undefined;
  const entries = Object.entries(value);
  if (entries.length < 2 || !entries.every(([, v]) => isObject(v) && !asStat(v) && Object.values(v).every(isLeaf))) return undefined;
  return entries.map(([k, v]) => ({ '': k, ...(v as Record<string, Cell>) }));
}

export interface Flat { scalars: Array<{ path: string; value: Cell }>; groups: Array<{ path: string; rows: Array<Record<string, Cell>> }> }

/** Every number and stat in a section by its path (sibling records as tables), for sections without `table`. */
export function flatten(value: unknown, path = '', depth = 0, out: Flat = { scalars: [], groups: [] }): Flat {
  if (isLeaf(value)) { if (value !== null && value !== undefined) out.scalars.push({ path, value: (asStat(value) ?? value) as Cell }); return out; }
  const group = rowGroup(value);
  if (group) { out.groups.push({ path, rows: group }); return out; }
  if (Array.isArray(value)) { out.scalars.push({ path, value: `${value.length} items` }); return out; }
  if (isObject(value) && depth < 6) for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, depth + 1, out);
  return out;
}

const median = (v: number | Stat) => (typeof v === 'number' ? v : v.median ?? v.p50 ?? NaN);

function peerRows(peers: Peer[]): Array<Record<string, Cell>> {
  return peers.map((p) => {
    const ours = median(p.ours); const theirs = median(p.theirs);
    // "×" reads as how many times better schedcp is: above 1 it wins, below 1 the peer does. A
    // median at or below 0 (an extra time within noise) has no meaningful ratio: left blank.
    const factor = (p.better ?? 'lower') === 'lower' ? theirs / ours : ours / theirs;
    const meaningful = Number.isFinite(factor) && ours > 0 && theirs > 0;
    return { measure: `${p.what} (${p.unit})`, schedcp: p.ours, peer: p.peer, 'peer value': p.theirs, 'schedcp advantage': meaningful ? `${num(factor)}×` : '' };
  });
}

const at = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), o);
const measured = (v: unknown): number | Stat | undefined => (typeof v === 'number' ? v : asStat(v));

/** Peer rows from the shapes bench sections already record side by side (bench/probes.bench.ts,
 * bench/repository.bench.ts), so a section need not repeat them in `peers`. Missing arms are skipped. */
export const DERIVED_PEERS: Record<string, (section: Record<string, unknown>) => Peer[]> = {
  probes(s) {
    const out: Peer[] = [];
    const add = (what: string, ours: unknown, peer: string, theirs: unknown, unit: string) => {
      const a = measured(ours); const b = measured(theirs);
      if (a !== undefined && b !== undefined) out.push({ what, ours: a, peer, theirs: b, unit, better: 'lower' });
    };
    for (const [w, wv] of Object.entries(isObject(s.workloads) ? s.workloads : {})) {
      for (const [p, pv] of Object.entries(isObject(at(wv, 'probes')) ? at(wv, 'probes') as Record<string, unknown> : {})) {
        add(`${p} on ${w}: extra wall time`, at(pv, 'ours', 'extraMs'), 'bpftrace', at(pv, 'bpftrace', 'extraMs'), 'ms');
        add(`${p} on ${w}: BPF run time per event`, at(pv, 'ours', 'nsPerEvent'), 'bpftrace', at(pv, 'bpftrace', 'nsPerEvent'), 'ns');
      }
    }
    for (const [p, v] of Object.entries(isObject(s.startupAndMemory) ? s.startupAndMemory : {})) {
      add(`${p}: start-up to attached`, at(v, 'ours', 'startupMs'), 'bpftrace', at(v, 'bpftrace', 'startupMs'), 'ms');
      add(`${p}: peak RSS`, at(v, 'ours', 'peakRssKb'), 'bpftrace', at(v, 'bpftrace', 'peakRssKb'), 'KiB');
      add(`${p}: kernel memory (memlock)`, at(v, 'ours', 'kernelMemlockKb'), 'bpftrace', at(v, 'bpftrace', 'kernelMemlockKb'), 'KiB');
    }
    for (const [w, v] of Object.entries(isObject(s.runqlatVsPerfSched) ? s.runqlatVsPerfSched : {})) {
      const perf = 'perf sched record + latency';
      add(`run-queue latency on ${w}: extra wall time`, at(v, 'runqlat', 'extraMs'), perf, at(v, 'perfSched', 'extraMs'), 'ms');
      add(`run-queue latency on ${w}: data to get the report`, at(v, 'runqlat', 'resultBytes'), perf, at(v, 'perfSched', 'dataBytes'), 'bytes');
    }
    return out;
  },
  repository(s) {
    const out: Peer[] = [];
    const add = (what: string, ours: unknown, peer: string, theirs: unknown, unit: string, better: 'lower' | 'higher') => {
      const a = measured(ours); const b = measured(theirs);
      if (a !== undefined && b !== undefined) out.push({ what, ours: a, peer, theirs: b, unit, better });
    };
    for (const [size, lv] of Object.entries(isObject(s.levels) ? s.levels : {})) {
      add(`search latency, ${size} docs`, at(lv, 'searchExclEmbedMs'), 'exact full scan of the same vectors', at(lv, 'peers', 'exactFullScanMs'), 'ms', 'lower');
      add(`search latency, ${size} docs`, at(lv, 'searchExclEmbedMs'), 'FTS5 alone', at(lv, 'peers', 'fts5OnlyMs'), 'ms', 'lower');
      add(`topic recall@10, ${size} docs`, at(lv, 'topicRecallAt10'), 'exact full scan of the same vectors', at(lv, 'peers', 'exactFullScanTopicRecallAt10'), 'fraction', 'higher');
      add(`topic recall@10, ${size} docs`, at(lv, 'topicRecallAt10'), 'FTS5 alone', at(lv, 'peers', 'fts5OnlyTopicRecallAt10'), 'fraction', 'higher');
    }
    const q = isObject(s.quality) ? s.quality : {};
    for (const [provider, v] of Object.entries(q)) {
      if (!isObject(v) || !isObject(v.fused)) continue;
      const set = `the ${typeof q.queries === 'number' ? `${q.queries}-query` : 'quality'} set, ${provider} embeddings`;
      add(`top-3 on ${set}`, at(v, 'fused', 'top3'), 'BM25 (FTS5) alone', at(v, 'text', 'top3'), 'fraction', 'higher');
      add(`top-3 on ${set}`, at(v, 'fused', 'top3'), 'embedding similarity alone', at(v, 'vector', 'top3'), 'fraction', 'higher');
      add(`MRR on ${set}`, at(v, 'fused', 'mrr'), 'BM25 (FTS5) alone', at(v, 'text', 'mrr'), 'fraction', 'higher');
    }
    return out;
  },
};

const RESERVED = new Set(['meta', 'table', 'peers', 'notes', 'title', 'error']);

export function renderReport(results: Record<string, unknown>): string {
  const lines = ['# schedcp benchmark results', '', 'Generated from `bench/results/latest.json` by `node dist/bench/run.js` (each section keeps the date and machine load of its own last run; `npm run bench` reruns all).', '',
    'Cells read "median (min–max)"; p95 and n where measured. Timings come from a shared machine unless a section says otherwise: compare within a section, not across runs.', ''];
  for (const [name, raw] of Object.entries(results)) {
    if (name === 'meta' || !isObject(raw)) continue;
    const meta = raw.meta as SectionMeta | undefined;
    lines.push(`## ${typeof raw.title === 'string' ? raw.title : name}`, '');
    if (meta) lines.push(`Run ${meta.date.slice(0, 16).replace('T', ' ')} UTC · ${meta.cores} cores${meta.cpuModel ? ` (${meta.cpuModel})` : ''} · ${meta.accel} · load ${meta.loadavg.map((l) => l.toFixed(2)).join(' / ')} (1/5/15 min) · Node ${meta.node} · kernel ${meta.kernel}${meta.benchSeconds ? ` · ${num(meta.benchSeconds)} s` : ''}`, '');
    else lines.push('Run date and load not recorded (section predates the per-section metadata).', '');
    if (typeof raw.error === 'string') lines.push(`**Failed:** ${raw.error}`, '');
    const peers = [...(Array.isArray(raw.peers) ? raw.peers as Peer[] : []), ...(DERIVED_PEERS[name]?.(raw) ?? [])];
    if (peers.length) lines.push('Against what a user would use instead (same run, same machine):', '', ...table(peerRows(peers)), '');
    if (Array.isArray(raw.table)) lines.push(...table(raw.table as Array<Record<string, Cell>>), '');
    else {
      const flat: Flat = { scalars: [], groups: [] };
      for (const [k, v] of Object.entries(raw)) if (!RESERVED.has(k)) flatten(v, k, 0, flat);
      if (flat.scalars.length) lines.push(...table(flat.scalars.map((r) => ({ measure: r.path, value: r.value }))), '');
      for (const g of flat.groups) lines.push(`**${g.path}**`, '', ...table(g.rows), '');
    }
    if (Array.isArray(raw.notes)) lines.push(...(raw.notes as string[]).map((n) => `- ${n}`), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
