// Prepared statements cached per connection, and a cheap check for other connections' commits:
// better-sqlite3's prepare() parses the SQL on every call (tens of µs), which read paths that run
// per search candidate would otherwise pay each time.
import type Database from 'better-sqlite3';
import type { Db } from './open.js';

const caches = new WeakMap<Db, Map<string, Database.Statement>>();

/** db.prepare(sql), once per connection and SQL text. Not for .pluck()/.raw() variants (they change the shared statement). */
export function prepared(db: Db, sql: string): Database.Statement {
  let cache = caches.get(db);
  if (!cache) caches.set(db, cache = new Map());
  let st = cache.get(sql);
  if (!st) cache.set(sql, st = db.prepare(sql));
  return st;
}

/** Drops the connection's cached statements (after DROP/CREATE of tables they read). */
export function forgetPrepared(db: Db): void { caches.get(db)?.clear(); }

/**
 * A function that says whether another connection committed since its previous call (PRAGMA
 * data_version; this connection's own writes do not move it). The first call says false.
 */
export function commitWatcher(db: Db): () => boolean {
  const version = db.prepare('PRAGMA data_version').pluck();
  let last: number | undefined;
  return () => {
    const now = version.get() as number;
    const moved = last !== undefined && now !== last;
    last = now;
    return moved;
  };
}
