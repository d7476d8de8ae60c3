// The operator console and the API reference in a real browser: Debian's chromium driven by
// playwright-core (never a downloaded browser), against a real server with real data (audit rows,
// a tuning plan, a policy whose benchmark evidence waits for a human's approval). Checks every
// view renders, the fragment keeps the view across a refresh, scopes disable what a token may not
// do, approval changes the repository status and the audit log, and the pages break no CSP rule
// and load nothing from another origin. SCHEDCP_SCREENSHOT=1 also writes docs/console.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHttpServer, REPO_ROOT, type HttpServer } from './helpers/mcp.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { recordOutcome } from '../src/repository/index.js';
import { deployerOf } from '../src/deployer/index.js';
import { DEFAULT_PLAN, thresholdsOf } from '../src/deployer/plan.js';
import type { App } from '../src/app.js';

const OPERATOR = 'o'.repeat(40); // a human: every scope, including approve
const AGENT = 'g'.repeat(40); // an agent: read + verify, no approve
const READER = 'r'.repeat(40); // read-only
const SHOTS = join(REPO_ROOT, '.vitest-tmp', 'console');

let srv: HttpServer;
let base: string;
let browser: Browser;

const rest = async (tool: string, token: string, body: unknown = {}) => {
  const r = await fetch(`${base}/api/v1/${tool}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() as Record<string, unknown> };
};

beforeAll(async () => {
  srv = await startHttpServer({
    tokens: [
      { name: 'operator', token: OPERATOR, scopes: ['read', 'verify', 'deploy', 'tune', 'approve'] },
      { name: 'agent', token: AGENT, scopes: ['read', 'verify'] },
      { name: 'reader', token: READER, scopes: ['read'] },
    ],
    repository: { embedding: 'hashing' },
    audit: { readSampleEvery: 1 },
  });
  base = srv.url.replace(/\/mcp$/, '');
  // Real data: a tuning plan (advise mode) and a policy whose evidence calls for promotion. The
  // verification verdict is recorded through the trusted in-process path (no VM in this test).
  expect((await rest('apply_tuning_plan', OPERATOR, { mode: 'advise', changes: [{ key: 'vm.swappiness', value: 30 }], justification: 'console test plan' })).status).toBe(200);
  const app = createApp({ config: loadConfig({ SCHEDCP_CONFIG: srv.env.env.SCHEDCP_CONFIG! }) });
  try {
    const trial = (value: number) => ({ workload: 'kernel_compile', metric: 'wall_s', direction: 'lower_is_better' as const, value, baseline: 100 });
    await recordOutcome(app, { policy: { name: 'sjf_batch' }, source: 'verify_run', verification: { id: '7', verdict: 'pass' } });
    const r = await recordOutcome(app, { policy: { name: 'sjf_batch' }, source: 'benchmark', performance: [trial(80), trial(82), trial(79)] });
    expect(r.policy.status).toBe('verified'); // held for a human: approval.requireHumanFor defaults to promote_policy
    seedDeployments(app);
  } finally { await app.close(); }
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
}, 120_000);
afterAll(async () => { await browser?.close(); await srv?.close(); });

/**
 * Deployment records as the deployer writes them (its own store), without a node VM: a rolled-back
 * canary with a trip, and a live canary with 40 s of KPI samples. The console must render both.
 */
function seedDeployments(app: App) {
  const { store } = deployerOf(app);
  const baseline = { wake_p99_us: 400, req_p99_us: 1000, batch_ops_per_s: 52_000, samples: 3 };
  const plan = { ...DEFAULT_PLAN, thresholds: thresholdsOf(DEFAULT_PLAN, baseline) };
  const base = { policyName: 'sjf_batch', repositoryPolicyId: null, policySha256: 'a'.repeat(64), objectSha256: 'b'.repeat(64), verificationId: 7, breaker: 'closed' as const, plan };
  const stamp = (table: string, id: number, at: number) => app.db.prepare(`UPDATE ${table} SET at = ? WHERE id = ?`).run(new Date(at).toISOString(), id);
  const lastId = (table: string) => (app.db.prepare(`SELECT max(id) AS id FROM ${table}`).get() as { id: number }).id;
  const now = Date.now();
  const tripped = store.insert({ ...base, node: 'node-a', tokenModes: ['canary'], stage: 'canary' });
  store.update(tripped, { baseline });
  for (let i = 0; i < 20; i++) { store.addSample(tripped, 'canary', { wake_p99_us: i < 14 ? 420 + 10 * (i % 3) : 2400, req_p99_us: 1050, batch_ops_per_s: 51_000, interval_ms: 1000 }); stamp('deployment_samples', lastId('deployment_samples'), now - 3_600_000 + i * 1000); }
  store.addEvent(tripped, 'trip', { kind: 'soft_gate', kpi: 'wake_p99_us' }); stamp('deployment_events', lastId('deployment_events'), now - 3_600_000 + 17_000);
  store.update(tripped, { stage: 'rolled_back', breaker: 'open', trip: { kind: 'soft_gate', reason: 'wake_p99_us 2400 µs above 800 µs for 3 checks' }, ended: true });
  const live = store.insert({ ...base, node: 'node-b', tokenModes: ['canary', 'full'], stage: 'canary' });
  store.update(live, { baseline });
  store.addEvent(live, 'baseline', baseline); stamp('deployment_events', lastId('deployment_events'), now - 42_000);
  store.addEvent(live, 'stage', { stage: 'canary' }); stamp('deployment_events', lastId('deployment_events'), now - 30_000);
  for (let i = 0; i < 40; i++) {
    store.addSample(live, 'canary', { wake_p99_us: 380 + 40 * Math.sin(i / 4), req_p99_us: 980 + 60 * Math.cos(i / 5), batch_ops_per_s: 52_500 + 800 * Math.sin(i / 7), interval_ms: 1000 });
    stamp('deployment_samples', lastId('deployment_samples'), now - 40_000 + i * 1000);
  }
  return { tripped, live };
}

interface Watched { page: Page; problems: string[]; violations: () => Promise<string[]> }

/** A page that records CSP violations, script errors and every request to another origin. */
async function watchedPage(): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  // A string, not a function: the tests compile without the DOM library.
  await page.addInitScript({ content: "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));" });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`); });
  page.on('request', (r) => { if (!r.url().startsWith(`${base}/`) && !r.url().startsWith('data:')) problems.push(`external request: ${r.url()}`); });
  return { page, problems, violations: () => page.evaluate('window.__csp') as Promise<string[]> };
}

