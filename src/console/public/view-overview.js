// Overview: the level-0 digest of system_summary, the current signals of system_signals with
// severity and score, their score history (last 30 minutes) and what waits for approval.
import { html, usePoll, Card, Status, Table, Badge, Score, Chart, fmt } from './ui.js';

const SEVERITY_RANK = { critical: 4, high: 3, medium: 2, low: 1, none: 0 };

function historySeries(samples) {
  const times = [...new Set(samples.map((s) => Math.floor(new Date(s.at).getTime() / 1000)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const names = [...new Set(samples.map((s) => s.name))].sort();
  const series = names.map((name) => ({ label: name, values: times.map(() => null) }));
  for (const s of samples) series[names.indexOf(s.name)].values[index.get(Math.floor(new Date(s.at).getTime() / 1000))] = s.score;
  return { x: times, series };
}

export function OverviewView({ can, go }) {
  const summary = usePoll('system_summary', { level: 0 }, 5_000);
  const signals = usePoll('system_signals', { current: true, since_minutes: 30, history_limit: 2000 }, 5_000);
  const approvals = usePoll('list_approvals', {}, 15_000, can('list_approvals'));
  const current = [...(signals.data?.current ?? [])].sort((a, b) => (SEVERITY_RANK[b.severity] ?? 0) - (SEVERITY_RANK[a.severity] ?? 0) || b.score - a.score);
  const history = historySeries(signals.data?.history?.samples ?? []);
  const pending = approvals.data?.pending ?? [];
  return html`
    <div class="grid two">
      <${Card} title="System digest" id="digest" actions=${summary.data && html`<span class="muted small">window ${fmt.ms(summary.data.window.ms)} · ${summary.data.window.source} · ${fmt.ms(summary.data.window.ageMs)} old</span>`}>
        <${Status} poll=${summary} />
        ${summary.data && html`<ul class="digest" data-testid="digest">${summary.data.digest.map((line) => html`<li>${line}</li>`)}</ul>`}
      </${Card}>
      <${Card} title="Waiting for a decision">
        ${!can('list_approvals') ? html`<div class="muted">This token cannot read approvals.</div>` : html`
          <${Status} poll=${approvals} />
          ${approvals.data && html`<${Table} rows=${pending} empty="Nothing waits for approval." onRow=${(p) => go('policies', p.policy.name)}
            cols=${[
              { label: 'policy', get: (p) => html`<a href=${`#/policies/${encodeURIComponent(p.policy.name)}`}>${p.policy.name} v${p.policy.version}</a>` },
              { label: 'decision', get: (p) => p.action === 'promote_policy' ? 'promote' : 'release from quarantine' },
              { label: 'who', get: (p) => p.humanRequired ? html`<${Badge} value="human" tone="warn" />` : 'agent or human' },
              { label: 'why', get: (p) => html`<span class="small">${p.reason}</span>` },
            ]} />`}`}
      </${Card}>
    </div>
    <${Card} title="Signals" id="signals" actions=${signals.at && html`<span class="muted small">updated ${fmt.time(signals.at)}</span>`}>
      <${Status} poll=${signals} />
      ${signals.data && html`<${Table} rows=${current} empty="No signals." cols=${[
        { label: 'signal', get: (s) => html`<strong>${s.name}</strong>` },
        { label: 'severity', get: (s) => html`<${Badge} value=${s.severity} />` },
        { label: 'score', get: (s) => html`<${Score} value=${s.score} /> <span class="small">${fmt.num(s.score, 2)}</span>` },
        { label: 'summary', get: (s) => s.summary },
      ]} />`}
    </${Card}>
    <${Card} title="Signal scores, last 30 minutes">
      ${history.x.length >= 2
        ? html`<${Chart} x=${history.x} series=${history.series} height=${200} yLabel="score (0–1)" testid="signal-chart" />`
        : html`<div class="empty">Not enough history yet: the background sampler records one window per interval.</div>`}
    </${Card}>`;
}
