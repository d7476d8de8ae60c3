// Verifications: one verify_policy run by id (get_verification, full detail): stages with verdicts
// and summaries, the failing stage's reason, the evidence (kernel-verifier statistics, perf
// comparison) and the deployment token's claims (verify_token: modes, expiry).
import { useState } from 'preact/hooks';
import { html, usePoll, Card, Status, Table, Badge, Json, fmt } from './ui.js';

function TokenClaims({ token }) {
  const poll = usePoll('verify_token', { token }, 0);
  const c = poll.data?.claims;
  return html`<div>
    <${Status} poll=${poll} />
    ${poll.data && html`<dl class="facts">
      <dt>signature</dt><dd><${Badge} value=${poll.data.valid ? 'valid' : 'invalid'} tone=${poll.data.valid ? 'ok' : 'bad'} /> ${poll.data.reason ?? ''}</dd>
      ${c && html`<dt>modes</dt><dd>${c.modes.join(', ')}</dd>
        <dt>expires</dt><dd>${fmt.time(new Date(c.exp * 1000).toISOString())}</dd>
        <dt>kernel</dt><dd class="mono small">${c.kernelRelease}</dd>
        <dt>policy sha256</dt><dd class="mono small">${c.policySha256}</dd>`}
    </dl>`}</div>`;
}

function Verification({ id }) {
  const poll = usePoll('get_verification', { id: Number(id), detail: 'full' }, 0);
  const v = poll.data;
  const evidence = v?.evidence ?? {};
  return html`<${Card} title=${`Verification #${id}`} id="verification">
    <${Status} poll=${poll} />
    ${v && html`
      <dl class="facts">
        <dt>policy</dt><dd>${v.repositoryPolicyId ? html`<a href=${`#/policies/${encodeURIComponent(v.policyLabel.split(' ')[0])}`}>${v.policyLabel}</a>` : v.policyLabel}</dd>
        <dt>verdict</dt><dd data-testid="verdict"><${Badge} value=${v.verdict} /></dd>
        <dt>when</dt><dd>${fmt.time(v.createdAt)} · took ${fmt.ms(v.durationMs)}</dd>
        <dt>source</dt><dd class="mono small">${v.sourceSha256 ?? '—'}</dd>
        <dt>evidence</dt><dd class="mono small">${v.evidenceSha256}</dd>
      </dl>
      ${v.failedStage && html`<div class="error" role="alert"><strong>failed at ${v.failedStage}</strong> ${v.reason}</div>`}
      <h3>Stages</h3>
      <${Table} rows=${v.stages} cols=${[
        { label: 'stage', get: (s) => html`<strong>${s.stage}</strong>` }, { label: 'verdict', get: (s) => html`<${Badge} value=${s.verdict} />` },
        { label: 'summary', get: (s) => s.summary },
      ]} />
      <h3>Evidence</h3>
      ${Object.keys(evidence).length ? Object.entries(evidence).map(([k, value]) => html`<${Json} value=${value} summary=${k} />`) : html`<div class="empty">No stored evidence.</div>`}
      <h3>Deployment token</h3>
      ${v.token ? html`<${TokenClaims} token=${v.token} />` : html`<div class="muted">No token: only a passing verification is signed.</div>`}`}
  </${Card}>`;
}

export function VerificationsView({ route, go }) {
  const [id, setId] = useState(route.arg ?? '');
  const current = route.arg;
  return html`
    <${Card} title="Verifications">
      <form class="inline" onSubmit=${(e) => { e.preventDefault(); if (id) go('verifications', String(id)); }}>
        <label>Verification id <input type="number" min="1" name="id" value=${id} onInput=${(e) => setId(e.target.value)} /></label>
        <button class="btn" type="submit">Show</button>
        ${current && html`<button class="btn" type="button" disabled=${Number(current) <= 1} onClick=${() => go('verifications', String(Number(current) - 1))}>← #${Number(current) - 1}</button>
          <button class="btn" type="button" onClick=${() => go('verifications', String(Number(current) + 1))}>#${Number(current) + 1} →</button>`}
      </form>
      <p class="muted small">Verification ids come from <code>verify_policy</code> results and from a policy's history (Policies view).</p>
    </${Card}>
    ${current && html`<${Verification} key=${current} id=${current} />`}`;
}
