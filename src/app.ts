// The application context every entry point (MCP server, CLI) builds once: config, the database,
// the audit log, and lazily created component singletons. Components receive the App, never globals.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from './config/index.js';
import { openDatabase, migrate, type Db, type Migration } from './db/index.js';
import { AuditLog, auditMigrations } from './audit/index.js';
import { stderrLogger, type Logger } from './server/logger.js';
import { repairOnStart } from './remediation/startup.js';

export interface App {
  readonly config: Config;
  readonly db: Db;
  readonly audit: AuditLog;
  readonly logger: Logger;
  /** A component singleton: created on first use; its migrations are applied before creation. */
  component<T>(key: string, create: (app: App) => T, migrations?: readonly Migration[]): T;
  /** Register cleanup (kill children, detach probes) that must run when the app closes. */
  onClose(cleanup: () => void | Promise<void>): void;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  config?: Config;
  logger?: Logger;
}

export function createApp(options: CreateAppOptions = {}): App {
  const config = options.config ?? loadConfig();
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const db = openDatabase(join(config.dataDir, 'schedcp.db'));
  migrate(db, auditMigrations);
  const logger = options.logger ?? stderrLogger();
  const audit = new AuditLog(db, { readSampleEvery: config.audit.readSampleEvery });
  const components = new Map<string, unknown>();
  const cleanups: Array<() => void | Promise<void>> = [];
  let closed = false;
  const app: App = {
    config, db, audit, logger,
    component<T>(key: string, create: (app: App) => T, migrations?: readonly Migration[]): T {
      if (!components.has(key)) {
        if (migrations) migrate(db, migrations);
        components.set(key, create(app));
      }
      return components.get(key) as T;
    },
    onClose(cleanup) { cleanups.push(cleanup); },
    async close() {
      if (closed) return;
      closed = true;
      for (const cleanup of cleanups.reverse()) {
        try { await cleanup(); } catch (error) { logger.log('error', 'cleanup failed', { error: String(error) }); }
      }
      audit.flush();
      db.close();
    },
  };
  // Actions an earlier schedcp left applied (it crashed or was killed) are reverted on this start.
  repairOnStart(app);
  return app;
}