async function signIn(page: Page, token: string) {
  await page.goto(`${base}/console/`);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=who]');
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe('operator console in chromium', () => {
  it('signs in, shows the digest and signals, renders every view with real data, and keeps the view across a refresh', async () => {
    const { page, problems, violations } = await watchedPage();
    await signIn(page, READER);
    await expect(page.textContent('[data-testid=who]')).resolves.toMatch(/reader\s*read/);
    await page.waitForSelector('[data-testid=digest] li');
    expect(await page.locator('[data-testid=digest] li').count()).toBeGreaterThan(2);
    await expect(page.textContent('#digest')).resolves.toMatch(/CPU/);
    await page.waitForSelector('#signals td');
    await expect(page.textContent('#signals')).resolves.toMatch(/cpu_saturation/);
    await shot(page, 'overview');
    if (process.env.SCHEDCP_SCREENSHOT) {
      await page.waitForTimeout(6_000); // a few more sampler windows for the history chart
      await page.screenshot({ path: join(REPO_ROOT, 'docs', 'console.png') });
    }

    await page.click('nav a[data-view=deployments]');
    await page.waitForSelector('[data-testid=no-nodes]'); // no node VMs in this test
    await page.click('tr:has-text("node-b")');
    await page.waitForSelector('[data-testid=kpi-wake_p99_us] canvas');
    expect(page.url()).toMatch(/#\/deployments\/2$/);
    await expect(page.textContent('#deployment-detail')).resolves.toMatch(/wake_p99_us.*400.*800/);
    expect(await page.locator('[data-testid^=kpi-] canvas').count()).toBe(3);
    await shot(page, 'deployments');
    // docs/console-deployments.png comes from a real canary: scripts/screenshot-deployment.mjs.
    await page.goto(`${base}/console/#/deployments/1`);
    await page.waitForSelector('#deployment-detail .error');
    await expect(page.textContent('#deployment-detail .error')).resolves.toMatch(/soft_gate: wake_p99_us 2400/);

    await page.click('nav a[data-view=policies]');
    await page.waitForSelector('text=sjf_batch');
    await page.click('tr:has-text("sjf_batch")');
    await page.waitForSelector('[data-testid=source] .c-kw');
    expect(page.url()).toMatch(/#\/policies\/sjf_batch/);
    await page.waitForSelector('#policy >> text=passed verification');
    await shot(page, 'policies');

    await page.click('nav a[data-view=tuning]');
    await page.waitForSelector('text=vm.swappiness');
    await shot(page, 'tuning');

    await page.click('nav a[data-view=verifications]');
    await page.fill('input[name=id]', '999');
    await page.click('button:has-text("Show")');
    await page.waitForSelector('#verification .error');
    await expect(page.textContent('#verification .error')).resolves.toMatch(/not_found/);

    await page.click('nav a[data-view=audit]');
    await page.fill('input[name=tool]', 'apply_tuning_plan');
    await page.click('button:has-text("Filter")');
    await page.waitForSelector('td:has-text("console test plan")');
    expect(page.url()).toMatch(/#\/audit\?tool=apply_tuning_plan/);
    await page.click('td:has-text("console test plan")');
    await expect(page.textContent('[data-testid=audit-detail]')).resolves.toMatch(/vm\.swappiness/);
    await shot(page, 'audit');

    await page.reload();
    await page.waitForSelector('td:has-text("console test plan")');
    expect(await page.getAttribute('main.content', 'data-current-view')).toBe('audit');
    expect(await page.inputValue('input[name=tool]')).toBe('apply_tuning_plan');
    expect(page.url()).not.toContain(READER);

    expect(await violations()).toEqual([]);
    expect(problems).toEqual([]);
    // The watcher itself works: an injected inline script is refused by the console's CSP.
    await page.evaluate("document.body.appendChild(Object.assign(document.createElement('script'), { textContent: 'window.__ran = 1' }))");
    await page.waitForTimeout(200);
    expect(await page.evaluate('window.__ran')).toBeUndefined();
    expect((await violations()).join()).toMatch(/script-src/);
    await page.context().close();
  }, 120_000);

  it('a read-only token sees approve, promote and roll back disabled; an agent token is refused approval over REST', async () => {
    const { page, problems, violations } = await watchedPage();
    await signIn(page, READER);
    await page.goto(`${base}/console/#/policies/sjf_batch`);
    await page.waitForSelector('[data-testid=approval]');
    expect(await page.isDisabled('[data-testid=approve]')).toBe(true);
    await expect(page.getAttribute('[data-testid=approve]', 'title')).resolves.toMatch(/scope/);
    await page.goto(`${base}/console/#/deployments/2`);
    await page.waitForSelector('#deployment-detail dl');
    expect(await page.isDisabled('[data-testid=promote]')).toBe(true);
    expect(await page.isDisabled('[data-testid=rollback]')).toBe(true);
    await expect(page.getAttribute('[data-testid=rollback]', 'title')).resolves.toMatch(/scope "deploy"/);
    expect(await violations()).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();

    expect((await rest('approve_policy', READER, { name: 'sjf_batch', action: 'promote_policy', reason: 'x' })).status).toBe(403);
    const agent = await rest('approve_policy', AGENT, { name: 'sjf_batch', action: 'promote_policy', reason: 'I measured it', justification: 'agent tries' });
    expect(agent.status).toBe(403);
    expect(agent.body).toMatchObject({ code: 'permission_denied', message: expect.stringMatching(/needs a human.*console.*"approve"/) });
    expect((await rest('get_policy', READER, { name: 'sjf_batch' })).body.status).toBe('verified');
  }, 60_000);

  it('the operator approves the promotion in the console: status promoted, audit row with the justification', async () => {
    const { page, problems, violations } = await watchedPage();
    await signIn(page, OPERATOR);
    await page.goto(`${base}/console/#/deployments/2`);
    await page.waitForSelector('[data-testid=promote]:not([disabled])');
    expect(await page.isDisabled('[data-testid=rollback]')).toBe(false);
    await page.goto(`${base}/console/#/policies/sjf_batch`);
    await page.waitForSelector('[data-testid=approve]:not([disabled])');
    await page.click('[data-testid=approve]');
    await page.fill('textarea[name=justification]', 'reviewed the kernel_compile trials');
    await page.click('[data-testid=confirm]');
    await page.waitForSelector('[data-testid=policy-status]:has-text("promoted")');
    await page.waitForSelector('#policy >> text=approved by operator: reviewed the kernel_compile trials');
    expect(await page.locator('[data-testid=approval]').count()).toBe(0);
    const audit = await rest('audit_log', READER, { tool: 'approve_policy', caller: 'operator' });
    expect(audit.body.rows).toContainEqual(expect.objectContaining({ transport: 'rest', outcome: 'ok', justification: 'reviewed the kernel_compile trials' }));
    const changes = await rest('audit_log', READER, { tool: 'repository.status_change', caller: 'operator' });
    expect(changes.body.rows).toContainEqual(expect.objectContaining({ args: expect.objectContaining({ policy: 'sjf_batch', from: 'verified', to: 'promoted' }) }));
    expect(await violations()).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('/api/docs renders the operations with Swagger UI from this server only', async () => {
    const { page, problems, violations } = await watchedPage();
    const res = await page.goto(`${base}/api/docs`);
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self';/);
    await page.waitForSelector('.opblock');
    expect(await page.locator('.opblock').count()).toBeGreaterThan(40);
    await expect(page.textContent('body')).resolves.toMatch(/\/api\/v1\/approve_policy/);
    expect(await page.locator('.errors-wrapper, .swagger-ui .errors').count()).toBe(0);
    await shot(page, 'api-docs');
    expect(await violations()).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);
});
