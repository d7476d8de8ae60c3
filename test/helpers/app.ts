// An App over a private temporary data dir (and cache dir unless given), removed by close().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../../src/app.js';
import { parseConfig, type ConfigInput } from '../../src/config/index.js';
import type { Logger } from '../../src/server/logger.js';

export interface TestApp {
  app: App;
  /** The temporary directory holding data/ and cache/. */
  root: string;
  close(): Promise<void>;
}

export const silentLogger: Logger = { log: () => undefined };

export function createTestApp(config: ConfigInput = {}, options: { prefix?: string; logger?: Logger } = {}): TestApp {
  const root = mkdtempSync(join(tmpdir(), `${options.prefix ?? 'schedcp-test'}-`));
  const app = createApp({
    config: parseConfig({ dataDir: join(root, 'data'), cacheDir: join(root, 'cache'), ...config }),
    ...(options.logger && { logger: options.logger }),
  });
  return { app, root, async close() { await app.close(); rmSync(root, { recursive: true, force: true }); } };
}
