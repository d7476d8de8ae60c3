// Static files for the browser pages (/console, /api/docs): served from the checkout (src/console/
// public, src/rest/docs) and node_modules, so they work from src/ (vitest) and dist/ alike. Assets
// live under a content-hashed path and are immutable; HTML pages carry a strict CSP and no-store.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchedcpError } from '../errors.js';

/** The folder holding package.json and node_modules (the checkout or the installed package). */
export const PACKAGE_ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'src', 'console', 'public'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new SchedcpError('internal', `src/console/public was not found above ${fileURLToPath(import.meta.url)}; the installation is incomplete.`);
})();

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json',
};

/** A set of files a page may load: URL name → absolute path. Nothing outside the map is served. */
export class AssetSet {
  private readonly cache = new Map<string, Buffer>();
  readonly version: string;

  constructor(private readonly files: Record<string, string>) {
    const h = createHash('sha256');
    for (const [name, path] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) h.update(name).update(this.read(name) ?? path);
    this.version = h.digest('hex').slice(0, 12);
  }

  read(name: string): Buffer | undefined {
    const path = this.files[name];
    if (!path) return undefined;
    let data = this.cache.get(name);
    if (!data) { data = readFileSync(path); this.cache.set(name, data); }
    return data;
  }

  /** Answers GET/HEAD for `name` as an immutable asset, or returns false when it is not in the set. */
  serve(req: IncomingMessage, res: ServerResponse, name: string): boolean {
    const data = this.read(name);
    if (!data) return false;
    res.writeHead(200, {
      'content-type': TYPES[extname(name)] ?? 'application/octet-stream', 'content-length': String(data.length),
      'cache-control': 'public, max-age=31536000, immutable', 'x-content-type-options': 'nosniff',
      'cross-origin-resource-policy': 'same-origin',
    });
    res.end(req.method === 'HEAD' ? undefined : data);
    return true;
  }
}

export const sha256Base64 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');

/** Headers of an HTML page: the CSP given, no caching, no framing, no referrer. */
export function pageHeaders(csp: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': csp,
    'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** Only GET and HEAD reach a page or an asset; anything else is 405. */
export function readOnlyMethod(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return true;
  sendText(res, 405, `Method ${req.method} not allowed: pages and assets are GET only.`, { allow: 'GET, HEAD' });
  return false;
}

export const nodeModule = (...parts: string[]) => join(PACKAGE_ROOT, 'node_modules', ...parts);
