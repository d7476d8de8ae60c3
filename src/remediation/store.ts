// SQLite persistence of remediation: one row per action, written as an intent *before* the
// kernel write (so a crash leaves a row the next start can revert), and an event history.
import type { Db, Migration } from '../db/index.js';

export const remediationMigrations: Migration[] = [{
  component: 'remediation', version: 1, description: 'process and cgroup actions, events',
  up(db) {
    db.exec(`
      CREATE TABLE remediation_actions (
        id INTEGER PRIMARY KEY, created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        caller TEXT, justification TEXT, kind TEXT NOT NULL, target TEXT NOT NULL,
        spec TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'reverted', 'yielded', 'revert_failed', 'failed', 'target_gone')),
        expires_at INTEGER NOT NULL, owner_pid INTEGER NOT NULL, owner_start INTEGER NOT NULL,
        revert_attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, verification TEXT,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
      CREATE INDEX remediation_actions_state ON remediation_actions(state);
      CREATE INDEX remediation_actions_target ON remediation_actions(target, created_at);
      CREATE TABLE remediation_events (
        id INTEGER PRIMARY KEY, ts TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        action_id INTEGER NOT NULL REFERENCES remediation_actions(id), kind TEXT NOT NULL, detail TEXT NOT NULL);
      CREATE INDEX remediation_events_action ON remediation_events(action_id);
    `);
  },
}];

export type ActionState = 'pending' | 'active' | 'reverted' | 'yielded' | 'revert_failed' | 'failed' | 'target_gone';
export type ActionKind = 'nice' | 'ioprio' | 'cgroup_knob' | 'process_limit';
export const OPEN_STATES: readonly ActionState[] = ['pending', 'active', 'revert_failed'];

/** What the action is about, enough to revert it without the request. */
export interface ActionSpec {
  pid?: number;
  startTime?: number;
  comm?: string;
  controller?: 'cpu' | 'memory' | 'io';
  version?: 1 | 2;
  /** Directory written (cgroup knobs) relative to the controller's hierarchy. */
  path?: string;
  knob?: string;
  value?: number | string;
  /** process_limit: the cgroup the process came from and is moved back to. */
  originalPath?: string;
}

export interface ActionRow {
  id: number; createdAt: string; caller: string | null; justification: string | null;
  kind: ActionKind; target: string; spec: ActionSpec;
  /** thread id or file → value before our write, and what we wrote. */
  before: Record<string, string>; after: Record<string, string>;
  state: ActionState; expiresAt: number; ownerPid: number; ownerStart: number;
  revertAttempts: number; lastError: string | null; verification: unknown;
}

export interface EventRow { id: number; ts: string; actionId: number; kind: string; detail: string }

export class RemediationStore {
  constructor(private readonly db: Db) {}

  createIntent(row: Pick<ActionRow, 'kind' | 'target' | 'spec' | 'before' | 'after' | 'expiresAt' | 'ownerPid' | 'ownerStart'> & { caller?: string | undefined; justification?: string | undefined }): number {
    return Number(this.db.prepare(`INSERT INTO remediation_actions (caller, justification, kind, target, spec, before, after, state, expires_at, owner_pid, owner_start)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`).run(row.caller ?? null, row.justification ?? null, row.kind, row.target, JSON.stringify(row.spec),
      JSON.stringify(row.before), JSON.stringify(row.after), row.expiresAt, row.ownerPid, row.ownerStart).lastInsertRowid);
  }

  update(id: number, fields: Partial<Pick<ActionRow, 'state' | 'expiresAt' | 'lastError' | 'verification' | 'after' | 'spec' | 'ownerPid' | 'ownerStart'>> & { bumpAttempts?: boolean }): void {
    const sets: string[] = ["updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')"];
    const args: unknown[] = [];
    const put = (column: string, value: unknown) => { sets.push(`${column} = ?`); args.push(value); };
    if (fields.state !== undefined) put('state', fields.state);
    if (fields.expiresAt !== undefined) put('expires_at', fields.expiresAt);
    if (fields.lastError !== undefined) put('last_error', fields.lastError);
    if (fields.verification !== undefined) put('verification', JSON.stringify(fields.verification));
    if (fields.after !== undefined) put('after', JSON.stringify(fields.after));
    if (fields.spec !== undefined) put('spec', JSON.stringify(fields.spec));
    if (fields.ownerPid !== undefined) put('owner_pid', fields.ownerPid);
    if (fields.ownerStart !== undefined) put('owner_start', fields.ownerStart);
    if (fields.bumpAttempts) sets.push('revert_attempts = revert_attempts + 1');
    this.db.prepare(`UPDATE remediation_actions SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
  }

  get(id: number): ActionRow | undefined {
    const row = this.db.prepare('SELECT * FROM remediation_actions WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return row && actionRow(row);
  }

  list(options: { states?: readonly ActionState[]; limit: number }): ActionRow[] {
    const where = options.states?.length ? `WHERE state IN (${options.states.map(() => '?').join(', ')})` : '';
    const rows = this.db.prepare(`SELECT * FROM remediation_actions ${where} ORDER BY id DESC LIMIT ?`).all(...(options.states ?? []), options.limit) as Array<Record<string, unknown>>;
    return rows.map(actionRow);
  }

  /** Live actions on `target` created in the last `seconds` (the rate limit's window). */
  recentOnTarget(target: string, seconds: number): number {
    return (this.db.prepare("SELECT count(*) AS n FROM remediation_actions WHERE target = ? AND created_at >= strftime('%Y-%m-%dT%H:%M:%fZ','now', ?)").get(target, `-${seconds} seconds`) as { n: number }).n;
  }

  openOnTarget(target: string): ActionRow[] {
    return (this.db.prepare(`SELECT * FROM remediation_actions WHERE target = ? AND state IN ('pending', 'active', 'revert_failed') ORDER BY id`).all(target) as Array<Record<string, unknown>>).map(actionRow);
  }

  event(actionId: number, kind: string, detail: string): void {
    this.db.prepare('INSERT INTO remediation_events (action_id, kind, detail) VALUES (?, ?, ?)').run(actionId, kind, detail);
  }

  events(actionId: number): EventRow[] {
    return (this.db.prepare('SELECT * FROM remediation_events WHERE action_id = ? ORDER BY id').all(actionId) as Array<{ id: number; ts: string; action_id: number; kind: string; detail: string }>)
      .map((r) => ({ id: r.id, ts: r.ts, actionId: r.action_id, kind: r.kind, detail: r.detail }));
  }
}

function actionRow(r: Record<string, unknown>): ActionRow {
  return {
    id: r.id as number, createdAt: r.created_at as string, caller: (r.caller as string | null) ?? null, justification: (r.justification as string | null) ?? null,
    kind: r.kind as ActionKind, target: r.target as string, spec: JSON.parse(r.spec as string) as ActionSpec,
    before: JSON.parse(r.before as string) as Record<string, string>, after: JSON.parse(r.after as string) as Record<string, string>,
    state: r.state as ActionState, expiresAt: r.expires_at as number, ownerPid: r.owner_pid as number, ownerStart: r.owner_start as number,
    revertAttempts: r.revert_attempts as number, lastError: (r.last_error as string | null) ?? null,
    verification: r.verification === null || r.verification === undefined ? null : JSON.parse(r.verification as string),
  };
}
