// Audit log: audit_log with filters (caller, tool, outcome, since) kept in the URL fragment; each
// row opens its redacted arguments and justification. Exact per-tool counters below.
import { useState } from 'preact/hooks';
import { html, usePoll, Card, Status, Table, Badge, Json, fmt } from './ui.js';

const OUTCOMES = ['', 'ok', 'error', 'denied', 'rate_limited'];

export function AuditView({ route, go }) {
  const q = Object.fromEntries(route.query);
  const [form, setForm] = useState({ caller: q.caller ?? '', tool: q.tool ?? '', outcome: q.outcome ?? '', since: q.since ?? '' });
  const [open, setOpen] = useState(undefined);
  const args = { limit: 200, counters: true };
  for (const k of ['caller', 'tool', 'outcome']) if (q[k]) args[k] = q[k];
  if (q.since) args.since = new Date(q.since).toISOString();
  const poll = usePoll('audit_log', args, 10_000);
  const set = (k) => (e) => setForm({ ...form, [k]: e.target.value });
  const rows = poll.data?.rows ?? [];
  return html`
    <${Card} title="Audit log" actions=${poll.at && html`<span class="muted small">updated ${fmt.time(poll.at)}</span>`}>
      <form class="inline filters" onSubmit=${(e) => { e.preventDefault(); go('audit', undefined, form); }}>
        <label>caller <input name="caller" value=${form.caller} onInput=${set('caller')} /></label>
        <label>tool <input name="tool" value=${form.tool} onInput=${set('tool')} /></label>
        <label>outcome <select name="outcome" value=${form.outcome} onChange=${set('outcome')}>${OUTCOMES.map((o) => html`<option value=${o}>${o || 'any'}</option>`)}</select></label>
        <label>since <input type="datetime-local" name="since" value=${form.since} onInput=${set('since')} /></label>
        <button class="btn primary" type="submit">Filter</button>
        <button class="btn" type="button" onClick=${() => { setForm({ caller: '', tool: '', outcome: '', since: '' }); go('audit'); }}>Clear</button>
      </form>
      <${Status} poll=${poll} />
      ${poll.data && html`<${Table} rows=${rows} rowKey=${(r) => r.id} selected=${open} onRow=${(r) => setOpen(open === r.id ? undefined : r.id)} empty="No audit rows match." cols=${[
        { label: 'at', get: (r) => fmt.time(r.ts) }, { label: 'caller', get: (r) => r.caller }, { label: 'via', get: (r) => r.transport },
        { label: 'tool', get: (r) => html`<span class="mono">${r.tool}</span>` },
        { label: 'outcome', get: (r) => html`<${Badge} value=${r.outcome} />${r.errorCode ? html` <span class="small mono">${r.errorCode}</span>` : ''}` },
        { label: 'ms', get: (r) => fmt.num(r.durationMs, 0), cls: 'num' },
        { label: 'justification', get: (r) => r.justification ?? '' },
      ]} />`}
      ${open !== undefined && rows.find((r) => r.id === open) && (() => {
        const r = rows.find((x) => x.id === open);
        return html`<div class="row-detail" data-testid="audit-detail"><h3>Row #${r.id}: ${r.tool}</h3>
          <dl class="facts"><dt>arguments digest</dt><dd class="mono small">${r.argsDigest}</dd><dt>justification</dt><dd>${r.justification ?? '—'}</dd><dt>sampled</dt><dd>${String(r.sampled)}</dd></dl>
          <pre>${JSON.stringify(r.args, null, 2)}</pre></div>`;
      })()}
    </${Card}>
    <${Card} title="Counters (exact, per tool, caller and outcome)">
      ${poll.data?.counters && html`<${Table} rows=${poll.data.counters} cols=${[
        { label: 'tool', get: (c) => html`<span class="mono">${c.tool}</span>` }, { label: 'caller', get: (c) => c.caller },
        { label: 'outcome', get: (c) => html`<${Badge} value=${c.outcome} />` }, { label: 'calls', get: (c) => c.calls, cls: 'num' },
      ]} />`}
    </${Card}>`;
}
