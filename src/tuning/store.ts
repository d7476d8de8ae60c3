// SQLite persistence of the tuning component: the knowledge base (+ FTS5 index), plans, backups
// of values taken before live writes, the keys we currently manage, and an event history.
import type { Db, Migration } from '../db/index.js';
import type { Tunable } from './kb.js';

export const tuningMigrations: Migration[] = [{
  component: 'tuning', version: 1, description: 'knowledge base, plans, backups, managed keys, events',
  up(db) {
    db.exec(`
      CREATE TABLE tuning_kb (key TEXT PRIMARY KEY, area TEXT NOT NULL, doc TEXT NOT NULL);
      CREATE TABLE tuning_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE tuning_plans (
        id INTEGER PRIMARY KEY, created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        caller TEXT, target TEXT NOT NULL, mode TEXT NOT NULL, status TEXT NOT NULL,
        changes TEXT NOT NULL, result TEXT);
      CREATE TABLE tuning_backups (
        id INTEGER PRIMARY KEY, plan_id INTEGER NOT NULL REFERENCES tuning_plans(id),
        target TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        "values" TEXT NOT NULL);
      CREATE TABLE tuning_managed (
        target TEXT NOT NULL, key TEXT NOT NULL, written TEXT NOT NULL, plan_id INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('managed', 'yielded', 'released')),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        PRIMARY KEY (target, key));
      CREATE TABLE tuning_events (
        id INTEGER PRIMARY KEY, ts TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        plan_id INTEGER, target TEXT NOT NULL, key TEXT, kind TEXT NOT NULL, detail TEXT NOT NULL);
      CREATE INDEX tuning_events_plan ON tuning_events(plan_id);
    `);
  },
}];

export type PlanStatus = 'advised' | 'staged' | 'applying' | 'applied' | 'rolled_back' | 'guard_rolled_back' | 'failed_rolled_back';
export type EventKind = 'write' | 'rollback' | 'yield' | 'guard' | 'stage' | 'failure';

export interface PlanRow { id: number; createdAt: string; caller: string | null; target: string; mode: string; status: PlanStatus; changes: unknown; result: unknown }
export interface EventRow { id: number; ts: string; planId: number | null; target: string; key: string | null; kind: EventKind; detail: string }
export interface ManagedRow { target: string; key: string; written: string; planId: number; state: 'managed' | 'yielded' | 'released' }

export class TuningStore {
  constructor(private readonly db: Db) {}

