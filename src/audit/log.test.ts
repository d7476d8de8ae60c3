import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Db } from '../db/index.js';
import { AuditLog, auditMigrations, type AuditEntry } from './log.js';

const dirs: string[] = [];
afterEach(() => { while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true }); });

function open(path?: string): { db: Db; log: AuditLog; path: string } {
  const file = path ?? join((() => { const d = mkdtempSync(join(tmpdir(), 'schedcp-audit-')); dirs.push(d); return d; })(), 'schedcp.db');
  const db = openDatabase(file);
  migrate(db, auditMigrations);
  return { db, log: new AuditLog(db, { readSampleEvery: 10 }), path: file };
}

const call = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  caller: 'agent', transport: 'http', tool: 'system_summary', arguments: { level: 0 }, outcome: 'ok', durationMs: 1, readOnly: true, ...over,
});

const rowsOnDisk = (db: Db) => db.prepare('SELECT tool, caller, outcome, calls FROM audit_counters ORDER BY tool, outcome').all();

describe('AuditLog counters', () => {
  it('counts every call, reads include counts not yet written, and writes them in one go', () => {
    const { db, log } = open();
    for (let i = 0; i < 25; i++) log.record(call());
    log.record(call({ outcome: 'error', errorCode: 'invalid_argument' }));
    expect(rowsOnDisk(db)).toEqual([]); // still in memory
    expect(log.counters()).toEqual([
      { tool: 'system_summary', caller: 'agent', outcome: 'ok', calls: 25 },
      { tool: 'system_summary', caller: 'agent', outcome: 'error', calls: 1 },
    ]);
    log.record(call());
    log.flush();
    expect(rowsOnDisk(db)).toEqual([
      { tool: 'system_summary', caller: 'agent', outcome: 'error', calls: 1 },
      { tool: 'system_summary', caller: 'agent', outcome: 'ok', calls: 26 },
    ]);
    db.close();
  });

  it('writes pending counts within about a second without being asked', async () => {
    const { db, log } = open();
    log.record(call({ tool: 'search_policies' }));
    await new Promise((r) => setTimeout(r, 1300));
    expect(rowsOnDisk(db)).toEqual([{ tool: 'search_policies', caller: 'agent', outcome: 'ok', calls: 1 }]);
    db.close();
  });

  it('writes a full row at once for a call that changes something, and for every read-only error', () => {
    const { db, log } = open();
    const id = log.record(call({ tool: 'apply_tuning_plan', readOnly: false, justification: 'lower swappiness' }));
    expect(id).toBeTypeOf('number');
    expect(log.record(call({ outcome: 'denied', errorCode: 'permission_denied' }))).toBeTypeOf('number');
    const full = db.prepare('SELECT tool, justification, outcome FROM audit_log ORDER BY id').all();
    expect(full).toEqual([
      { tool: 'apply_tuning_plan', justification: 'lower swappiness', outcome: 'ok' },
      { tool: 'system_summary', justification: null, outcome: 'denied' },
    ]);
    db.close();
  });

  it('keeps counts across a reopen of the same file', () => {
    const first = open();
    first.log.record(call());
    first.log.flush();
    first.db.close();
    const again = open(first.path);
    again.log.record(call());
    expect(again.log.counters()).toEqual([{ tool: 'system_summary', caller: 'agent', outcome: 'ok', calls: 2 }]);
    again.db.close();
  });
});
