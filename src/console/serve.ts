// The operator console at /console: static ES modules (src/console/public) plus Preact, htm and
// uPlot from node_modules through an import map, no build step. The page holds no data: every view
// calls /api/v1/<tool> with the token the operator pasted, so the console is exactly the REST API.
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { AssetSet, nodeModule, pageHeaders, PACKAGE_ROOT, readOnlyMethod, sendText, sha256Base64 } from './static.js';

export const CONSOLE_PATH = '/console';
const PUBLIC = join(PACKAGE_ROOT, 'src', 'console', 'public');

const VENDOR: Record<string, string> = {
  'preact.mjs': nodeModule('preact', 'dist', 'preact.module.js'),
  'preact-hooks.mjs': nodeModule('preact', 'hooks', 'dist', 'hooks.module.js'),
  'htm.mjs': nodeModule('htm', 'dist', 'htm.module.js'),
  'uplot.mjs': nodeModule('uplot', 'dist', 'uPlot.esm.js'),
  'uplot.css': nodeModule('uplot', 'dist', 'uPlot.min.css'),
};

interface Built { assets: AssetSet; html: string; csp: string }
let built: Built | undefined;

function build(): Built {
  const files: Record<string, string> = { ...VENDOR };
  for (const name of readdirSync(PUBLIC)) if (name !== 'index.html') files[name] = join(PUBLIC, name);
  const assets = new AssetSet(files);
  const base = `${CONSOLE_PATH}/assets/${assets.version}`;
  const importMap = JSON.stringify({ imports: { preact: `${base}/preact.mjs`, 'preact/hooks': `${base}/preact-hooks.mjs`, htm: `${base}/htm.mjs`, uplot: `${base}/uplot.mjs` } });
  const html = readFileSync(join(PUBLIC, 'index.html'), 'utf8').replaceAll('{{ASSETS}}', base).replace('{{IMPORT_MAP}}', importMap);
  // The import map is the page's only inline script; its hash is the only inline code the CSP admits.
  const csp = [
    "default-src 'none'", `script-src 'self' 'sha256-${sha256Base64(importMap)}'`, "style-src 'self'", "img-src 'self' data:",
    "connect-src 'self'", "font-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
  ].join('; ');
  return { assets, html, csp };
}

export function serveConsole(req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (!readOnlyMethod(req, res)) return;
  built ??= build();
  if (url.pathname === CONSOLE_PATH) { res.writeHead(308, { location: `${CONSOLE_PATH}/`, 'cache-control': 'no-store' }); res.end(); return; }
  if (url.pathname === `${CONSOLE_PATH}/`) {
    res.writeHead(200, pageHeaders(built.csp));
    res.end(req.method === 'HEAD' ? undefined : built.html);
    return;
  }
  const m = /^\/console\/assets\/([0-9a-f]{12})\/([A-Za-z0-9._-]+)$/.exec(url.pathname);
  if (m && m[1] === built.assets.version && built.assets.serve(req, res, m[2]!)) return;
  sendText(res, 404, `Not found: ${url.pathname}. The console is at ${CONSOLE_PATH}/.`);
}