  /** Replaces the stored KB; returns false (nothing done) when its digest is unchanged. */
  loadKnowledgeBase(tunables: readonly Tunable[], digest: string): boolean {
    const stored = this.db.prepare("SELECT value FROM tuning_meta WHERE name = 'kb_digest'").get() as { value: string } | undefined;
    if (stored?.value === digest) return false;
    this.db.transaction(() => {
      this.db.exec('DELETE FROM tuning_kb');
      const kb = this.db.prepare('INSERT INTO tuning_kb (key, area, doc) VALUES (?, ?, ?)');
      for (const t of tunables) kb.run(t.key, t.area, JSON.stringify(t));
      this.db.prepare("INSERT INTO tuning_meta (name, value) VALUES ('kb_digest', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(digest);
    })();
    return true;
  }

  getMeta(name: string): string | undefined {
    return (this.db.prepare('SELECT value FROM tuning_meta WHERE name = ?').get(name) as { value: string } | undefined)?.value;
  }

  setMeta(name: string, value: string): void {
    this.db.prepare('INSERT INTO tuning_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  createPlan(row: { caller: string | undefined; target: string; mode: string; status: PlanStatus; changes: unknown; result?: unknown }): number {
    const info = this.db.prepare('INSERT INTO tuning_plans (caller, target, mode, status, changes, result) VALUES (?, ?, ?, ?, ?, ?)')
      .run(row.caller ?? null, row.target, row.mode, row.status, JSON.stringify(row.changes), row.result === undefined ? null : JSON.stringify(row.result));
    return Number(info.lastInsertRowid);
  }

  finishPlan(id: number, status: PlanStatus, result: unknown): void {
    this.db.prepare('UPDATE tuning_plans SET status = ?, result = ? WHERE id = ?').run(status, JSON.stringify(result), id);
  }

  getPlan(id: number): PlanRow | undefined {
    const row = this.db.prepare('SELECT * FROM tuning_plans WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return row && planRow(row);
  }

  listPlans(options: { target?: string; limit: number }): PlanRow[] {
    const rows = this.db.prepare(`SELECT * FROM tuning_plans ${options.target ? 'WHERE target = ?' : ''} ORDER BY id DESC LIMIT ?`)
      .all(...(options.target ? [options.target, options.limit] : [options.limit])) as Array<Record<string, unknown>>;
    return rows.map(planRow);
  }

  saveBackup(planId: number, target: string, values: Record<string, string>): number {
    return Number(this.db.prepare('INSERT INTO tuning_backups (plan_id, target, "values") VALUES (?, ?, ?)').run(planId, target, JSON.stringify(values)).lastInsertRowid);
  }

  getBackup(id: number): { id: number; planId: number; target: string; createdAt: string; values: Record<string, string> } | undefined {
    const row = this.db.prepare('SELECT * FROM tuning_backups WHERE id = ?').get(id) as { id: number; plan_id: number; target: string; created_at: string; values: string } | undefined;
    return row && { id: row.id, planId: row.plan_id, target: row.target, createdAt: row.created_at, values: JSON.parse(row.values) as Record<string, string> };
  }

  backupForPlan(planId: number): number | undefined {
    return (this.db.prepare('SELECT id FROM tuning_backups WHERE plan_id = ? ORDER BY id DESC LIMIT 1').get(planId) as { id: number } | undefined)?.id;
  }

  listBackups(limit: number): Array<{ id: number; planId: number; target: string; createdAt: string; keys: string[] }> {
    const rows = this.db.prepare('SELECT * FROM tuning_backups ORDER BY id DESC LIMIT ?').all(limit) as Array<{ id: number; plan_id: number; target: string; created_at: string; values: string }>;
    return rows.map((r) => ({ id: r.id, planId: r.plan_id, target: r.target, createdAt: r.created_at, keys: Object.keys(JSON.parse(r.values) as object) }));
  }

  setManaged(target: string, key: string, written: string, planId: number, state: ManagedRow['state']): void {
    this.db.prepare(`INSERT INTO tuning_managed (target, key, written, plan_id, state) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (target, key) DO UPDATE SET written = excluded.written, plan_id = excluded.plan_id, state = excluded.state,
      updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`).run(target, key, written, planId, state);
  }

  managed(target: string): ManagedRow[] {
    const rows = this.db.prepare('SELECT target, key, written, plan_id, state FROM tuning_managed WHERE target = ? ORDER BY key').all(target) as Array<{ target: string; key: string; written: string; plan_id: number; state: ManagedRow['state'] }>;
    return rows.map((r) => ({ target: r.target, key: r.key, written: r.written, planId: r.plan_id, state: r.state }));
  }

  event(e: { planId?: number; target: string; key?: string; kind: EventKind; detail: string }): void {
    this.db.prepare('INSERT INTO tuning_events (plan_id, target, key, kind, detail) VALUES (?, ?, ?, ?, ?)').run(e.planId ?? null, e.target, e.key ?? null, e.kind, e.detail);
  }

  events(options: { planId?: number; limit: number }): EventRow[] {
    const rows = this.db.prepare(`SELECT * FROM tuning_events ${options.planId !== undefined ? 'WHERE plan_id = ?' : ''} ORDER BY id DESC LIMIT ?`)
      .all(...(options.planId !== undefined ? [options.planId, options.limit] : [options.limit])) as Array<{ id: number; ts: string; plan_id: number | null; target: string; key: string | null; kind: EventKind; detail: string }>;
    return rows.map((r) => ({ id: r.id, ts: r.ts, planId: r.plan_id, target: r.target, key: r.key, kind: r.kind, detail: r.detail }));
  }
}

function planRow(r: Record<string, unknown>): PlanRow {
  return {
    id: r.id as number, createdAt: r.created_at as string, caller: (r.caller as string | null) ?? null, target: r.target as string,
    mode: r.mode as string, status: r.status as PlanStatus, changes: JSON.parse(r.changes as string),
    result: r.result === null || r.result === undefined ? null : JSON.parse(r.result as string),
  };
}
