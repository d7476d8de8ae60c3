// Tuning: tuning_history — plans with their changes and guardrail results, live applies,
// rollbacks, yields (events), backups and the keys schedcp manages.
import { html, usePoll, Card, Status, Table, Badge, Json, fmt } from './ui.js';

const change = (key, c) => (c && typeof c === 'object'
  ? `${c.key ?? key}: ${c.from ?? '?'} → ${c.to ?? c.value ?? c.proposed ?? '?'}${c.unchanged ? ' (unchanged)' : ''}`
  : `${key} → ${c}`);
const changesText = (changes) => {
  if (Array.isArray(changes)) return changes.map((c, i) => change(String(i), c)).join(', ');
  if (changes && typeof changes === 'object') return Object.entries(changes).map(([k, v]) => change(k, v)).join(', ');
  return String(changes ?? '');
};

export function TuningView() {
  const poll = usePoll('tuning_history', { limit: 100 }, 15_000);
  const h = poll.data;
  return html`
    <${Card} title="Tuning plans">
      <${Status} poll=${poll} />
      ${h && html`<${Table} rows=${h.plans} empty="No tuning plans yet: validate_tuning_plan and apply_tuning_plan record them." cols=${[
        { label: '#', get: (p) => p.id }, { label: 'created', get: (p) => fmt.time(p.createdAt) }, { label: 'caller', get: (p) => p.caller ?? '—' },
        { label: 'target', get: (p) => p.target }, { label: 'mode', get: (p) => html`<${Badge} value=${p.mode} />` },
        { label: 'status', get: (p) => html`<${Badge} value=${p.status} />` },
        { label: 'changes', get: (p) => html`<span class="mono small">${changesText(p.changes)}</span>` },
        { label: 'result', get: (p) => html`<${Json} value=${p.result} summary="guardrails and result" />` },
      ]} />`}
    </${Card}>
    <${Card} title="Events (writes, guard verdicts, rollbacks, yields)">
      ${h && html`<${Table} rows=${h.events} empty="No events." cols=${[
        { label: 'at', get: (e) => fmt.time(e.ts) }, { label: 'plan', get: (e) => e.planId ?? '—' }, { label: 'kind', get: (e) => html`<${Badge} value=${e.kind} />` },
        { label: 'key', get: (e) => html`<span class="mono">${e.key ?? '—'}</span>` }, { label: 'detail', get: (e) => e.detail },
      ]} />`}
    </${Card}>
    <div class="grid two">
      <${Card} title="Backups">
        ${h && html`<${Table} rows=${h.backups} empty="No backups (only live plans take one)." cols=${[
          { label: '#', get: (b) => b.id }, { label: 'plan', get: (b) => b.planId }, { label: 'created', get: (b) => fmt.time(b.createdAt) },
          { label: 'keys', get: (b) => html`<span class="mono small">${b.keys.join(', ')}</span>` },
        ]} />`}
      </${Card}>
      <${Card} title="Managed keys">
        ${h && html`<${Table} rows=${h.managed} empty="schedcp manages no kernel settings." cols=${[
          { label: 'key', get: (m) => html`<span class="mono">${m.key}</span>` }, { label: 'written', get: (m) => m.written },
          { label: 'plan', get: (m) => m.planId }, { label: 'state', get: (m) => html`<${Badge} value=${m.state} />` },
        ]} />`}
      </${Card}>
    </div>`;
}
