// Policies: search (search_policies), one policy (get_policy with source, policy_history: lineage,
// status changes with reasons, per-workload scores, verifications) and the human approval of a
// promotion or a quarantine release (approve_policy; list_approvals says what waits).
import { useState } from 'preact/hooks';
import { call } from './api.js';
import { html, usePoll, Card, Status, Table, Badge, ConfirmDialog, ScopedButton, fmt } from './ui.js';

const KEYWORDS = new Set('if else for while do return break continue switch case default struct enum union const static inline void char int long unsigned signed bool true false sizeof typedef volatile extern goto'.split(' '));
const TOKEN = /(\/\*[\s\S]*?\*\/|\/\/[^\n]*)|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(^[ \t]*#[^\n]*)|\b(0x[0-9a-fA-F]+|\d+)\b|\b([A-Za-z_]\w*)\b/gm;

/** C source as spans (comments, strings, preprocessor, numbers, keywords, BPF helpers): no innerHTML. */
export function highlight(source) {
  const out = [];
  let last = 0;
  for (const m of source.matchAll(TOKEN)) {
    const [text, comment, str, pre, number, word] = m;
    const cls = comment ? 'c-com' : str ? 'c-str' : pre ? 'c-pre' : number ? 'c-num' : word && KEYWORDS.has(word) ? 'c-kw' : word && /^(bpf_|scx_bpf_|BPF_|SCX_)/.test(word) ? 'c-fn' : undefined;
    if (!cls) continue;
    if (m.index > last) out.push(source.slice(last, m.index));
    out.push(html`<span class=${cls}>${text}</span>`);
    last = m.index + text.length;
  }
  out.push(source.slice(last));
  return out;
}

function Approval({ name, pending, me, can, onDone }) {
  const [dialog, setDialog] = useState(false);
  if (!pending) return null;
  const promote = pending.action === 'promote_policy';
  const allowed = can('approve_policy') && (!pending.humanRequired || me.approval.canApprove);
  const why = !can('approve_policy') ? 'needs a token with scopes "verify" and "approve"' : 'a human must approve: needs a token with scope "approve"';
  return html`<div class="approval" data-testid="approval">
    <div><strong>${promote ? 'Promotion waiting for approval' : 'Quarantined: release waiting for a decision'}</strong>
      <div class="small">${pending.reason}</div>
      ${pending.humanRequired && html`<div class="small muted">The configuration reserves this to a human (approval.requireHumanFor).</div>`}</div>
    <${ScopedButton} testid="approve" kind="primary" allowed=${allowed} why=${why} onClick=${() => setDialog(true)}>${promote ? 'Approve promotion' : 'Release from quarantine'}</${ScopedButton}>
    ${dialog && html`<${ConfirmDialog} title=${promote ? `Promote ${name} v${pending.policy.version}` : `Release ${name} v${pending.policy.version} from quarantine`}
      detail=${promote ? 'verified → promoted. The justification is stored as the reason of the status change and in the audit log.' : 'quarantined → candidate: it must pass verification again.'}
      onConfirm=${async (j) => { await call('approve_policy', { id: pending.policy.id, action: pending.action, reason: j, justification: j }); onDone(); }}
      onClose=${() => setDialog(false)} />`}
  </div>`;
}

function Policy({ name, me, can }) {
  const policy = usePoll('get_policy', { name, detail: 'source' }, 15_000);
  const history = usePoll('policy_history', { name, limit: 50 }, 15_000);
  const approvals = usePoll('list_approvals', {}, 15_000);
  const p = policy.data;
  const h = history.data;
  const pending = approvals.data?.pending.find((x) => x.policy.name === name);
  const done = () => { policy.refresh(); history.refresh(); approvals.refresh(); };
  return html`<${Card} title=${p ? `${p.name} v${p.version}` : name} id="policy" actions=${p && html`<span data-testid="policy-status"><${Badge} value=${p.status} /></span>`}>
    <${Status} poll=${policy} />
    ${p && html`
      <${Approval} name=${name} pending=${pending} me=${me} can=${can} onDone=${done} />
      <p>${p.description}</p>
      <dl class="facts">
        <dt>targets</dt><dd>${p.targetWorkloads.join(', ')}</dd>
        <dt>provenance</dt><dd>${p.provenance} · by ${p.createdBy ?? '—'} · ${fmt.time(p.createdAt)}</dd>
        <dt>source</dt><dd class="mono small">${p.sourceSha256}</dd>
      </dl>`}
    ${h && html`<div class="grid two">
      <div><h3>Lineage</h3><${Table} rows=${h.lineage} cols=${[
        { label: 'policy', get: (l) => html`<a href=${`#/policies/${encodeURIComponent(l.name)}`}>${l.name} v${l.version}</a>` },
        { label: 'status', get: (l) => html`<${Badge} value=${l.status} />` }, { label: 'provenance', get: (l) => l.provenance }]} /></div>
      <div><h3>Per-workload scores</h3><${Table} rows=${h.scores} empty="No benchmark evidence yet." cols=${[
        { label: 'workload', get: (s) => s.workload }, { label: 'metric', get: (s) => s.metric }, { label: 'n', get: (s) => s.n, cls: 'num' },
        { label: 'change', get: (s) => `${fmt.num(s.changePct)}% [${fmt.num(s.ciLowPct)}, ${fmt.num(s.ciHighPct)}]`, cls: 'num' },
        { label: 'verdict', get: (s) => html`<${Badge} value=${s.verdict} tone=${s.verdict === 'better' ? 'ok' : s.verdict === 'worse' ? 'bad' : 'muted'} />` }]} /></div>
    </div>
    <h3>Status changes</h3>
    <${Table} rows=${[...h.statusChanges].reverse()} cols=${[
      { label: 'at', get: (c) => fmt.time(c.at) }, { label: 'change', get: (c) => html`${c.from ?? '∅'} → <${Badge} value=${c.to} />` },
      { label: 'by', get: (c) => c.actor }, { label: 'reason', get: (c) => c.reason }]} />
    <h3>Verifications</h3>
    <${Table} rows=${[...h.verifications].reverse()} empty="Never verified." cols=${[
      { label: 'run', get: (v) => /^\d+$/.test(String(v.verificationId)) ? html`<a href=${`#/verifications/${v.verificationId}`}>#${v.verificationId}</a>` : String(v.verificationId) },
      { label: 'verdict', get: (v) => html`<${Badge} value=${v.verdict} />` }, { label: 'at', get: (v) => fmt.time(v.at ?? v.createdAt) }, { label: 'detail', get: (v) => v.detail ?? '' }]} />`}
    ${p?.source && html`<h3>Source</h3><pre class="source" data-testid="source">${highlight(p.source)}</pre>`}
  </${Card}>`;
}

export function PoliciesView({ route, go, me, can }) {
  const query = route.query.get('q') ?? 'scheduler';
  const [text, setText] = useState(query);
  const search = usePoll('search_policies', { query, limit: 25 }, 30_000);
  return html`
    <${Card} title="Policies">
      <form class="inline" onSubmit=${(e) => { e.preventDefault(); go('policies', route.arg, { q: text }); }}>
        <label>Search <input name="q" value=${text} onInput=${(e) => setText(e.target.value)} size="40" /></label>
        <button class="btn primary" type="submit">Search</button>
      </form>
      <${Status} poll=${search} />
      ${search.data && html`<${Table} rows=${search.data.hits} rowKey=${(x) => x.name} selected=${route.arg} onRow=${(x) => go('policies', x.name, { q: query })} empty="No policy matches." cols=${[
        { label: 'policy', get: (x) => html`<strong>${x.name}</strong> v${x.version}` }, { label: 'status', get: (x) => html`<${Badge} value=${x.status} />` },
        { label: 'targets', get: (x) => x.targetWorkloads.join(', ') }, { label: 'summary', get: (x) => html`<span class="small">${x.summary}</span>` },
        { label: 'why', get: (x) => html`<span class="small muted">${x.reason}</span>` }]} />`}
    </${Card}>
    ${route.arg && html`<${Policy} key=${route.arg} name=${route.arg} me=${me} can=${can} />`}`;
}
