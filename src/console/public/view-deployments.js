// Deployments: nodes (list_nodes), deployments (list_deployments) and one deployment's status
// (deployment_status with detail): gates vs baseline, KPI charts with thresholds and events,
// and promote / pause / roll back, each asking for a justification that goes to the audit log.
import { useState } from 'preact/hooks';
import { call } from './api.js';
import { html, usePoll, Card, Status, Table, Badge, Chart, ConfirmDialog, ScopedButton, Json, fmt } from './ui.js';

const KPIS = [
  { key: 'wake_p99_us', label: 'run-queue wait p99 (µs)' },
  { key: 'req_p99_us', label: 'request latency p99 (µs)' },
  { key: 'batch_ops_per_s', label: 'batch throughput (ops/s)' },
];
const EVENT_COLORS = { trip: '#dc2626', rollback: '#dc2626', rolled_back: '#dc2626', promoted: '#16a34a', stage: '#2563eb' };
const PROMOTABLE = new Set(['canary', 'awaiting_approval']);
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function Nodes({ poll }) {
  const nodes = poll.data?.nodes ?? [];
  return html`<${Card} title="Nodes">
    <${Status} poll=${poll} />
    ${poll.data && html`<${Table} rows=${nodes} empty=${html`<span data-testid="no-nodes">No deploy nodes. Start one with <code>start_node</code> or <code>schedcp node start</code> (needs the VM kit).</span>`}
      cols=${[
        { label: 'node', get: (n) => html`<strong>${n.name}</strong>` },
        { label: 'state', get: (n) => html`<${Badge} value=${n.running ? 'running' : 'stopped'} tone=${n.running ? 'ok' : 'muted'} />` },
        { label: 'kernel', get: (n) => html`<span class="mono small">${n.kernelRelease}</span>` },
        { label: 'vm', get: (n) => `${n.cpus} cpu · ${n.memoryMiB} MiB · ${n.accel}` },
        { label: 'live deployment', get: (n) => n.activeDeployment ? html`<a href=${`#/deployments/${n.activeDeployment.id}`}>#${n.activeDeployment.id} ${n.activeDeployment.policy}</a> <${Badge} value=${n.activeDeployment.stage} />` : '—' },
        { label: 'known good', get: (n) => n.knownGood ? `${n.knownGood.policy} (since ${fmt.ago(n.knownGood.since)})` : 'default scheduler' },
      ]} />`}
  </${Card}>`;
}

function KpiCharts({ status }) {
  const samples = status.samples ?? [];
  if (samples.length < 2) return html`<div class="empty">No KPI samples yet.</div>`;
  const x = samples.map((s) => Math.floor(new Date(s.at).getTime() / 1000));
  const marks = [];
  let stage;
  for (const s of samples) { if (s.stage !== stage) { if (stage !== undefined) marks.push({ x: Math.floor(new Date(s.at).getTime() / 1000), label: s.stage, color: '#2563eb' }); stage = s.stage; } }
  for (const e of status.events ?? []) marks.push({ x: Math.floor(new Date(e.at).getTime() / 1000), label: e.kind, color: EVENT_COLORS[e.kind] ?? '#6b7280' });
  return html`<div class="grid three">${KPIS.map((k) => {
    const values = samples.map((s) => num(s[k.key]));
    if (values.every((v) => v === null)) return null;
    const gate = status.gates.find((g) => g.kpi === k.key);
    const series = [{ label: k.key, values }];
    if (gate) {
      series.push({ label: 'threshold', values: x.map(() => gate.threshold), color: '#dc2626', dash: [6, 4] });
      series.push({ label: 'baseline', values: x.map(() => gate.baseline), color: '#6b7280', dash: [2, 3] });
    }
    return html`<div><h4 class="chart-title">${k.label}</h4><${Chart} x=${x} series=${series} marks=${marks} height=${170} testid=${`kpi-${k.key}`} /></div>`;
  })}</div>`;
}

function Detail({ id, can, has }) {
  const poll = usePoll('deployment_status', { deployment_id: Number(id), detail: true }, 5_000);
  const [dialog, setDialog] = useState(undefined);
  const s = poll.data;
  const deployOk = can('promote_deployment');
  const why = 'needs a token with scope "deploy"';
  const act = (tool, args) => async (justification) => { await call(tool, { deployment_id: Number(id), ...args, justification }); poll.refresh(); };
  const live = s && s.live;
  return html`<${Card} title=${`Deployment #${id}`} id="deployment-detail" actions=${html`
      <${ScopedButton} testid="promote" allowed=${deployOk && live && PROMOTABLE.has(s.stage)} why=${deployOk ? 'only a live canary can be promoted' : why}
        onClick=${() => setDialog({ title: `Promote deployment #${id} to full`, run: act('promote_deployment', {}) })}>Promote</${ScopedButton}>
      ${has('pause_deployment') && html`<${ScopedButton} testid="pause" allowed=${can('pause_deployment') && live} why=${why}
        onClick=${() => setDialog({ title: `${s?.paused ? 'Resume' : 'Pause'} deployment #${id}`, run: act('pause_deployment', { paused: !s?.paused }) })}>${s?.paused ? 'Resume' : 'Pause'}</${ScopedButton}>`}
      <${ScopedButton} testid="rollback" kind="danger" allowed=${can('rollback_deployment') && live} why=${can('rollback_deployment') ? 'the deployment is not live' : why}
        onClick=${() => setDialog({ title: `Roll back deployment #${id} now`, detail: 'The node returns to its known-good policy or the default scheduler.', run: (j) => act('rollback_deployment', { reason: j })(j) })}>Roll back now</${ScopedButton}>`}>
    <${Status} poll=${poll} />
    ${s && html`
      <dl class="facts">
        <dt>policy</dt><dd>${s.policy.name} <span class="mono small">${s.policy.sha256.slice(0, 12)}</span> · verification <a href=${`#/verifications/${s.policy.verificationId}`}>#${s.policy.verificationId}</a></dd>
        <dt>node</dt><dd>${s.node} ${s.connected ? '' : html`<${Badge} value="disconnected" tone="warn" />`}</dd>
        <dt>stage</dt><dd><${Badge} value=${s.stage} /> since ${fmt.time(s.stageStartedAt)} ${s.paused ? html`<${Badge} value="paused" />` : ''}</dd>
        <dt>breaker</dt><dd><${Badge} value=${s.breaker} /></dd>
        <dt>token modes</dt><dd>${s.tokenModes.join(', ')}</dd>
        <dt>started</dt><dd>${fmt.time(s.createdAt)}${s.endedAt ? ` · ended ${fmt.time(s.endedAt)}` : ''}</dd>
      </dl>
      ${s.trip && html`<div class="error" role="alert"><strong>tripped</strong> ${s.trip.kind ?? ''}: ${s.trip.reason ?? JSON.stringify(s.trip)}</div>`}
      <h3>Gates (current vs baseline vs threshold)</h3>
      <${Table} rows=${s.gates} empty="No gates." cols=${[
        { label: 'kpi', get: (g) => g.kpi }, { label: 'current', get: (g) => fmt.num(g.current), cls: 'num' },
        { label: 'baseline', get: (g) => fmt.num(g.baseline), cls: 'num' }, { label: 'threshold', get: (g) => fmt.num(g.threshold), cls: 'num' },
        { label: '', get: (g) => html`<${Badge} value=${g.ok ? 'ok' : 'fail'} />` },
      ]} />
      <h3>KPIs</h3>
      <${KpiCharts} status=${s} />
      <h3>Events</h3>
      <${Table} rows=${[...s.events].reverse()} empty="No events." cols=${[
        { label: 'at', get: (e) => fmt.time(e.at) }, { label: 'kind', get: (e) => html`<${Badge} value=${e.kind} tone=${EVENT_COLORS[e.kind] === '#dc2626' ? 'bad' : 'info'} />` },
        { label: 'detail', get: (e) => html`<span class="mono small">${JSON.stringify(e.detail)}</span>` },
      ]} />
      <${Json} value=${s.plan} summary="plan" />`}
    ${dialog && html`<${ConfirmDialog} title=${dialog.title} detail=${dialog.detail} onConfirm=${dialog.run} onClose=${() => setDialog(undefined)} />`}
  </${Card}>`;
}

export function DeploymentsView({ route, can, has, go }) {
  const nodes = usePoll('list_nodes', {}, 10_000);
  const deps = usePoll('list_deployments', { limit: 50 }, 10_000);
  const selected = route.arg;
  return html`
    <${Nodes} poll=${nodes} />
    <${Card} title="Deployments">
      <${Status} poll=${deps} />
      ${deps.data && html`<${Table} rows=${deps.data.deployments} rowKey=${(d) => String(d.id)} selected=${selected} onRow=${(d) => go('deployments', String(d.id))}
        empty=${html`<span data-testid="no-deployments">No deployments yet: <code>deploy_policy</code> ships a verified policy with its token to a node.</span>`}
        cols=${[
          { label: '#', get: (d) => html`<a href=${`#/deployments/${d.id}`}>${d.id}</a>` }, { label: 'node', get: (d) => d.node }, { label: 'policy', get: (d) => d.policy },
          { label: 'stage', get: (d) => html`<${Badge} value=${d.stage} />` }, { label: 'breaker', get: (d) => html`<${Badge} value=${d.breaker} />` },
          { label: 'trip', get: (d) => (d.trip ? html`<span class="bad">${String(d.trip.kind)}: ${String(d.trip.reason ?? '')}</span>` : '—') },
          { label: 'started', get: (d) => fmt.time(d.createdAt) },
        ]} />`}
    </${Card}>
    ${selected && html`<${Detail} key=${selected} id=${selected} can=${can} has=${has} />`}`;
}
