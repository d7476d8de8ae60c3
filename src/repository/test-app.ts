// Test support: a real App (real SQLite file, real migrations) in a private temp dir, removed on close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../app.js';
import { parseConfig } from '../config/index.js';

export interface TestApp { app: App; dir: string; close(): Promise<void> }

export function makeTestApp(config: Record<string, unknown> = {}): TestApp {
  const dir = mkdtempSync(join(tmpdir(), 'schedcp-repo-test-'));
  const quiet = { log: () => undefined };
  let app: App;
  try {
    app = createApp({ config: parseConfig({ dataDir: join(dir, 'data'), cacheDir: process.env.SCHEDCP_CACHE_DIR ?? join(dir, 'cache'), ...config }), logger: quiet });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { app, dir, async close() { await app.close(); rmSync(dir, { recursive: true, force: true }); } };
}
