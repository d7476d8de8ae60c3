import { describe, expect, it, afterEach } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase, migrate, type Migration } from './index.js';

const dirs: string[] = [];
const tempPath = () => { const d = mkdtempSync(join(tmpdir(), 'schedcp-db-')); dirs.push(d); return join(d, 'schedcp.db'); };
afterEach(() => { while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true }); });

describe('openDatabase', () => {
  it('creates a WAL database marked as schedcp', () => {
    const path = tempPath();
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    const again = openDatabase(path);
    again.close();
  });

  it('refuses a file that is not SQLite and leaves it untouched', () => {
    const path = tempPath();
    writeFileSync(path, 'this is my thesis, not a database');
    expect(() => openDatabase(path)).toThrow(/is not an SQLite database/);
    expect(readFileSync(path, 'utf8')).toBe('this is my thesis, not a database');
  });

  it("refuses another program's SQLite database", () => {
    const path = tempPath();
    const foreign = new Database(path);
    foreign.exec('CREATE TABLE invoices (id INTEGER)');
    foreign.close();
    expect(() => openDatabase(path)).toThrow(/another program/);
    const check = new Database(path);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type='table'").all()).toEqual([{ name: 'invoices' }]);
    check.close();
  });
});

describe('migrate', () => {
  const v1: Migration = { component: 'demo', version: 1, description: 't', up: (db) => db.exec('CREATE TABLE demo (a)') };
  const v2: Migration = { component: 'demo', version: 2, description: 'b', up: (db) => db.exec('ALTER TABLE demo ADD COLUMN b') };

  it('applies pending migrations once, in order, from an older version', () => {
    const db = openDatabase(':memory:');
    expect(migrate(db, [v1])).toEqual([1]);
    expect(migrate(db, [v2, v1])).toEqual([2]);
    expect(migrate(db, [v1, v2])).toEqual([]);
    expect((db.prepare('PRAGMA table_info(demo)').all() as Array<{ name: string }>).map((c) => c.name)).toEqual(['a', 'b']);
  });

  it('rolls back a failing migration completely', () => {
    const db = openDatabase(':memory:');
    const bad: Migration = { component: 'x', version: 1, description: 'bad', up: (d) => { d.exec('CREATE TABLE t (a)'); d.exec('NOT SQL'); } };
    expect(() => migrate(db, [bad])).toThrow();
    expect(db.prepare("SELECT count(*) n FROM sqlite_master WHERE name='t'").get()).toEqual({ n: 0 });
  });

  it('refuses a database newer than this build', () => {
    const db = openDatabase(':memory:');
    migrate(db, [v1, v2]);
    expect(() => migrate(db, [v1])).toThrow(/newer than this schedcp knows/);
  });
});
