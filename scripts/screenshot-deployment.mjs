#!/usr/bin/env node
// Writes docs/console-deployments.png from a real canary on a real VM node, not from test records:
// verifies the FIFO test fixture, boots a node, deploys it (held before full), lets the canary run,
// photographs the console's deployment page in chromium, rolls back and stops the node. The soft
// gates are wide (50x): a plain FIFO trips the default 1.5x request-latency gate within a second.
// Needs the VM kit and a build (npm run build). Not a test: `node scripts/screenshot-deployment.mjs`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => join(root, 'dist', 'src', p);
const { createApp } = await import(dist('app.js'));
const { loadConfig, parseConfig } = await import(dist('config/index.js'));
const { verifyPolicy } = await import(dist('verifier/index.js'));
const { deployPolicy, rollbackDeployment, startNode, stopNode } = await import(dist('deployer/index.js'));
const { startHttpServer } = await import(dist('server/http.js'));

const work = mkdtempSync(join(tmpdir(), 'sshot-'));
const app = createApp({ config: parseConfig({ dataDir: join(work, 'd'), cacheDir: loadConfig().cacheDir, repository: { embedding: 'hashing' } }) });
const token = randomBytes(24).toString('hex');
let http, browser, id;
try {
  const source = readFileSync(join(root, 'test', 'fixtures', 'policies', 'deploy_good.bpf.c'), 'utf8');
  const [verified] = await Promise.all([verifyPolicy(app, { source, fileName: 'deploy_good.bpf.c', label: 'deploy_good' }, { perf: false }), startNode(app, 'node-1')]);
  if (!verified.token) throw new Error(`no token: ${verified.reason}`);
  http = await startHttpServer(app, { host: '127.0.0.1', port: 0, tokens: [{ name: 'operator', token, scopes: ['read', 'verify', 'deploy', 'tune', 'approve'] }] });
  const started = await deployPolicy(app, { token: verified.token, node: 'node-1', plan: { baselineSeconds: 3, canarySeconds: 120, requireApproval: true, maxWakeP99Ratio: 50, maxReqP99Ratio: 50 } });
  id = started.id;
  process.stderr.write(`deployment ${id}: canary live; letting it run 45 s\n`);
  await new Promise((r) => setTimeout(r, 45_000));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const base = `http://127.0.0.1:${http.port}`;
  await page.goto(`${base}/console/`);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=who]');
  await page.goto(`${base}/console/#/deployments/${id}`);
  await page.waitForSelector('[data-testid=kpi-wake_p99_us] canvas');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(root, 'docs', 'console-deployments.png'), fullPage: true });
  process.stderr.write('wrote docs/console-deployments.png\n');
} finally {
  await browser?.close();
  if (id) await rollbackDeployment(app, id, 'screenshot taken').catch(() => undefined);
  await stopNode(app, 'node-1').catch(() => undefined);
  await http?.close();
  await app.close();
  rmSync(work, { recursive: true, force: true });
}
