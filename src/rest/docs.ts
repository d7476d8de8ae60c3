// The API reference page at /api/docs: Swagger UI from node_modules/swagger-ui-dist (no CDN; its
// install-time analytics are disabled in package.json allowScripts), reading /api/v1/openapi.json.
// Strict CSP: scripts only from this server, the initialiser is a static file, not inline.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { AssetSet, nodeModule, pageHeaders, PACKAGE_ROOT, readOnlyMethod, sendText } from '../console/static.js';

export const DOCS_PATH = '/api/docs';

// Swagger UI sets style attributes on elements and shows data: images (icons), hence those two allowances.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

let assets: AssetSet | undefined;
const docsAssets = () => assets ??= new AssetSet({
  'swagger-ui.css': nodeModule('swagger-ui-dist', 'swagger-ui.css'),
  'swagger-ui-bundle.js': nodeModule('swagger-ui-dist', 'swagger-ui-bundle.js'),
  'favicon-32x32.png': nodeModule('swagger-ui-dist', 'favicon-32x32.png'),
  'init.js': join(PACKAGE_ROOT, 'src', 'rest', 'docs', 'init.js'),
  'docs.css': join(PACKAGE_ROOT, 'src', 'rest', 'docs', 'docs.css'),
});

function page(v: string): string {
  const a = `${DOCS_PATH}/assets/${v}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>schedcp API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" type="image/png" href="${a}/favicon-32x32.png">
<link rel="stylesheet" href="${a}/swagger-ui.css"><link rel="stylesheet" href="${a}/docs.css">
</head><body><div id="swagger-ui" data-spec="/api/v1/openapi.json"></div>
<script src="${a}/swagger-ui-bundle.js"></script><script src="${a}/init.js"></script>
</body></html>`;
}

export function serveApiDocs(req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (!readOnlyMethod(req, res)) return;
  const set = docsAssets();
  if (url.pathname === DOCS_PATH || url.pathname === `${DOCS_PATH}/`) {
    res.writeHead(200, pageHeaders(CSP));
    res.end(req.method === 'HEAD' ? undefined : page(set.version));
    return;
  }
  const m = /^\/api\/docs\/assets\/([0-9a-f]{12})\/([A-Za-z0-9._-]+)$/.exec(url.pathname);
  if (m && m[1] === set.version && set.serve(req, res, m[2]!)) return;
  sendText(res, 404, `Not found: ${url.pathname}. The API reference is at ${DOCS_PATH}.`);
}
