// Shared pieces of the console: htm bound to Preact, polling, formatting, badges, tables, the
// justification dialog and a uPlot chart with threshold lines and event markers.
import { h } from 'preact';
import { useEffect, useRef, useState, useCallback } from 'preact/hooks';
import htm from 'htm';
import uPlot from 'uplot';
import { call } from './api.js';

export const html = htm.bind(h);

/** Calls `tool` with `args` now and every `everyMs` while the tab is visible; re-runs when `key` changes. */
export function usePoll(tool, args, everyMs = 10_000, enabled = true) {
  const [state, setState] = useState({ data: undefined, error: undefined, loading: true, at: undefined });
  const [bump, setBump] = useState(0);
  const key = JSON.stringify([tool, args, enabled]);
  const refresh = useCallback(() => setBump((b) => b + 1), []);
  useEffect(() => {
    if (!enabled) { setState({ data: undefined, error: undefined, loading: false }); return undefined; }
    let stopped = false;
    let timer;
    const run = async () => {
      if (stopped) return;
      if (document.hidden) { timer = setTimeout(run, everyMs); return; }
      try {
        const data = await call(tool, args);
        if (!stopped) setState({ data, error: undefined, loading: false, at: new Date() });
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, error, loading: false }));
      }
      if (!stopped && everyMs > 0) timer = setTimeout(run, everyMs);
    };
    setState((s) => ({ ...s, loading: true }));
    run();
    return () => { stopped = true; clearTimeout(timer); };
  }, [key, bump]);
  return { ...state, refresh };
}

export const fmt = {
  time: (iso) => (iso ? new Date(iso).toLocaleString(undefined, { hour12: false }) : '—'),
  ago(iso) {
    if (!iso) return '—';
    const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    if (s < 60) return `${s} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
  },
  num(v, digits = 1) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return '—';
    if (Math.abs(v) >= 1000) return v.toLocaleString(undefined, { maximumFractionDigits: 0 });
    return v.toFixed(digits).replace(/\.0+$/, '');
  },
  ms: (v) => (typeof v === 'number' ? (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`) : '—'),
};

const TONE = {
  none: 'ok', ok: 'ok', pass: 'ok', success: 'ok', closed: 'ok', promoted: 'ok', verified: 'ok', full: 'ok', true: 'ok',
  low: 'info', info: 'info', candidate: 'info', canary: 'info', advise: 'info', stage: 'info', running: 'info', half_open: 'warn',
  medium: 'warn', warn: 'warn', warning: 'warn', rate_limited: 'warn', paused: 'warn', awaiting_approval: 'warn', disconnected: 'warn', retired: 'muted', unavailable: 'muted', skipped: 'muted',
  high: 'bad', critical: 'bad', fail: 'bad', error: 'bad', denied: 'bad', open: 'bad', quarantined: 'bad', rolled_back: 'bad', tripped: 'bad', failure: 'bad', false: 'bad',
};
export const Badge = ({ value, tone }) => html`<span class=${`badge badge-${tone ?? TONE[String(value)] ?? 'muted'}`}>${String(value)}</span>`;

export const Score = ({ value }) => html`<span class="score" title=${fmt.num(value, 2)}><span class=${`score-fill score-${value >= 0.75 ? 'bad' : value >= 0.4 ? 'warn' : 'ok'}`} style=${{ width: `${Math.round(Math.max(0, Math.min(1, value)) * 100)}%` }}></span></span>`;

export function Card({ title, actions, children, id }) {
  return html`<section class="card" id=${id}>
    ${(title || actions) && html`<header class="card-head"><h2>${title}</h2><div class="card-actions">${actions}</div></header>`}
    <div class="card-body">${children}</div>
  </section>`;
}

export function Status({ poll, empty }) {
  if (poll.error) return html`<div class="error" role="alert"><strong>${poll.error.code ?? 'error'}</strong> ${poll.error.message}</div>`;
  if (poll.loading && poll.data === undefined) return html`<div class="muted">Loading…</div>`;
  if (empty) return html`<div class="empty">${empty}</div>`;
  return null;
}

