import { describe, expect, it } from 'vitest';
import { changeChartSvg, curveSvg, evalRows, toCsv } from './eval-report.js';

const baseline = { condition: 'baseline', samples: { latency_ms: [10, 10.1, 9.9, 10.2, 10], ops: [100, 101, 99, 100, 100] } };
const faster = { condition: 'plan', samples: { latency_ms: [8, 8.1, 7.9, 8.2, 8], ops: [100, 100, 101, 99, 100] } };

describe('eval report', () => {
  const rows = evalRows(baseline, [faster], { latency_ms: 'lower_is_better', ops: 'higher_is_better' });

  it('reports median, p95 and % change with CI per metric', () => {
    const latency = rows.find((r) => r.condition === 'plan' && r.metric === 'latency_ms')!;
    expect(latency).toMatchObject({ n: 5, median: 8, verdict: 'better' });
    expect(latency.changePct).toBeCloseTo(-20, 5);
    expect(latency.ciHighPct).toBeLessThan(0);
    expect(rows.find((r) => r.condition === 'plan' && r.metric === 'ops')!.verdict).toBe('within_noise');
    expect(rows.filter((r) => r.verdict === 'baseline').map((r) => r.metric)).toEqual(['latency_ms', 'ops']);
  });

  it('writes CSV with a header and quoted fields', () => {
    const csv = toCsv([...rows, { ...rows[0]!, condition: 'only a,b' }]).split('\n');
    expect(csv[0]).toBe('condition,metric,n,median,p95,change_pct,ci_low_pct,ci_high_pct,verdict');
    expect(csv).toContain('"only a,b",latency_ms,5,10,10.1800,0,0,0,baseline');
  });

  it('draws well-formed SVG with escaped labels', () => {
    const svg = changeChartSvg(rows, 'latency_ms', 'w <1>');
    expect(svg).toMatch(/^<svg [^>]+>/);
    expect(svg).toContain('w &lt;1&gt;');
    expect(svg).toContain('fill="#2a9d4b"');
    const curve = curveSvg([{ label: 'current', x: 10, y: 0.9 }, { label: '1500000', x: 8, y: 0.8 }], { x: 'p95 latency', y: 'fairness', title: 't' });
    expect(curve.match(/<circle/g)).toHaveLength(2);
    expect(curve).toContain('<path d="M');
  });
});
