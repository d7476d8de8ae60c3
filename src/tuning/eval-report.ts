// Pure reporting for `schedcp eval`: rows of median/p95/%change with CI per condition, CSV text,
// and small hand-written SVG charts (bar chart of % change with CI whiskers; an x/y curve).
import { compareSamples, percentile, median, type Direction } from '../stats/index.js';

export interface ConditionSamples {
  /** "baseline", "plan", "only vm.swappiness", "kernel.sched_base_slice_ns=1500000", … */
  condition: string;
  samples: Record<string, number[]>;
}

export interface EvalRow {
  condition: string;
  metric: string;
  n: number;
  median: number;
  p95: number;
  changePct: number;
  ciLowPct: number;
  ciHighPct: number;
  verdict: 'better' | 'worse' | 'within_noise' | 'baseline';
}

export function evalRows(baseline: ConditionSamples, conditions: readonly ConditionSamples[], directions: Record<string, Direction>): EvalRow[] {
  const rows: EvalRow[] = [];
  const metrics = Object.keys(baseline.samples).sort();
  for (const metric of metrics) {
    const base = baseline.samples[metric]!;
    if (base.length === 0) continue;
    rows.push({ condition: baseline.condition, metric, n: base.length, median: median(base), p95: percentile(base, 95), changePct: 0, ciLowPct: 0, ciHighPct: 0, verdict: 'baseline' });
    for (const c of conditions) {
      const values = c.samples[metric];
      if (!values?.length) continue;
      const cmp = compareSamples(base, values, { direction: directions[metric] ?? 'lower_is_better' });
      rows.push({ condition: c.condition, metric, n: values.length, median: cmp.candidateMedian, p95: percentile(values, 95), changePct: cmp.changePct, ciLowPct: cmp.ciLowPct, ciHighPct: cmp.ciHighPct, verdict: cmp.verdict });
    }
  }
  return rows;
}

function csvField(value: string | number): string {
  const text = typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(4)) : value;
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly EvalRow[]): string {
  const header = ['condition', 'metric', 'n', 'median', 'p95', 'change_pct', 'ci_low_pct', 'ci_high_pct', 'verdict'];
  return [header.join(','), ...rows.map((r) => [r.condition, r.metric, r.n, r.median, r.p95, r.changePct, r.ciLowPct, r.ciHighPct, r.verdict].map(csvField).join(','))].join('\n') + '\n';
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Horizontal bars of % change per condition for one metric, with CI whiskers; green = better. */
export function changeChartSvg(rows: readonly EvalRow[], metric: string, title: string): string {
  const data = rows.filter((r) => r.metric === metric && r.verdict !== 'baseline');
  const width = 720;
  const rowH = 26;
  const left = 260;
  const top = 40;
  const height = top + Math.max(1, data.length) * rowH + 40;
  const extent = Math.max(1, ...data.flatMap((r) => [Math.abs(r.ciLowPct), Math.abs(r.ciHighPct), Math.abs(r.changePct)]));
  const plotW = width - left - 30;
  const x = (pct: number) => left + plotW / 2 + (pct / extent) * (plotW / 2);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}: % change of ${esc(metric)} vs baseline (median, 95% CI)</text>`,
    `<line x1="${x(0)}" y1="${top - 5}" x2="${x(0)}" y2="${height - 30}" stroke="#555"/>`,
    `<text x="${x(-extent)}" y="${height - 12}">${(-extent).toFixed(1)}%</text><text x="${x(extent)}" y="${height - 12}" text-anchor="end">+${extent.toFixed(1)}%</text>`,
  ];
  data.forEach((r, i) => {
    const y = top + i * rowH;
    const color = r.verdict === 'better' ? '#2a9d4b' : r.verdict === 'worse' ? '#c0392b' : '#999';
    const x0 = Math.min(x(0), x(r.changePct));
    parts.push(
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(r.condition)}</text>`,
      `<rect x="${x0}" y="${y + 4}" width="${Math.abs(x(r.changePct) - x(0))}" height="${rowH - 10}" fill="${color}"><title>${esc(`${r.condition}: ${r.changePct.toFixed(2)}% [${r.ciLowPct.toFixed(2)}, ${r.ciHighPct.toFixed(2)}] ${r.verdict}`)}</title></rect>`,
      `<line x1="${x(r.ciLowPct)}" y1="${y + rowH / 2}" x2="${x(r.ciHighPct)}" y2="${y + rowH / 2}" stroke="#000"/>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export interface CurvePoint { label: string; x: number; y: number }

/** An x/y curve (e.g. responsiveness vs fairness across a sweep), points labelled by setting. */
export function curveSvg(points: readonly CurvePoint[], axes: { x: string; y: string; title: string }): string {
  const width = 640;
  const height = 420;
  const pad = { l: 70, r: 30, t: 40, b: 50 };
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const span = (v: number[]) => { const lo = Math.min(...v); const hi = Math.max(...v); return hi === lo ? [lo - 1, hi + 1] : [lo, hi]; };
  const [x0, x1] = span(xs.length ? xs : [0]) as [number, number];
  const [y0, y1] = span(ys.length ? ys : [0]) as [number, number];
  const px = (v: number) => pad.l + ((v - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const py = (v: number) => height - pad.b - ((v - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(axes.title)}</text>`,
    `<line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="#555"/>`,
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${height - pad.b}" stroke="#555"/>`,
    `<text x="${width / 2}" y="${height - 12}" text-anchor="middle">${esc(axes.x)} (${x0.toPrecision(4)} … ${x1.toPrecision(4)})</text>`,
    `<text x="16" y="${height / 2}" transform="rotate(-90 16 ${height / 2})" text-anchor="middle">${esc(axes.y)} (${y0.toPrecision(4)} … ${y1.toPrecision(4)})</text>`,
    path ? `<path d="${path}" fill="none" stroke="#2b6cb0" stroke-width="2"/>` : '',
    ...points.map((p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="4" fill="#2b6cb0"><title>${esc(`${p.label}: ${p.x}, ${p.y}`)}</title></circle><text x="${(px(p.x) + 6).toFixed(1)}" y="${(py(p.y) - 6).toFixed(1)}">${esc(p.label)}</text>`),
    '</svg>',
  ].join('\n') + '\n';
}
