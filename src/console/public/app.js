// The schedcp operator console: sign-in with a bearer token, then one view per fragment route
// (#/overview, #/deployments/12, #/policies/name, #/audit?tool=x …), so a refresh keeps the view.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, session } from './api.js';
import { html } from './ui.js';
import { OverviewView } from './view-overview.js';
import { DeploymentsView } from './view-deployments.js';
import { VerificationsView } from './view-verifications.js';
import { PoliciesView } from './view-policies.js';
import { TuningView } from './view-tuning.js';
import { AuditView } from './view-audit.js';

const VIEWS = [
  { id: 'overview', label: 'Overview', component: OverviewView },
  { id: 'deployments', label: 'Deployments', component: DeploymentsView },
  { id: 'verifications', label: 'Verifications', component: VerificationsView },
  { id: 'policies', label: 'Policies', component: PoliciesView },
  { id: 'tuning', label: 'Tuning', component: TuningView },
  { id: 'audit', label: 'Audit log', component: AuditView },
];

/** "#/policies/sjf_batch?q=latency" → { view: 'policies', arg: 'sjf_batch', query: URLSearchParams }. */
export function parseRoute(hash = location.hash) {
  const raw = hash.replace(/^#\/?/, '');
  const [path, qs = ''] = raw.split('?');
  const [view = 'overview', ...rest] = path.split('/').map(decodeURIComponent);
  return { view: VIEWS.some((v) => v.id === view) ? view : 'overview', arg: rest.join('/') || undefined, query: new URLSearchParams(qs) };
}

/** Navigate by changing the fragment (the only place view state lives). */
export function go(view, arg, query) {
  const qs = query && new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== '')).toString();
  location.hash = `#/${view}${arg !== undefined && arg !== '' ? `/${encodeURIComponent(arg)}` : ''}${qs ? `?${qs}` : ''}`;
}

function useRoute() {
  const [route, setRoute] = useState(parseRoute());
  useEffect(() => {
    const on = () => setRoute(parseRoute());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn({ onSignedIn, error }) {
  const [token, setToken] = useState('');
  const [failure, setFailure] = useState(error);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    session.set(token.trim());
    try { onSignedIn(await call('whoami')); } catch (err) {
      session.clear();
      setFailure(err.status === 401 ? 'That token is not known to this server.' : `${err.code}: ${err.message}`);
      setBusy(false);
    }
  };
  return html`<main class="signin">
    <form class="card signin-card" onSubmit=${submit}>
      <h1>schedcp console</h1>
      <p class="muted">Paste a bearer token. It stays in this tab (sessionStorage) and is sent only as an
        <code>Authorization</code> header to this server's REST API. <code>serve --http</code> prints where the
        generated tokens are (<code>http-operator-token</code> holds the <code>approve</code> scope).</p>
      <label>Bearer token<input type="password" name="token" autocomplete="off" value=${token} onInput=${(e) => setToken(e.target.value)} required /></label>
      ${failure && html`<div class="error" role="alert">${failure}</div>`}
      <button class="btn primary" type="submit" disabled=${busy || !token.trim()}>${busy ? 'Checking…' : 'Sign in'}</button>
    </form></main>`;
}

function Shell({ me, route, onSignOut }) {
  const View = VIEWS.find((v) => v.id === route.view).component;
  const can = (tool) => me.tools.some((t) => t.name === tool && t.allowed);
  const has = (tool) => me.tools.some((t) => t.name === tool);
  const ctx = { me, can, has, route, go };
  return html`<div class="shell">
    <header class="top">
      <a class="brand" href="#/overview">schedcp</a>
      <nav>${VIEWS.map((v) => html`<a href=${`#/${v.id}`} class=${v.id === route.view ? 'active' : ''} data-view=${v.id}>${v.label}</a>`)}</nav>
      <div class="who" data-testid="who">
        <span class="who-name">${me.caller}</span>
        ${me.scopes.map((s) => html`<span class="scope">${s}</span>`)}
        <button class="btn small" onClick=${onSignOut}>Sign out</button>
      </div>
    </header>
    <main class="content" data-current-view=${route.view}><${View} ...${ctx} /></main>
  </div>`;
}

function App() {
  const route = useRoute();
  const [me, setMe] = useState(undefined);
  const [checking, setChecking] = useState(Boolean(session.token()));
  const [error, setError] = useState(undefined);
  useEffect(() => {
    if (!session.token()) return;
    call('whoami').then(setMe).catch((err) => {
      if (err.status === 401) { session.clear(); setError('The stored token is no longer valid; sign in again.'); } else setError(`${err.code}: ${err.message}`);
    }).finally(() => setChecking(false));
  }, []);
  if (checking) return html`<div class="muted pad">Checking the stored token…</div>`;
  if (!me) return html`<${SignIn} onSignedIn=${setMe} error=${error} />`;
  return html`<${Shell} me=${me} route=${route} onSignOut=${() => { session.clear(); setMe(undefined); }} />`;
}

render(html`<${App} />`, document.getElementById('app'));
