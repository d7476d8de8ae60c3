// The audit log: one row per call that changes or runs something; read-only calls are counted
// always and written as full rows one in N (sampling keeps the table small under polling agents).
// Counters are summed in memory and written in one transaction at most every second (and before
// they are read, and at close): a write per polling call was the largest single cost of a call.
import type { Db, Migration } from '../db/index.js';
import { digestArguments, redactArguments } from './redact.js';

export type AuditOutcome = 'ok' | 'error' | 'denied' | 'rate_limited';

export interface AuditEntry {
  caller: string;
  transport: 'stdio' | 'http' | 'rest' | 'cli';
  tool: string;
  arguments: unknown;
  justification?: string | undefined;
  outcome: AuditOutcome;
  errorCode?: string | undefined;
  durationMs: number;
  readOnly: boolean;
}

export interface AuditRow {
  id: number;
  ts: string;
  caller: string;
  transport: string;
  tool: string;
  argsDigest: string;
  args: unknown;
  justification: string | null;
  outcome: AuditOutcome;
  errorCode: string | null;
  durationMs: number;
  sampled: boolean;
}

export const auditMigrations: Migration[] = [{
  component: 'audit',
  version: 1,
  description: 'audit_log and per-tool call counters',
  up: (db) => db.exec(`
    CREATE TABLE audit_log (
      id INTEGER PRIMARY KEY,
      ts TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
      caller TEXT NOT NULL, transport TEXT NOT NULL, tool TEXT NOT NULL,
      args_digest TEXT NOT NULL, args_json TEXT NOT NULL, justification TEXT,
      outcome TEXT NOT NULL CHECK (outcome IN ('ok','error','denied','rate_limited')),
      error_code TEXT, duration_ms REAL NOT NULL, sampled INTEGER NOT NULL DEFAULT 0);
    CREATE INDEX audit_log_ts ON audit_log(ts);
    CREATE INDEX audit_log_tool ON audit_log(tool, ts);
    CREATE TABLE audit_counters (
      tool TEXT NOT NULL, caller TEXT NOT NULL, outcome TEXT NOT NULL, calls INTEGER NOT NULL,
      PRIMARY KEY (tool, caller, outcome));`),
}];

export interface AuditQuery {
  tool?: string | undefined;
  caller?: string | undefined;
  outcome?: AuditOutcome | undefined;
  sinceIso?: string | undefined;
  limit?: number | undefined;
}

const COUNTER_FLUSH_MS = 1000;

export class AuditLog {
  private readonly insert;
  private readonly count;
  private readonly flushCounts;
  private readSeen = 0;
  /** tool, caller, outcome (joined by NUL) → calls not yet written. */
  private readonly pending = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db, private readonly options: { readSampleEvery: number }) {
    this.insert = db.prepare(`INSERT INTO audit_log (caller, transport, tool, args_digest, args_json, justification, outcome, error_code, duration_ms, sampled)
      VALUES (@caller, @transport, @tool, @digest, @args, @justification, @outcome, @errorCode, @durationMs, @sampled)`);
    this.count = db.prepare(`INSERT INTO audit_counters (tool, caller, outcome, calls) VALUES (?, ?, ?, ?)
      ON CONFLICT (tool, caller, outcome) DO UPDATE SET calls = calls + excluded.calls`);
    this.flushCounts = db.transaction((entries: Array<[string, number]>) => {
      for (const [key, calls] of entries) this.count.run(...key.split('\0'), calls);
    });
  }

  /** Writes the counts summed since the last flush. */
  flush(): void {
    if (this.flushTimer) { clearTimeout(this.flushTimer); this.flushTimer = undefined; }
    if (this.pending.size === 0) return;
    const entries = [...this.pending];
    this.pending.clear();
    this.flushCounts(entries);
  }

  private countCall(entry: AuditEntry): void {
    const key = `${entry.tool}\0${entry.caller}\0${entry.outcome}`;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => { this.flushTimer = undefined; this.flush(); }, COUNTER_FLUSH_MS);
      this.flushTimer.unref();
    }
  }

  /** Returns the row id when a full row was written, undefined when only counted. */
  record(entry: AuditEntry): number | undefined {
    this.countCall(entry);
    // Denials and errors of read-only calls are always kept: they are what an auditor looks for.
    const sampledOut = entry.readOnly && entry.outcome === 'ok' && (this.readSeen++ % this.options.readSampleEvery) !== 0;
    if (sampledOut) return undefined;
    const info = this.insert.run({
      caller: entry.caller, transport: entry.transport, tool: entry.tool,
      digest: digestArguments(entry.arguments), args: JSON.stringify(redactArguments(entry.arguments)),
      justification: entry.justification ?? null, outcome: entry.outcome, errorCode: entry.errorCode ?? null,
      durationMs: entry.durationMs, sampled: entry.readOnly ? 1 : 0,
    });
    return Number(info.lastInsertRowid);
  }

  query(q: AuditQuery = {}): AuditRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.tool) { where.push('tool = ?'); params.push(q.tool); }
    if (q.caller) { where.push('caller = ?'); params.push(q.caller); }
    if (q.outcome) { where.push('outcome = ?'); params.push(q.outcome); }
    if (q.sinceIso) { where.push('ts >= ?'); params.push(q.sinceIso); }
    const sql = `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT ?`;
    params.push(q.limit ?? 50);
    return (this.db.prepare(sql).all(...params) as Array<Record<string, unknown>>).map((r) => ({
      id: r.id as number, ts: r.ts as string, caller: r.caller as string, transport: r.transport as string, tool: r.tool as string,
      argsDigest: r.args_digest as string, args: JSON.parse(r.args_json as string), justification: (r.justification as string) ?? null,
      outcome: r.outcome as AuditOutcome, errorCode: (r.error_code as string) ?? null, durationMs: r.duration_ms as number, sampled: r.sampled === 1,
    }));
  }

  counters(): Array<{ tool: string; caller: string; outcome: string; calls: number }> {
    this.flush();
    return this.db.prepare('SELECT tool, caller, outcome, calls FROM audit_counters ORDER BY calls DESC').all() as Array<{ tool: string; caller: string; outcome: string; calls: number }>;
  }
}
