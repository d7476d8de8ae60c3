// One SQLite file in the data dir (WAL). Refuses a file that is not SQLite or that belongs to some
// other program, rather than silently creating a fresh schema over somebody's data.
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { SchedcpError, quote } from '../errors.js';

export type Db = Database.Database;

const SQLITE_MAGIC = 'SQLite format 3\0';
const APPLICATION_ID = 0x53434350; // "SCCP": marks the file as schedcp's own

export interface Migration {
  /** The owning component; each owns its own tables and version sequence. */
  component: string;
  version: number;
  description: string;
  up: (db: Db) => void;
}

function checkHeader(path: string): void {
  const size = statSync(path).size;
  if (size === 0) return;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(16);
    readSync(fd, buf, 0, 16, 0);
    if (buf.toString('latin1') !== SQLITE_MAGIC) {
      throw new SchedcpError('database_invalid', `${quote(path)} exists but is not an SQLite database (bad header). Move it away or set SCHEDCP_DATA_DIR to another directory; schedcp will not overwrite it.`);
    }
  } finally {
    closeSync(fd);
  }
}

export function openDatabase(path: string, options: { readonly?: boolean } = {}): Db {
  const fresh = path === ':memory:' || !existsSync(path) || statSync(path).size === 0;
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
    if (!fresh) checkHeader(path);
  }
  let db: Db;
  try {
    db = new Database(path, { readonly: options.readonly ?? false });
  } catch (error) {
    throw new SchedcpError('database_invalid', `Cannot open database ${quote(path)}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const appId = db.pragma('application_id', { simple: true }) as number;
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
    if (appId !== APPLICATION_ID) {
      if (tables > 0) {
        throw new SchedcpError('database_invalid', `${quote(path)} is an SQLite database of another program (application_id ${appId}, ${tables} tables). schedcp will not write into it; point SCHEDCP_DATA_DIR elsewhere.`);
      }
      if (!options.readonly) db.pragma(`application_id = ${APPLICATION_ID}`);
    }
    if (!options.readonly && path !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        component TEXT NOT NULL, version INTEGER NOT NULL, description TEXT NOT NULL,
        applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        PRIMARY KEY (component, version))`);
    }
  } catch (error) {
    db.close();
    if (error instanceof SchedcpError) throw error;
    throw new SchedcpError('database_invalid', `${quote(path)} is not a usable SQLite database: ${(error as Error).message}`, { cause: error });
  }
  return db;
}

/** Apply each component's pending migrations in order, in one IMMEDIATE transaction per component. Returns versions applied. */
export function migrate(db: Db, migrations: readonly Migration[]): number[] {
  const applied: number[] = [];
  const byComponent = new Map<string, Migration[]>();
  for (const m of migrations) byComponent.set(m.component, [...(byComponent.get(m.component) ?? []), m]);
  for (const [component, list] of byComponent) {
    const sorted = [...list].sort((a, b) => a.version - b.version);
    sorted.forEach((m, i) => {
      if (m.version !== i + 1) throw new SchedcpError('internal', `Migrations of ${component} must be numbered 1..n without gaps; found ${m.version} at position ${i + 1}.`);
    });
    // IMMEDIATE: the version is read under the write lock, so two processes opening a fresh
    // database at once cannot both apply the same migration (the second waits, then finds none).
    db.transaction(() => {
      const current = (db.prepare('SELECT coalesce(max(version), 0) AS v FROM schema_migrations WHERE component = ?').get(component) as { v: number }).v;
      if (current > sorted.length) {
        throw new SchedcpError('database_invalid', `The database has ${component} schema version ${current}, newer than this schedcp knows (${sorted.length}). Upgrade schedcp.`);
      }
      for (const m of sorted.slice(current)) {
        m.up(db);
        db.prepare('INSERT INTO schema_migrations (component, version, description) VALUES (?, ?, ?)').run(component, m.version, m.description);
        applied.push(m.version);
      }
    }).immediate();
  }
  return applied;
}