/** A table from rows and column specs [{ label, get(row) → vnode|string, cls }]. */
export function Table({ rows, cols, onRow, rowKey, selected, empty = 'Nothing yet.' }) {
  if (!rows?.length) return html`<div class="empty">${empty}</div>`;
  return html`<div class="table-wrap"><table>
    <thead><tr>${cols.map((c) => html`<th class=${c.cls}>${c.label}</th>`)}</tr></thead>
    <tbody>${rows.map((r, i) => {
      const key = rowKey ? rowKey(r) : i;
      return html`<tr key=${key} class=${[onRow && 'clickable', selected !== undefined && selected === key && 'selected'].filter(Boolean).join(' ')} onClick=${onRow && (() => onRow(r))}>
        ${cols.map((c) => html`<td class=${c.cls}>${c.get(r)}</td>`)}</tr>`;
    })}</tbody></table></div>`;
}

export const Json = ({ value, summary = 'JSON' }) => html`<details class="json"><summary>${summary}</summary><pre>${JSON.stringify(value, null, 2)}</pre></details>`;

/** A button that needs a scope: disabled with the reason when the token does not allow it. */
export function ScopedButton({ allowed, why, onClick, children, kind = '', testid }) {
  return html`<button class=${`btn ${kind}`} disabled=${!allowed} title=${allowed ? '' : why} data-testid=${testid} onClick=${onClick}>${children}</button>`;
}

/** A modal asking for a justification (stored in the audit log) before an action runs. */
export function ConfirmDialog({ title, detail, fields = [], onConfirm, onClose }) {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(undefined);
  const submit = async (e) => {
    e.preventDefault();
    if (!text.trim()) { setError('A justification is required: it goes into the audit log.'); return; }
    setBusy(true);
    try { await onConfirm(text.trim()); onClose(); } catch (err) { setError(`${err.code ?? 'error'}: ${err.message}`); setBusy(false); }
  };
  return html`<div class="modal-back" onClick=${(e) => e.target === e.currentTarget && onClose()}>
    <form class="modal" role="dialog" aria-label=${title} onSubmit=${submit}>
      <h2>${title}</h2>
      ${detail && html`<p class="muted">${detail}</p>`}
      ${fields}
      <label>Justification (audit log)<textarea name="justification" rows="3" value=${text} onInput=${(e) => setText(e.target.value)} autofocus></textarea></label>
      ${error && html`<div class="error" role="alert">${error}</div>`}
      <div class="modal-actions"><button type="button" class="btn" onClick=${onClose}>Cancel</button>
        <button type="submit" class="btn primary" disabled=${busy} data-testid="confirm">${busy ? 'Working…' : 'Confirm'}</button></div>
    </form></div>`;
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/** Vertical markers (stage changes, trips) drawn over the plot, with a short label. */
function markerPlugin(getMarks) {
  return {
    hooks: {
      draw: [(u) => {
        const { ctx } = u;
        const { top, height } = u.bbox;
        ctx.save();
        for (const m of getMarks()) {
          const x = Math.round(u.valToPos(m.x, 'x', true));
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.strokeStyle = m.color ?? '#6b7280';
          ctx.setLineDash([3, 3]);
          ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
          ctx.setLineDash([]);
          ctx.fillStyle = m.color ?? '#374151';
          ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
          ctx.fillText(m.label, x + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
        }
        ctx.restore();
      }],
    },
  };
}

/**
 * A time-series chart. x: unix seconds; series: [{ label, values, color?, dash? }]; marks: [{ x, label, color }].
 */
export function Chart({ x, series, marks = [], height = 180, yLabel = '', testid }) {
  const el = useRef(null);
  const plot = useRef(null);
  const marksRef = useRef(marks);
  marksRef.current = marks;
  const shape = JSON.stringify(series.map((s) => [s.label, s.color, s.dash]));
  useEffect(() => {
    const width = Math.max(300, el.current.clientWidth);
    const opts = {
      width, height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { label: yLabel, size: 60 }],
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: s.color ?? PALETTE[i % PALETTE.length], width: s.dash ? 1 : 2, dash: s.dash, spanGaps: true, points: { show: false } }))],
      plugins: [markerPlugin(() => marksRef.current)],
    };
    plot.current = new uPlot(opts, [x, ...series.map((s) => s.values)], el.current);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(300, el.current.clientWidth), height }));
    ro.observe(el.current);
    return () => { ro.disconnect(); plot.current?.destroy(); plot.current = null; };
  }, [shape, height]);
  useEffect(() => { plot.current?.setData([x, ...series.map((s) => s.values)]); }, [x, series]);
  return html`<div class="chart" ref=${el} data-testid=${testid}></div>`;
}

export const PALETTE_COLORS = PALETTE;
